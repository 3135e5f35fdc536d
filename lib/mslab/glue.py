"""Numbers into prose: the one place that formats and glues what a chapter's text quotes.

Every chapter glues its headline numbers (``myst_nb.glue``) instead of typing them, so that a
re-run with other parameters rewrites the text. The helpers here are the only ones chapters use:

* :func:`number` formats a number for prose (thousands separators, a fixed number of decimals,
  never scientific ``e`` notation: tiny or huge values are written ``2.5 × 10⁻⁵``);
* :func:`pm` writes ``mean ± standard error``;
* :func:`glue_num` glues a plain Python number (for ``{glue:text}`key:.2f```), :func:`glue_text`
  a piece of Markdown, :func:`glue_number` a number already formatted by :func:`number`;
* :func:`compare` turns a computed comparison into the word the prose uses, so a re-run that
  reverses a comparison changes the sentence instead of contradicting it;
* :func:`one_row` looks a row up by exact keys and fails on none or more than one match, so a
  glued value can never come silently from the wrong row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from numbers import Real

import numpy as np
import pandas as pd

from mslab import _validate

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(value: float, digits: int = 2, *, percent: bool = False, signed: bool = False,
           name: str = "value") -> str:
    """Format ``value`` for prose.

    Parameters
    ----------
    value : float
        The number. NaN is written ``n/a``; ±inf as ``∞`` with its sign.
    digits : int
        Decimals shown (0 to 12). A non-zero value that would round to zero at this precision,
        or one of magnitude ≥ 10¹⁵, is written in scientific form with ``digits`` significant
        decimals, e.g. ``2.5 × 10⁻⁵``.
    percent : bool
        Multiply by 100 and append ``%``.
    signed : bool
        Always show the sign (``+1.20``).
    name : str
        The parameter named in the ``ValueError`` raised for a non-number.

    Returns
    -------
    str
        The formatted number, with a true minus sign (U+2212) and thin thousands separators
        written as commas.

    Examples
    --------
    >>> number(1234.5678)
    '1,234.57'
    >>> number(0.000025, 2)
    '2.50 × 10⁻⁵'
    >>> number(0.123, 1, percent=True)
    '12.3%'
    """
    digits = _validate.integer("digits", digits, low=0, high=12)
    if isinstance(value, bool) or not isinstance(value, (Real, np.number)):
        _validate.fail(name, value, "a real number")
    x = float(value) * (100.0 if percent else 1.0)
    suffix = "%" if percent else ""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return ("−∞" if x < 0 else ("+∞" if signed else "∞")) + suffix
    sign = "−" if x < 0 else ("+" if signed else "")
    a = abs(x)
    if a != 0.0 and (round(a, digits) == 0.0 or a >= 1e15):
        mantissa, exponent = f"{a:.{max(digits, 1)}e}".split("e")
        text = f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    else:
        text = f"{a:,.{digits}f}"
        if float(text.replace(",", "")) == 0.0:
            sign = "+" if signed else ""
    return f"{sign}{text}{suffix}"


_PASTED_NEGATIVE = re.compile(r"-((?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?%?|inf%?)")


def prose_sign(text: str) -> str:
    """A number as Python's ``format`` writes it (``{glue:text}`key:.2f``` in prose), with
    the sign as :func:`number` writes it.

    Parameters
    ----------
    text : str
        The formatted text. Only a negative number is changed: its hyphen-minus becomes a
        true minus sign (U+2212), or is dropped when the number shows as zero (``-0.00``).

    Returns
    -------
    str
        The text to print.

    Raises
    ------
    ValueError
        If ``text`` is not a string.

    Examples
    --------
    >>> prose_sign("-0.10"), prose_sign("-0.00"), prose_sign("-1,234.5%"), prose_sign("a-b")
    ('−0.10', '0.00', '−1,234.5%', 'a-b')
    """
    if not isinstance(text, str):
        _validate.fail("text", text, "a string")
    m = _PASTED_NEGATIVE.fullmatch(text)
    if m is None:
        return text
    body = m.group(1)
    return ("−" if re.search(r"[1-9]|inf", body.split("e")[0]) else "") + body


def pm(mean: float, se: float, digits: int = 2, *, percent: bool = False) -> str:
    """``mean ± se`` with both parts formatted by :func:`number`.

    Parameters
    ----------
    mean : float
        The estimate.
    se : float
        Its standard error (same units).
    digits : int
        Decimals shown, 0 to 12 (see :func:`number`). Default 2.
    percent : bool
        Multiply by 100 and append ``%``. Default False.

    Returns
    -------
    str
        ``"<mean> ± <se>"`` (NaN parts written ``n/a``).

    Raises
    ------
    ValueError
        If ``mean`` or ``se`` is not a real number, or ``digits`` is outside [0, 12].

    Examples
    --------
    >>> pm(64.876, 0.5312)
    '64.88 ± 0.53'
    """
    return (f"{number(mean, digits, percent=percent, name='mean')} ± "
            f"{number(se, digits, percent=percent, name='se')}")


def pm_column(means: Sequence[float], ses: Sequence[float], digits: int = 2, *,
              percent: bool = False) -> list[str]:
    """:func:`pm` applied pairwise, for a table column (non-breaking spaces around ``±``).

    Parameters
    ----------
    means : list of float, numpy.ndarray or pandas.Series
        The estimates.
    ses : list of float, numpy.ndarray or pandas.Series
        Their standard errors, as many as ``means``.
    digits : int
        Decimals shown, 0 to 12 (see :func:`number`). Default 2.
    percent : bool
        Multiply by 100 and append ``%``. Default False.

    Returns
    -------
    list of str
        One ``"<mean> ± <se>"`` per pair, in order.

    Raises
    ------
    ValueError
        If ``means`` or ``ses`` is not a sequence (a string is refused), their lengths differ, a
        value is not a real number, or ``digits`` is outside [0, 12].
    """
    for name, values in (("means", means), ("ses", ses)):
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, pd.Series)):
            _validate.fail(name, values, "a sequence of real numbers")
    means, ses = list(means), list(ses)
    if len(means) != len(ses):
        _validate.fail("ses", f"<{len(ses)} values>", f"as many values as means ({len(means)})")
    return [f"{number(m, digits, percent=percent, name='means')}\u00a0±\u00a0"
            f"{number(s, digits, percent=percent, name='ses')}" for m, s in zip(means, ses)]


def _plain(value: object) -> object:
    """A numpy scalar as the Python int/float it holds (glue would store its repr otherwise)."""
    return value.item() if isinstance(value, np.generic) else value


def glue_num(name: str, value: float) -> None:
    """Glue a plain Python number under ``name`` without displaying it.

    Use in prose as ``{glue:text}`name:.2f``` (the format spec is applied by MyST-NB). A NumPy
    scalar is glued as the Python number it holds.

    Parameters
    ----------
    name : str
        The glue key.
    value : float
        The number (an int, a float or a NumPy scalar; not a bool).

    Raises
    ------
    ValueError
        If ``value`` is not a real number.
    """
    from myst_nb import glue

    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, Real):
        _validate.fail("value", value, f"a real number to glue under {name!r}")
    glue(name, value, display=False)


class Prose:
    """Text glued by :func:`glue_text`: Markdown in its own chapter, plain text elsewhere.

    Its ``text/markdown`` form is what ``{glue:md}`key``` renders in the chapter; its
    ``text/plain`` form is the quoted string (``repr``), which MyST-NB's ``{glue:text}`` reads
    back exactly, so another page can paste it with ``{glue:text}`chapter::key``` (MyST-NB
    pastes only ``text/plain``, HTML and images across documents).

    Parameters
    ----------
    text : str
        The Markdown.

    Raises
    ------
    ValueError
        If ``text`` is not a string.
    """

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            _validate.fail("text", text, "a string")
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return repr(self.text)


def glue_text(name: str, text: str) -> None:
    """Glue a piece of Markdown under ``name``.

    Use in the chapter's prose as ``{glue:md}`name```; another page (the landing page) pastes
    it as ``{glue:text}`chapter::name``` (see :class:`Prose`).

    Parameters
    ----------
    name : str
        The glue key.
    text : str
        The Markdown.

    Raises
    ------
    ValueError
        If ``text`` is not a string.
    """
    from myst_nb import glue

    if not isinstance(text, str):
        _validate.fail("text", text, f"a string to glue under {name!r}")
    glue(name, Prose(text), display=False)


def glue_number(name: str, value: float, digits: int = 2, *, percent: bool = False,
                signed: bool = False) -> str:
    """Glue ``number(value, digits, ...)`` as Markdown under ``name`` and return the text.

    Parameters
    ----------
    name : str
        The glue key.
    value : float
        The number (NaN is written ``n/a``).
    digits : int
        Decimals shown, 0 to 12 (see :func:`number`). Default 2.
    percent : bool
        Multiply by 100 and append ``%``. Default False.
    signed : bool
        Always show the sign. Default False.

    Returns
    -------
    str
        The glued text, :func:`number` of ``value``.

    Raises
    ------
    ValueError
        If ``value`` is not a real number or ``digits`` is outside [0, 12].
    """
    text = number(value, digits, percent=percent, signed=signed)
    glue_text(name, text)
    return text


def compare(a: float, b: float, words: tuple[str, str, str] = ("above", "below", "equal to"),
            *, tolerance: float = 0.0) -> str:
    """The word that states how ``a`` compares with ``b``.

    Returns ``words[0]`` if ``a > b + tolerance``, ``words[1]`` if ``a < b - tolerance`` and
    ``words[2]`` otherwise. Raises ``ValueError`` if either value is NaN, so that prose never
    states a comparison the numbers cannot support.

    Parameters
    ----------
    a, b : float
        The values compared (±inf allowed, NaN refused).
    words : tuple of str
        The words for greater, smaller and equal. Default ``("above", "below", "equal to")``.
    tolerance : float
        Differences of at most this size (≥ 0, units of ``a``) count as equal. Default 0.

    Returns
    -------
    str
        One of ``words``.

    Raises
    ------
    ValueError
        If ``a`` or ``b`` is NaN or not a real number, ``tolerance`` is negative or not finite,
        or ``words`` is not a tuple of three strings.

    Examples
    --------
    >>> compare(2.0, 1.0, ("beats", "trails", "ties"))
    'beats'
    """
    a = _validate.real("a", _plain(a)) if not (isinstance(a, float) and math.isinf(a)) else a
    b = _validate.real("b", _plain(b)) if not (isinstance(b, float) and math.isinf(b)) else b
    tolerance = _validate.nonnegative("tolerance", tolerance)
    if (not isinstance(words, tuple) or len(words) != 3
            or not all(isinstance(w, str) for w in words)):
        _validate.fail("words", words, "a tuple of three strings (greater, smaller, equal)")
    if a > b + tolerance:
        return words[0]
    if a < b - tolerance:
        return words[1]
    return words[2]


def one_row(frame: pd.DataFrame, **keys: object) -> pd.Series:
    """The single row of ``frame`` whose columns equal ``keys`` exactly.

    Raises ``ValueError`` naming the keys if no row or more than one row matches: a glued value
    must come from exactly the row the prose describes.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    **keys
        ``column=value`` pairs, at least one; a row matches when every column equals its value
        (``==``, so a NaN value matches no row).

    Returns
    -------
    pandas.Series
        The matching row, indexed by the column names.

    Raises
    ------
    ValueError
        If ``frame`` is not a DataFrame, no key is given, a key is not a column, or not exactly
        one row matches.

    Examples
    --------
    >>> t = pd.DataFrame({"method": ["Bonferroni", "Benjamini–Hochberg"], "n": [1, 3]})
    >>> int(one_row(t, method="Benjamini–Hochberg")["n"])
    3
    """
    if not isinstance(frame, pd.DataFrame):
        _validate.fail("frame", type(frame).__name__, "a pandas DataFrame")
    if not keys:
        _validate.fail("keys", keys, "at least one column=value pair")
    mask = np.ones(len(frame), dtype=bool)
    for column, value in keys.items():
        if column not in frame.columns:
            _validate.fail(column, value, f"a column of the frame ({', '.join(map(str, frame.columns))})")
        mask &= (frame[column] == value).to_numpy()
    n = int(mask.sum())
    if n != 1:
        found = "no row" if n == 0 else f"{n} rows"
        raise ValueError(f"one_row({', '.join(f'{k}={v!r}' for k, v in keys.items())}): "
                         f"{found} match; exactly one is required")
    return frame.loc[mask].iloc[0]
