"""The house style of the book's tables (mslab.tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mslab.tables import markdown_table


def test_markdown_table_house_style():
    frame = pd.DataFrame({
        "γ": [0.1, 0.1, 0.5], "strategy": ["inventory", "symmetric", "inventory"],
        "profit ($)": [64.876, -1234.5, np.nan], "N": [10, 2000, 3], "note": ["a|b", "*x*", None],
    }).set_index(["γ", "strategy"])
    text = markdown_table(frame, digits={"profit ($)": 1})
    lines = text.splitlines()
    assert lines[0] == r"| γ | strategy | profit (\$) | N | note |"
    assert lines[1] == "| :--- | :--- | ---: | ---: | :--- |"
    # repeated index values are blanked, numbers formatted by mslab.glue.number, markdown escaped
    assert lines[2] == r"| 0.10 | inventory | 64.9 | 10 | a\|b |"
    assert lines[3] == r"|   | symmetric | −1,234.5 | 2,000 | \*x\* |"
    assert lines[4] == "| 0.50 | inventory | n/a | 3 | n/a |"
    assert len(lines) == 5


def test_markdown_table_without_index_and_validation():
    text = markdown_table(pd.DataFrame({"a": [1.23456], "b": ["x"]}), digits=3)
    assert text.splitlines()[2] == "| 1.235 | x |"
    unnamed = markdown_table(pd.DataFrame({"v": [1.5]}, index=["mean spread"]), digits=1)
    assert unnamed.splitlines()[0] == "|  | v |" and unnamed.splitlines()[2] == "| mean spread | 1.5 |"
    with pytest.raises(ValueError, match="frame"):
        markdown_table([1, 2])
    with pytest.raises(ValueError, match="digits"):
        markdown_table(pd.DataFrame({"a": [1.0]}), digits={"b": 1})
    with pytest.raises(ValueError, match="digits"):
        markdown_table(pd.DataFrame({"a": [1.0]}), digits=-1)
