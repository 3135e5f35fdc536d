"""Back-test experiments on an order book: many quoters, settings and sample paths, one table.

The order-book chapter compares quoters (join the best, Avellaneda–Stoikov, GLFT) under queue
models, latencies and fees on several *markets* — sample paths of one instrument: the data file
and independent sessions simulated from the flow calibrated to it. This module is that harness.

* :func:`join_best_quoter` quotes at the best bid and ask (at the back of their queues).
* :class:`Market` is one sample path: the message stream after the opening book, the book
  before it (a LOBSTER order-book row), and the exchange's mid after every message, in ticks
  (:func:`book_mid`). :func:`make_market` builds one from LOBSTER message arrays and book rows.
* :func:`experiment` runs every *spec* — ``(labels, strategy, overrides)``: the labels that
  identify the run in the output, the name of a quoter and keyword overrides of
  :func:`~mslab.orderbook.run_backtest` — on every market, and :func:`summary` reduces each run
  to per-hour figures and the volume-weighted markout decomposition (ticks per share,
  :func:`~mslab.orderbook.markouts`).
* :func:`aggregate` gives, per group, the mean and standard error over the simulated sessions
  and the value on the file (the market named :data:`FILE`); :func:`paired_difference` the mean
  and standard error of a paired difference between two settings, session by session.

Units: money in dollars, time in seconds ("per hour" figures divide by the market's duration),
sizes in shares, LOBSTER prices in dollars × 10 000 with ``tick`` in those units.

The module also holds micromarket's parameter grid (:data:`MICROMARKET_GRID`) and the two
filters the chapter applies to its sweep table before measuring selection bias:
:func:`trading_configurations` and :func:`rank_correlation`; :func:`grid_text` writes a grid
parameter's values for prose.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab.glue import number
from mslab.orderbook.backtest import MarketMakingResult, run_backtest
from mslab.orderbook.fills import markouts
from mslab.orderbook.messages import PRICE_SCALE, check_tick, message_arrays
from mslab.orderbook.quoters import (ASK_QTY, ASK_TICK, BID_QTY, BID_TICK, QUOTER_SIGNATURE, Quoter,
                                     custom_quoter)

FILE = "file"
"""Name of the market that is the data file itself (the others are simulated sessions)."""

MESSAGE_FIELDS = ("time", "type", "size", "price", "direction")
"""The LOBSTER message columns a market carries (``order_id`` is not needed for an L2 book)."""

SUMMARY_METRICS = ("pnl", "gross", "fills", "volume", "turnover", "abs_inventory",
                   "taker_share", "expired", "capture", "adverse", "markout")
"""The columns :func:`summary` adds to every run (see there for units)."""

MICROMARKET_GRID: dict[str, tuple[float, ...]] = {
    "spread_multiplier": (0.3, 0.5, 0.8, 1.2),
    "fill_probability": (0.6, 0.75, 0.9),
    "max_inventory": (20, 50, 100),
    "inventory_penalty": (1e-4, 1e-3, 2e-3, 5e-3),
}
"""The micromarket grid, 4 × 3 × 3 × 4 = 144 configurations (it backtested 40 of them)."""

MICROMARKET_COSTS: dict[str, float] = {"fee_per_share": 2e-4, "slippage_per_volume": 5e-5}
"""micromarket's costs, the same for every configuration (``fixed`` of
:func:`mslab.sweeps.expand_grid`)."""

Spec = tuple[Mapping[str, Any], str, Mapping[str, Any]]


@njit(QUOTER_SIGNATURE, cache=True)
def join_best_rule(view, params, orders, quotes):
    """Quote ``order_size`` shares at the best bid and at the best ask as last received.

    Parameters
    ----------
    view : MarketView
        What the market maker knows at the decision (prices in ticks, sizes in shares).
    params : numpy.ndarray
        float64 parameters (none are read).
    orders : numpy.ndarray
        int64 order table (not read).
    quotes : numpy.ndarray
        int64 quote table of shape ``(levels, 4)``; row 0 is written in place.
    """
    quotes[0, BID_TICK] = view.best_bid
    quotes[0, BID_QTY] = view.order_size
    quotes[0, ASK_TICK] = view.best_ask
    quotes[0, ASK_QTY] = view.order_size


def join_best_quoter() -> Quoter:
    """Join the best: one order per side at the best bid and ask (:func:`join_best_rule`), at
    the back of their queues — on a book whose spread is many ticks, unlike
    ``grid_quoter(0.5)``, which quotes inside it.

    Returns
    -------
    Quoter
        Named ``"join_best"``, one level, no parameters.
    """
    return custom_quoter(join_best_rule, name="join_best")


@dataclass(frozen=True)
class PerMarket:
    """An override of :func:`experiment` computed for each market: ``function(market)``.

    Attributes
    ----------
    function
        Called with each :class:`Market`; returns the value of the
        :func:`~mslab.orderbook.run_backtest` keyword for that market (e.g. one latency per
        message of that market).
    """

    function: Any


@dataclass(frozen=True)
class Market:
    """One sample path for the back-tests (:func:`make_market`).

    Attributes
    ----------
    name : str
        The market's name in experiment tables (:data:`FILE` for the data file).
    messages : dict
        Maps the LOBSTER columns of :data:`MESSAGE_FIELDS` to the arrays of the messages
        *after* the opening book.
    initial_book : numpy.ndarray
        The LOBSTER order-book row before them.
    time : numpy.ndarray
        float64 time of *every* message, opening book included (s, on the engine's
        nanosecond clock, as fill times are).
    mid : numpy.ndarray
        float64 exchange mid after every message, opening book included (ticks): with
        ``time``, the series markouts are measured against.
    duration : float
        Time from the opening book to the last message (s).
    book : numpy.ndarray or None
        The order-book rows after each message after the opening book, for a back-test in
        book-file mode (a real day, whose messages alone do not rebuild the book), or
        ``None`` to replay the messages (a simulated session).
    """

    name: str
    messages: dict[str, np.ndarray]
    initial_book: np.ndarray
    time: np.ndarray
    mid: np.ndarray
    duration: float
    book: np.ndarray | None = None


def book_mid(book: object, tick: int) -> np.ndarray:
    """The mid-price after every order-book row, in ticks.

    Parameters
    ----------
    book : array of shape (n, 4·levels)
        LOBSTER order-book rows (ask price, ask size, bid price, bid size, ... in dollars ×
        10 000 and shares).
    tick : int
        The tick in LOBSTER price units (100 is one cent).

    Returns
    -------
    numpy.ndarray
        ``(best ask + best bid) / 2 / tick`` where both sides have size; rows with an empty side
        carry the last two-sided mid forward (and the first one backward).

    Raises
    ------
    ValueError
        If ``book`` is not an integer array of that shape with at least one row, ``tick`` is
        not a valid tick, or no row has both sides.
    """
    rows = _book_rows("book", book)
    tick = check_tick(tick)
    two_sided = (rows[:, 1] > 0) & (rows[:, 3] > 0)
    if not two_sided.any():
        _validate.fail("book", f"<{rows.shape[0]} rows>", "order-book rows with at least one "
                       "two-sided row (both best sizes > 0)")
    mid = np.where(two_sided, 0.5 * (rows[:, 0] + rows[:, 2]) / tick, np.nan)
    return pd.Series(mid).ffill().bfill().to_numpy()


def make_market(name: str, messages: Mapping[str, object], book: object, first: int,
                tick: int, *, book_file: bool = False) -> Market:
    """A :class:`Market` from LOBSTER message arrays and their order-book rows.

    Parameters
    ----------
    name : str
        The market's name in experiment tables (:data:`FILE` for the data file).
    messages : mapping
        Arrays ``time``, ``type``, ``size``, ``price`` and ``direction``, one value per message
        (other keys are ignored).
    book : array of shape (n, 4·levels)
        The order-book row after each message.
    first : int
        Number of messages that write the opening book (1 ≤ first < n): the back-test starts
        from the book after message ``first − 1`` and replays the rest.
    tick : int
        The tick in LOBSTER price units.
    book_file : bool
        Back-test in book-file mode: the visible book after each message is its row of
        ``book`` (a real LOBSTER day); else (default) the messages are replayed.

    Returns
    -------
    Market
        Named ``name``: the messages from ``first`` on, the opening book ``book[first − 1]``,
        the time and mid (:func:`book_mid`) of all ``n`` rows, the duration
        ``time[n − 1] − time[first − 1]`` and, in book-file mode, ``book[first:]``.

    Raises
    ------
    ValueError
        For an empty ``name``, missing or misshapen message arrays, a malformed stream (as
        :func:`~mslab.orderbook.messages.message_arrays` checks it), fewer than two messages,
        ``book`` not integer order-book rows, one per message, or without a two-sided row,
        ``first`` outside [1, n − 1], ``book_file`` not a bool, or an invalid ``tick``.
    """
    if not isinstance(name, str) or not name:
        _validate.fail("name", name, "a non-empty string")
    if not isinstance(messages, Mapping) or not all(f in messages for f in MESSAGE_FIELDS):
        _validate.fail("messages", type(messages).__name__,
                       "a mapping with arrays " + ", ".join(MESSAGE_FIELDS))
    stream = {f: np.asarray(messages[f]) for f in MESSAGE_FIELDS}
    n = stream["time"].size
    for f, values in stream.items():
        if values.ndim != 1 or values.size != n:
            _validate.fail(f"messages[{f!r}]", f"<array of shape {values.shape}>",
                           f"a 1-D array with one value per message ({n})")
    time = _validate.real_array("messages['time']", stream["time"])
    rows = _book_rows("book", book)
    if rows.shape[0] != n:
        _validate.fail("book", f"<{rows.shape[0]} rows>", f"one row per message ({n})")
    if n < 2:
        _validate.fail("messages", f"<{n} messages>", "at least two messages")
    first = _validate.integer("first", first, low=1, high=n - 1)
    if not isinstance(book_file, bool):
        _validate.fail("book_file", book_file, "True or False")
    # Markouts compare fill times, which are on the engine's clock (integer nanoseconds), with
    # these times: both must be on that clock, or a fill could see the mid after the message
    # that filled it.
    clock = message_arrays(stream, tick).time_ns * 1e-9
    return Market(name=name, messages={f: v[first:] for f, v in stream.items()},
                  initial_book=rows[first - 1], time=clock, mid=book_mid(rows, tick),
                  duration=float(time[-1] - time[first - 1]),
                  book=rows[first:] if book_file else None)


def day_blocks(messages: Mapping[str, object], book: object, first: int, tick: int,
               block_seconds: float) -> list[Market]:
    """A real day cut into consecutive blocks of ``block_seconds``, each a :class:`Market` in
    book-file mode named ``"block 1"``, ``"block 2"``, …, that starts flat from the file's book
    at its start: the independent-looking pieces whose spread gives the day's standard errors
    (:func:`aggregate`).

    The first block starts at message ``first``, the next ones at the first message at or
    after ``t₀ + k·block_seconds``, k = 1, 2, … (``t₀`` the time of message ``first − 1``, the
    opening book); the last block runs to the end of the day. A boundary that would leave the
    first or the last block with fewer than two messages is dropped (e.g. a short tail joins
    the block before it); a block in between may hold a single message. An interval
    ``[t₀ + k·block_seconds, t₀ + (k + 1)·block_seconds)`` without messages (a halt, a quiet
    spell) adds no block: the block before it runs up to the next message.

    Parameters
    ----------
    messages : mapping
        The day's message arrays, as in :func:`make_market`.
    book : numpy.ndarray
        The order-book row after each message, shape ``(n, 4·levels)``.
    first : int
        Number of messages that write the opening book (1 ≤ first < n).
    tick : int
        The tick in LOBSTER price units.
    block_seconds : float
        Length of a block in seconds, > 0; at most 10 000 blocks.

    Returns
    -------
    list of Market
        The blocks in time order.

    Raises
    ------
    ValueError
        For arguments :func:`make_market` refuses, ``block_seconds`` ≤ 0 or so short that the
        day holds more than 10 000 blocks.
    """
    block_seconds = _validate.positive("block_seconds", block_seconds)
    whole = make_market(FILE, messages, book, first, tick, book_file=True)
    time = np.asarray(messages["time"], dtype=float)
    n = time.size
    t0 = float(time[first - 1])
    if whole.duration / block_seconds > 10_000:
        _validate.fail("block_seconds", block_seconds, f">= {whole.duration / 10_000:.3g} "
                       "(at most 10,000 blocks)")
    edges = np.searchsorted(time, t0 + block_seconds * np.arange(
        1, math.ceil(whole.duration / block_seconds)), side="left")
    # an interval without messages adds no block: its boundary repeats the next one
    starts = [first] + sorted({int(e) for e in edges if first + 1 < e < n - 1})
    ends = starts[1:] + [n]
    rows = np.asarray(book)
    markets = []
    for j, (a, b) in enumerate(zip(starts, ends)):
        sub = {f: np.asarray(messages[f])[a - 1:b] for f in MESSAGE_FIELDS}
        markets.append(make_market(f"block {j + 1}", sub, rows[a - 1:b], 1, tick,
                                   book_file=True))
    return markets


def summary(result: MarketMakingResult, market: Market, *, markout_horizon: float,
            tick: int) -> dict[str, float]:
    """One back-test of ``market`` reduced to the figures the chapter compares.

    Parameters
    ----------
    result : MarketMakingResult
        The back-test of ``market`` (:func:`~mslab.orderbook.run_backtest`).
    market : Market
        The market it ran on (its duration, times and mids).
    markout_horizon : float
        Seconds after a fill at which its markout is measured (≥ 0).
    tick : int
        The tick in LOBSTER price units.

    Returns
    -------
    dict
        Per hour of the market: ``pnl`` (after fees, $), ``gross`` (before fees, $), ``fills``,
        ``volume`` (shares), ``turnover`` (traded value, $), ``expired`` (orders ending unfilled
        on arrival); over the run: ``abs_inventory`` (mean absolute inventory, shares),
        ``taker_share`` (share of traded shares filled as taker, NaN without fills); and the
        volume-weighted markout decomposition at ``markout_horizon`` seconds, in ticks per
        share: ``capture`` + ``adverse`` = ``markout`` (NaN without fills).

    Raises
    ------
    ValueError
        If ``result`` or ``market`` has the wrong type, ``markout_horizon`` < 0, ``tick`` is
        invalid, the market's duration is not positive, or a fill is not after the market's
        first time (:func:`~mslab.orderbook.markouts`).
    """
    if not isinstance(market, Market):
        _validate.fail("market", type(market).__name__, "a Market (make_market)")
    if not isinstance(result, MarketMakingResult):
        _validate.fail("result", type(result).__name__, "a MarketMakingResult (run_backtest)")
    markout_horizon = _validate.nonnegative("markout_horizon", markout_horizon)
    tick = check_tick(tick)
    if market.duration <= 0:
        _validate.fail("market", market.name, "a market with a positive duration")
    m = result.metrics()
    hours = market.duration / 3600
    out = dict(pnl=m.final_pnl / hours, gross=(m.final_pnl + m.fees) / hours,
               fills=m.n_fills / hours, volume=m.traded_volume / hours,
               turnover=m.turnover / hours, abs_inventory=m.mean_abs_inventory,
               taker_share=1 - m.maker_share, expired=result.counts["expired"] / hours)
    mk = markouts(result.fills, market.time, market.mid, horizon=markout_horizon,
                  tick=tick / PRICE_SCALE)
    return {**out, "capture": mk.capture, "adverse": mk.adverse, "markout": mk.markout}


def experiment(specs: Iterable[Spec], markets: Sequence[Market],
               quoters: Mapping[str, Mapping[str, Quoter]], *, markout_horizon: float,
               **backtest: Any) -> pd.DataFrame:
    """Run every spec on every market; one row per (spec, market).

    Parameters
    ----------
    specs : iterable of (labels, strategy, overrides)
        ``labels`` (a mapping of column → value) identify the run in the output; ``strategy``
        names a quoter of ``quoters``; ``overrides`` are :func:`~mslab.orderbook.run_backtest`
        keywords that replace those of ``backtest`` for this spec; a :class:`PerMarket` value
        is computed for each market (e.g. one latency per message of that market).
    markets : sequence of Market
        The sample paths, with distinct names.
    quoters : mapping
        ``quoters[market.name][strategy]`` is the quoter run on that market (a quoter may depend
        on the market, e.g. through its horizon).
    markout_horizon : float
        Seconds after a fill at which its markout is measured (≥ 0).
    **backtest
        Keywords of :func:`~mslab.orderbook.run_backtest` common to every run; ``tick`` (LOBSTER
        price units) is required. ``initial_book`` is always the market's.

    Returns
    -------
    pandas.DataFrame
        The labels, ``strategy``, ``market`` and the :data:`SUMMARY_METRICS` of :func:`summary`.

    Raises
    ------
    ValueError
        For no markets or markets with repeated names, ``backtest`` without ``tick``, a
        negative ``markout_horizon``, a malformed spec or one whose labels clash with the
        output columns, a strategy without a quoter for some market, and whatever
        :func:`~mslab.orderbook.run_backtest` or :func:`summary` refuses.
    """
    markets = list(markets)
    if not markets or not all(isinstance(m, Market) for m in markets):
        _validate.fail("markets", markets, "a non-empty sequence of Market")
    names = [m.name for m in markets]
    if len(set(names)) != len(names):
        _validate.fail("markets", names, "markets with distinct names")
    if "tick" not in backtest:
        _validate.fail("backtest", sorted(backtest), "keywords of run_backtest including tick")
    tick = check_tick(backtest["tick"])
    markout_horizon = _validate.nonnegative("markout_horizon", markout_horizon)
    specs = list(specs)
    for spec in specs:
        ok = (isinstance(spec, tuple) and len(spec) == 3 and isinstance(spec[0], Mapping)
              and isinstance(spec[1], str) and isinstance(spec[2], Mapping))
        if not ok:
            _validate.fail("specs", spec, "(labels mapping, strategy name, overrides mapping) "
                           "tuples")
        clash = {"strategy", "market", *SUMMARY_METRICS} & set(spec[0])
        if clash:
            _validate.fail("specs", spec, f"labels other than {sorted(clash)}")
        for m in markets:
            if spec[1] not in quoters.get(m.name, {}):
                _validate.fail("quoters", sorted(quoters.get(m.name, {})),
                               f"a quoter named {spec[1]!r} for market {m.name!r}")
    rows = []
    for labels, strategy, overrides in specs:
        for market in markets:
            per_market = {k: v.function(market) if isinstance(v, PerMarket) else v
                          for k, v in overrides.items()}
            result = run_backtest(market.messages, quoters[market.name][strategy],
                                  **{**backtest, **per_market, "initial_book": market.initial_book,
                                     "book": market.book})
            rows.append({**labels, "strategy": strategy, "market": market.name,
                         **summary(result, market, markout_horizon=markout_horizon, tick=tick)})
    return pd.DataFrame(rows)


def mean_se(values: object) -> tuple[float, float]:
    """Mean and standard error of the mean of the finite ``values`` (NaN if fewer than two).

    The standard error is the sample standard deviation (ddof = 1) over √n, n the number of
    finite values; NaN and ±inf are dropped.

    Parameters
    ----------
    values
        Real numbers, any shape (flattened), e.g. a column of :func:`experiment`'s table.

    Returns
    -------
    mean, se : float
        NaN for both without finite values; ``se`` NaN with a single one.

    Raises
    ------
    ValueError
        If ``values`` cannot be converted to floats.
    """
    try:
        v = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        _validate.fail("values", values, "real numbers")
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    se = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else float("nan")
    return float(v.mean()), se


def _require_columns(name: str, frame: object, columns: Iterable[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        _validate.fail(name, type(frame).__name__, "a pandas DataFrame")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        _validate.fail(name, f"<DataFrame with columns {list(frame.columns)}>",
                       f"a DataFrame with columns {missing}")
    return frame


def aggregate(runs: pd.DataFrame, by: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Per group of ``by``: mean and standard error over the simulated sessions, value on the file.

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`experiment` (a ``market`` column; :data:`FILE` is the data file).
    by : sequence of str
        Grouping columns, in the order groups first appear.
    metrics : sequence of str
        Columns to summarise.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, and for each metric ``m`` the columns ``m``
        (session mean), ``m_se`` (its standard error, :func:`mean_se`) and ``m_file`` (the
        file's value, NaN if the file was not run).

    Raises
    ------
    ValueError
        If ``by`` or ``metrics`` is empty, or ``runs`` is not a DataFrame with the columns
        ``market``, ``by`` and ``metrics``.
    """
    by, metrics = list(by), list(metrics)
    if not by or not metrics:
        _validate.fail("by" if not by else "metrics", by if not by else metrics,
                       "a non-empty list of column names")
    _require_columns("runs", runs, ["market", *by, *metrics])
    sessions = runs[runs["market"] != FILE]
    file = runs[runs["market"] == FILE]
    out = []
    for key, group in sessions.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key))
        f = file
        for col, val in zip(by, key):
            f = f[f[col] == val]
        for metric in metrics:
            row[metric], row[metric + "_se"] = mean_se(group[metric])
            row[metric + "_file"] = float(f[metric].iloc[0]) if len(f) else np.nan
        out.append(row)
    return pd.DataFrame(out)


def paired_difference(runs: pd.DataFrame, metric: str, column: str, a: object, b: object,
                      **where: object) -> tuple[float, float]:
    """Mean and standard error of ``metric`` under ``column == a`` minus under ``column == b``,
    paired by simulated session (the same order flow under both settings), among the rows
    matching ``where`` (column=value pairs).

    The file's rows (:data:`FILE`) are left out; a session run under only one of the settings
    has no difference and is dropped (:func:`mean_se` keeps the finite differences).

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`experiment`.
    metric : str
        The column to compare.
    column : str
        The column whose values ``a`` and ``b`` are the two settings.
    a, b
        The two settings compared (``a`` minus ``b``).
    **where
        Further column=value conditions on the rows.

    Returns
    -------
    mean, se : float
        Mean difference and its standard error (:func:`mean_se`).

    Raises
    ------
    ValueError
        If ``runs`` is not a DataFrame with those columns, or either setting does not have
        exactly one row per session among the selected rows (or has none).
    """
    _require_columns("runs", runs, ["market", metric, column, *where])
    sel = runs[runs["market"] != FILE]
    for col, val in where.items():
        sel = sel[sel[col] == val]
    x = sel[sel[column] == a].set_index("market")[metric]
    y = sel[sel[column] == b].set_index("market")[metric]
    if x.empty or y.empty or not x.index.is_unique or not y.index.is_unique:
        _validate.fail(column, (a, b), "two settings with exactly one run per session each "
                       f"among the rows matching {where}")
    return mean_se(x - y)


def trading_configurations(table: pd.DataFrame, metric: str = "sharpe") -> pd.DataFrame:
    """The rows of a sweep table whose configuration has a finite ``metric`` on every slice.

    ``table`` is a :func:`mslab.sweeps.run_sweep` table (columns ``instrument``,
    ``params_json``, ``split`` and ``metric``); a configuration that never trades has no
    defined Sharpe ratio on some slice and is dropped, with all its rows.

    Parameters
    ----------
    table : pandas.DataFrame
        The sweep table; a configuration is an (``instrument``, ``params_json``) pair, and
        every row of it (each slice) is checked.
    metric : str
        The column that must be finite (default ``"sharpe"``).

    Returns
    -------
    pandas.DataFrame
        The rows of the kept configurations, with their original index.

    Raises
    ------
    ValueError
        If ``table`` is not a DataFrame with the columns ``instrument``, ``params_json`` and
        ``metric``.
    """
    _require_columns("table", table, ["instrument", "params_json", metric])
    finite = np.isfinite(table[metric].to_numpy(dtype=float))
    ok = pd.Series(finite, index=table.index).groupby(
        [table["instrument"], table["params_json"]]).transform("all")
    return table[ok.to_numpy(dtype=bool)]


def rank_correlation(table: pd.DataFrame, a: str = "validation", b: str = "test",
                     metric: str = "sharpe") -> pd.Series:
    """Spearman correlation, per instrument, of the configurations' ``metric`` on slices ``a``
    and ``b`` (ranks with ties averaged; NaN for an instrument with fewer than two
    configurations).

    A configuration is an (``instrument``, ``params_json``) pair; several rows of one
    configuration and slice are averaged. A configuration missing (or NaN) on either slice is
    left out before ranking, so the value is Spearman's correlation of the configurations
    measured on both.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`mslab.sweeps.run_sweep` table (columns ``instrument``, ``params_json``,
        ``split`` and ``metric``).
    a, b : str
        The two slices (values of ``split``), by default ``"validation"`` and ``"test"``.
    metric : str
        The column correlated (default ``"sharpe"``).

    Returns
    -------
    pandas.Series
        The rank correlation, indexed by instrument.

    Raises
    ------
    ValueError
        If ``table`` is not a DataFrame with those columns, or ``a`` or ``b`` is not a split
        of it.
    """
    _require_columns("table", table, ["instrument", "params_json", "split", metric])
    for name, split in (("a", a), ("b", b)):
        if split not in set(table["split"]):
            _validate.fail(name, split, f"a split of the table ({sorted(set(table['split']))})")
    wide = table.pivot_table(index=["instrument", "params_json"], columns="split",
                             values=metric, dropna=False).reindex(columns=[a, b]).dropna()
    instruments = pd.Index(table["instrument"].unique(), name="instrument")
    rho = wide.groupby(level="instrument").apply(lambda w: w[a].rank().corr(w[b].rank()))
    return pd.Series(rho, dtype=float).reindex(instruments)


def grid_text(values: Iterable[float]) -> str:
    """The values of one grid parameter for prose, each with as few decimals as it needs (at
    most 12), formatted by :func:`mslab.glue.number`: ``0.6, 0.75, 0.9``; ``20, 50, 100``.

    Parameters
    ----------
    values
        Finite real numbers (not bools), e.g. a tuple of :data:`MICROMARKET_GRID`.

    Returns
    -------
    str
        The formatted values joined by ``", "``.

    Raises
    ------
    ValueError
        If ``values`` is empty or holds anything but finite real numbers.
    """
    values = list(values)
    if not values:
        _validate.fail("values", values, "a non-empty list of numbers")
    texts = []
    for v in values:
        v = _validate.real("values", v)
        texts.append(number(v, next((d for d in range(13) if round(v, d) == v), 12)))
    return ", ".join(texts)


def _book_rows(name: str, book: object) -> np.ndarray:
    rows = np.asarray(book)
    if (rows.ndim != 2 or rows.shape[0] < 1 or rows.shape[1] < 4 or rows.shape[1] % 4
            or not np.issubdtype(rows.dtype, np.integer)):
        _validate.fail(name, f"<{rows.dtype} array of shape {rows.shape}>",
                       "integer LOBSTER order-book rows of shape (n, 4·levels)")
    return rows
