"""What a study of a price file needs of it, and pairs chosen from the data.

A chapter that runs on a reader's own price file (:func:`~mslab.pairs.read_prices`) cannot
assume that its favourite tickers are in it. :func:`choose_pairs` keeps the pairs asked for
whose two legs are in the file and replaces the others by the closest pairs of the first
formation window by Gatev et al.'s distance (:func:`~mslab.pairs.distance_pairs`: smallest sum
of squared differences of the prices normalised to 1 on the window's first day), so that the
same number of pairs is studied on any file; :class:`PairChoice` says which pairs came from
where. :func:`require_universe` refuses, before anything runs, a file with too few tickers or
too short a history for the analyses asked for, naming each one that cannot run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from mslab import _validate
from mslab.pairs.data import check_prices
from mslab.pairs.selection import distance_pairs


@dataclass(frozen=True)
class PairChoice:
    """Pairs to study, and where each came from (:func:`choose_pairs`).

    Attributes
    ----------
    pairs : tuple
        ``given`` followed by ``chosen``: the (y, x) ticker pairs to study.
    given : tuple
        The requested pairs found in the prices, in the order asked.
    chosen : tuple
        The closest pairs of the first ``formation`` days, in order of distance, standing in
        for the ``missing`` requested pairs.
    missing : tuple
        The requested pairs with a leg that is not a column of the prices.
    formation : int
        Days of the window the ``chosen`` pairs were ranked on.
    """

    pairs: tuple[tuple[str, str], ...]
    given: tuple[tuple[str, str], ...]
    chosen: tuple[tuple[str, str], ...]
    missing: tuple[tuple[str, str], ...]
    formation: int

    @property
    def all_given(self) -> bool:
        """True when every pair is one that was asked for."""
        return not self.chosen

    def describe(self, given_words: str) -> str:
        """Where the pairs come from, in words.

        Parameters
        ----------
        given_words : str
            Non-empty words for the requested pairs (e.g. "the pairs an economist would name
            first").

        Returns
        -------
        str
            ``given_words`` when all pairs were asked for, else which were asked for and which were
            chosen from the data in their place.

        Raises
        ------
        ValueError
            If ``given_words`` is not a non-empty string.
        """
        if not isinstance(given_words, str) or not given_words.strip():
            _validate.fail("given_words", given_words, "a non-empty description")
        if self.all_given:
            return given_words
        closest = (f"the closest pairs by distance over the first {self.formation} days "
                   f"({describe_pairs(self.chosen)})")
        if not self.given:
            return (f"{closest}, since the price file holds none of {given_words} "
                    f"({describe_pairs(self.missing)})")
        return (f"{given_words} that the price file holds ({describe_pairs(self.given)}) and, "
                f"in place of {describe_pairs(self.missing)}, {closest}")


def _pair_list(name: str, value: object) -> list[tuple[str, str]]:
    allowed = "a list of pairs of two distinct ticker strings, e.g. [['KO', 'PEP']]"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        _validate.fail(name, value, allowed)
    pairs = []
    for p in value:
        if (isinstance(p, (str, bytes)) or not isinstance(p, Sequence) or len(p) != 2
                or not all(isinstance(t, str) for t in p) or p[0] == p[1]):
            _validate.fail(name, value, allowed)
        pairs.append((p[0], p[1]))
    if len({frozenset(p) for p in pairs}) != len(pairs):
        _validate.fail(name, value, allowed + ", each pair once")
    return pairs


def choose_pairs(prices: pd.DataFrame, wanted: Sequence[Sequence[str]] | None = None, *,
                 n: int | None = None, formation: int = 252) -> PairChoice:
    """The ``wanted`` pairs (each ``(y, x)``) whose legs are columns of ``prices``, completed
    to ``n`` pairs (default: as many as wanted) by the closest pairs of the first
    ``formation`` days (fewer if the prices hold fewer pairs).

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table ($, dates × tickers, at least 3 dates and 2 tickers).
    wanted : list of tuple or None
        Requested (y, x) pairs of distinct ticker strings, each pair once (in either order);
        None (default) for none.
    n : int or None
        Number of pairs to study, ≥ 1; None (default) for as many as ``wanted`` (then
        ``wanted`` must not be empty).
    formation : int
        Days (≥ 3) at the start of ``prices`` on which replacement pairs are ranked by
        distance (all the dates if fewer).

    Returns
    -------
    PairChoice
        The pairs, which were given and which chosen, and the requested pairs missing from
        ``prices``.

    Raises
    ------
    ValueError
        If ``prices`` is not a valid price table, ``wanted`` is not such a list, or ``n`` or
        ``formation`` is out of range.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mslab.pairs import choose_pairs
    >>> days = pd.bdate_range("2024-01-01", periods=5)
    >>> prices = pd.DataFrame({"A": [1, 2, 3, 4, 5.0], "B": [1, 2, 3, 4, 6.0],
    ...                        "C": [5, 4, 3, 2, 1.0]}, index=days)
    >>> choice = choose_pairs(prices, [["A", "C"], ["KO", "PEP"]], formation=5)
    >>> choice.given, choice.chosen, choice.missing
    ((('A', 'C'),), (('A', 'B'),), (('KO', 'PEP'),))
    """
    prices = check_prices(prices, min_rows=3)
    wanted_pairs = [] if wanted is None else _pair_list("wanted", wanted)
    if n is None:
        if not wanted_pairs:
            _validate.fail("n", n, "a number of pairs (>= 1) when no pairs are wanted")
        n = len(wanted_pairs)
    n = _validate.integer("n", n, low=1)
    formation = _validate.integer("formation", formation, low=3)
    cols = set(prices.columns)
    given = [p for p in wanted_pairs if set(p) <= cols][:n]
    missing = [p for p in wanted_pairs if not set(p) <= cols]
    taken = {frozenset(p) for p in given}
    ranked = distance_pairs(prices.iloc[:formation])
    chosen = []
    for a, b in zip(ranked["asset1"], ranked["asset2"], strict=True):
        if len(given) + len(chosen) >= n:
            break
        if frozenset((a, b)) not in taken:
            chosen.append((str(a), str(b)))
    return PairChoice(tuple(given + chosen), tuple(given), tuple(chosen), tuple(missing),
                      min(formation, len(prices)))


def describe_pairs(pairs: Sequence[Sequence[str]], values: Sequence[str] | None = None) -> str:
    """Pairs in words: ``"KO/PEP, XOM/CVX and PG/JNJ"`` (``"none"`` for no pair), or with
    ``values`` (one string per pair) ``"0.12 (KO/PEP), 0.34 (XOM/CVX) and 0.56 (PG/JNJ)"``.

    Parameters
    ----------
    pairs : list of tuple
        (y, x) pairs of distinct ticker strings, each pair once; may be empty.
    values : list of str or None
        One string per pair, shown before it; None (default) for none.

    Returns
    -------
    str
        The pairs joined by commas and a final "and"; ``"none"`` for no pair.

    Raises
    ------
    ValueError
        If ``pairs`` is not such a list or ``values`` does not hold one string per pair.

    Examples
    --------
    >>> from mslab.pairs import describe_pairs
    >>> describe_pairs([("KO", "PEP"), ("XOM", "CVX")], ["0.12", "0.34"])
    '0.12 (KO/PEP) and 0.34 (XOM/CVX)'
    """
    names = [f"{a}/{b}" for a, b in _pair_list("pairs", pairs)]
    if values is not None:
        if (isinstance(values, (str, bytes)) or not isinstance(values, Sequence)
                or len(values) != len(names) or not all(isinstance(v, str) for v in values)):
            _validate.fail("values", values, f"one string for each of the {len(names)} pairs")
        names = [f"{v} ({nm})" for v, nm in zip(values, names, strict=True)]
    if not names:
        return "none"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def require_universe(prices: pd.DataFrame, *, tickers: Mapping[str, int] | None = None,
                     days: Mapping[str, int] | None = None, name: str = "prices") -> None:
    """Raise ValueError, naming ``name`` (e.g. the file), when ``prices`` has fewer columns
    than some entry of ``tickers`` or fewer rows than some entry of ``days`` asks for; each
    mapping goes from what needs them (words) to how many it needs. The message lists every
    unmet need.

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table (checked by :func:`mslab.pairs.data.check_prices`).
    tickers : dict or None
        What needs tickers (words) -> how many columns it needs (int ≥ 0); None for no need.
    days : dict or None
        What needs a history (words) -> how many rows (dates) it needs (int ≥ 0); None for
        no need.
    name : str
        What ``prices`` is called in the messages, e.g. the file name.

    Raises
    ------
    ValueError
        If a need is unmet (every unmet need is listed), ``prices`` is not a valid price
        table, or a mapping or count is not allowed.

    Examples
    --------
    >>> import pandas as pd
    >>> from mslab.pairs import require_universe
    >>> prices = pd.DataFrame({"A": [1.0, 2.0], "B": [2.0, 1.0]},
    ...                       index=pd.bdate_range("2024-01-01", periods=2))
    >>> require_universe(prices, tickers={"a pair": 2}, days={"a 252-day formation window": 252},
    ...                  name="my.csv")
    Traceback (most recent call last):
        ...
    ValueError: my.csv holds 2 tickers on 2 dates, too few for: a 252-day formation window (needs 252 dates)
    """
    prices = check_prices(prices, name)
    needs = []
    for what, mapping, have, unit in (("tickers", tickers, prices.shape[1], "tickers"),
                                      ("days", days, len(prices), "dates")):
        if mapping is None:
            continue
        if not isinstance(mapping, Mapping):
            _validate.fail(what, mapping, "a mapping from what needs them to how many")
        for need, k in mapping.items():
            k = _validate.integer(f"{what}[{need!r}]", k, low=0)
            if have < k:
                needs.append(f"{need} (needs {k} {unit})")
    if needs:
        raise ValueError(f"{name} holds {prices.shape[1]} tickers on {len(prices)} dates, too "
                         "few for: " + "; ".join(needs))
