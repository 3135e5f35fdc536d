"""Tables for the book: one house style, numbered and captioned as tables.

A chapter turns a DataFrame into a Markdown (GFM pipe) table with :func:`markdown_table` and
glues it with :func:`glue_table`; its Markdown cell pastes it inside a ``{table}`` directive,
which gives the table its number ("Table 2.3") and caption, and a label for ``{numref}``::

    :::{table} Mean profit by strategy (mean ± one standard error).
    :name: tab-ir-reproduction

    ```{glue:md} tab-ir-reproduction
    :format: myst
    ```
    :::

Use the colon fence (MyST's ``colon_fence`` extension) for the ``{table}`` directive: the
caption is its argument, and a backtick fence cannot carry a caption with a role such as
``{glue:text}`key```, since CommonMark forbids backticks in a backtick fence's info string.

Why Markdown and not the DataFrame itself: a glued DataFrame is pasted as raw HTML, which
Sphinx cannot number as a table (``{glue:figure}`` would number it as a *figure*). The
``glue:md`` directive parses the glued Markdown when the page is built, so the ``{table}``
directive receives a real table node and numbers it with the other tables (``numfig``).

House style: the index levels (unless the index is a plain range) become the leading columns, a value repeated from the row above
in those columns is left blank (as pandas prints a MultiIndex), numbers are right-aligned and
formatted by :func:`mslab.glue.number` (integers without decimals; true minus signs, thousands separators, never ``e``
notation), text is left-aligned, and Markdown syntax in the cells is escaped so that a cell is
shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.glue import glue_text, number

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|$#~])")


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _cell(value: object, digits: int) -> tuple[str, bool]:
    """The text of one cell and whether it is numeric (right-aligned)."""
    if isinstance(value, (bool, np.bool_)):
        return ("yes" if value else "no"), False
    if isinstance(value, (Integral, np.integer)):
        return number(value, 0), True
    if isinstance(value, (Real, np.number)):
        return number(value, digits), True
    if value is None:
        return "", False
    return _escape(str(value)), False


def markdown_table(frame: pd.DataFrame, digits: int | Mapping[str, int] = 2) -> str:
    """``frame`` as a GFM pipe table in the house style (see the module docstring).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, with single-level columns; its index (unless it is an unnamed
        ``RangeIndex``) becomes the leading column(s), headed by the index name(s).
    digits : int or dict
        Decimals of numeric cells (:func:`mslab.glue.number`), 0 to 12: one value for every
        column, or a mapping from column name to decimals (columns not named get 2). Integers are
        always written without decimals, booleans as ``yes``/``no``, None as an empty cell and
        NaN as ``n/a``.

    Returns
    -------
    str
        Markdown: a header row, an alignment row and one row per row of ``frame``.

    Raises
    ------
    ValueError
        If ``frame`` is not a DataFrame or has MultiIndex columns, or ``digits`` (or a value of
        the mapping) is not an integer in [0, 12], or the mapping names a column that is not in
        the table.

    Examples
    --------
    >>> import pandas as pd
    >>> from mslab.tables import markdown_table
    >>> frame = pd.DataFrame({"strategy": ["inventory", "symmetric"], "profit": [65.0, 68.6351]})
    >>> print(markdown_table(frame, digits=1))
    | strategy | profit |
    | :--- | ---: |
    | inventory | 65.0 |
    | symmetric | 68.6 |
    """
    if not isinstance(frame, pd.DataFrame):
        _validate.fail("frame", type(frame).__name__, "a pandas DataFrame")
    if frame.columns.nlevels != 1:
        _validate.fail("frame", "<DataFrame with MultiIndex columns>", "single-level columns")
    keys: list[str] = []
    if any(name is not None for name in frame.index.names) or not isinstance(
            frame.index, pd.RangeIndex):
        keys = [str(n) if n is not None else "" for n in frame.index.names]
        frame = frame.reset_index()
        frame.columns = keys + list(map(str, frame.columns[len(keys):]))
    if isinstance(digits, Mapping):
        bad = [c for c in digits if c not in frame.columns]
        if bad:
            _validate.fail("digits", dict(digits), f"decimals for columns of the frame, not {bad}")
        places = {c: _validate.integer(f"digits[{c!r}]", digits.get(c, 2), low=0, high=12)
                  for c in frame.columns}
    else:
        d = _validate.integer("digits", digits, low=0, high=12)
        places = {c: d for c in frame.columns}
    columns = [str(c) for c in frame.columns]
    body: list[list[str]] = []
    numeric = [True] * len(columns)
    previous: list[object] = [object()] * len(keys)
    for row in frame.itertuples(index=False, name=None):
        texts = []
        for j, (column, value) in enumerate(zip(frame.columns, row)):
            text, is_number = _cell(value, places[column])
            if text and not is_number:
                numeric[j] = False
            if j < len(keys):
                repeated = all(previous[i] == row[i] for i in range(j + 1))
                if repeated:
                    text = ""
            texts.append(text)
        previous = list(row[:len(keys)])
        body.append(texts)
    align = ["---:" if numeric[j] and j >= len(keys) else ":---" for j in range(len(columns))]
    lines = ["| " + " | ".join(_escape(c) for c in columns) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(t if t else " " for t in texts) + " |" for texts in body]
    return "\n".join(lines)


def glue_table(name: str, frame: pd.DataFrame, digits: int | Mapping[str, int] = 2) -> None:
    """Glue :func:`markdown_table` of ``frame`` as Markdown under ``name``.

    Paste it with a ``{glue:md}`` directive (``:format: myst``) inside a ``{table}`` directive
    (see the module docstring). Returns nothing, so that a cell ending with this call does not
    also display the Markdown source.

    Parameters
    ----------
    name : str
        The glue key that the chapter's ``{glue:md}`` directive pastes.
    frame : pandas.DataFrame
        The table (see :func:`markdown_table`).
    digits : int or dict
        Decimals of numeric cells, as in :func:`markdown_table`. Default 2.

    Raises
    ------
    ValueError
        As :func:`markdown_table`.
    """
    glue_text(name, markdown_table(frame, digits))
