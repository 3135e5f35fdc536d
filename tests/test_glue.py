"""mslab.glue: the one formatter of numbers in prose, exact row lookups, computed comparisons."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mslab.glue import compare, number, one_row, pm, pm_column


@pytest.mark.parametrize("value, digits, kwargs, expected", [
    (1234.5678, 2, {}, "1,234.57"),
    (-1234.5678, 0, {}, "−1,235"),
    (0.000025, 2, {}, "2.50 × 10⁻⁵"),
    (2.5e-05, 1, {}, "2.5 × 10⁻⁵"),
    (3e16, 1, {}, "3.0 × 10¹⁶"),
    (0.0, 2, {}, "0.00"),
    (-0.001, 2, {"signed": True}, "−1.00 × 10⁻³"),
    (-0.004, 2, {}, "−4.00 × 10⁻³"),
    (0.1234, 1, {"percent": True}, "12.3%"),
    (1.2, 2, {"signed": True}, "+1.20"),
    (float("nan"), 2, {}, "n/a"),
    (float("-inf"), 2, {}, "−∞"),
])
def test_number_formats_for_prose(value, digits, kwargs, expected):
    assert number(value, digits, **kwargs) == expected


def test_number_never_writes_e_notation():
    for exponent in range(-30, 31):
        text = number(1.2345 * 10.0 ** exponent, 2)
        assert "e" not in text and "E" not in text


def test_number_rejects_non_numbers_and_bad_digits():
    with pytest.raises(ValueError, match="value="):
        number("1.0")
    with pytest.raises(ValueError, match="digits="):
        number(1.0, 13)
    with pytest.raises(ValueError, match="value="):
        number(True)


def test_pm_and_columns():
    assert pm(64.876, 0.5312) == "64.88 ± 0.53"
    assert pm_column([1.0, 2.0], [0.1, 0.2], 1) == ["1.0\u00a0±\u00a00.1", "2.0\u00a0±\u00a00.2"]
    with pytest.raises(ValueError, match="ses="):
        pm_column([1.0], [0.1, 0.2])


def test_compare_follows_the_numbers_and_refuses_nan():
    assert compare(2.0, 1.0) == "above"
    assert compare(1.0, 2.0) == "below"
    assert compare(1.0, 1.05, tolerance=0.1) == "equal to"
    assert compare(1.0, 2.0, ("beats", "trails", "ties")) == "trails"
    with pytest.raises(ValueError, match="a="):
        compare(math.nan, 1.0)


def test_one_row_is_exact_and_fails_on_ambiguity():
    t = pd.DataFrame({"method": ["Bonferroni", "Benjamini–Hochberg", "none"],
                      "alpha": [0.05, 0.05, 0.05], "n": [1, 3, 40]})
    assert int(one_row(t, method="Benjamini–Hochberg")["n"]) == 3
    with pytest.raises(ValueError, match="no row"):
        one_row(t, method="Benjamini")  # a prefix is not a match
    with pytest.raises(ValueError, match="3 rows"):
        one_row(t, alpha=0.05)
    with pytest.raises(ValueError, match="column"):
        one_row(t, missing=1)
