"""Transaction-cost analysis of real trades: effective spread, realized spread and price
impact at several horizons (markouts).

For a trade at price P with aggressor sign d (+1 buyer-initiated, −1 seller-initiated), the
midpoint m_t prevailing at its arrival and the midpoint m_{t+Δ} prevailing Δ seconds later:

* effective spread  2·d·(P − m_t),
* realized spread   2·d·(P − m_{t+Δ}),
* price impact      2·d·(m_{t+Δ} − m_t),

so effective = realized + impact. The three are computed separately (no one is defined as the
difference of the others); with prices on an integer grid (LOBSTER's dollars × 10,000, where
every midpoint is a multiple of ½) floating-point arithmetic is exact and the identity holds
bit for bit. In basis points (:func:`in_bps`) each is multiplied by 10⁴ / m_t. "Prevailing"
means the last quote strictly before the trade (for LOBSTER, the book row before the execution
message) and, at t + Δ, the last quote at or before t + Δ; a trade whose midpoint at either time
is missing (an empty side) gets NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit, prange

from mslab import _validate
from mslab.glue import pm_column
from mslab.data.binance import BinanceCapture
from mslab.data.lobster import LobsterData
from mslab.orderbook.messages import DUMMY_ASK, DUMMY_BID, PRICE_SCALE

__all__ = ["RULE_605_HORIZONS", "TradeTape", "binance_tape", "horizon_table", "in_bps",
           "lobster_tape", "markouts", "summarize"]

RULE_605_HORIZONS = (0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0)
"""Markout horizons (s) from 50 ms to 5 min, as in the 2024 amendments to Rule 605."""


@dataclass(frozen=True, eq=False)
class TradeTape:
    """Trades and the quote midpoints around them, in one price unit (``unit`` per currency
    unit: 10,000 for LOBSTER, 1 for Binance).

    ``time`` (s), ``price``, ``size`` (shares or base units), ``side`` (+1 buyer-, −1
    seller-initiated), ``arrival_mid`` (midpoint before the trade, NaN if a side is empty);
    ``quote_time`` (s, non-decreasing) and ``mid`` the midpoint series used at t + Δ;
    ``hidden`` marks executions of hidden orders (LOBSTER type 5), whose direction is the
    hidden order's and whose price may lie inside the spread.

    Made by :func:`lobster_tape` or :func:`binance_tape`; the per-trade arrays have one
    value per trade, ``quote_time`` and ``mid`` one per quote.

    Attributes
    ----------
    name : str
        Label of the market (ticker, or venue and symbol).
    time : numpy.ndarray
        Trade times (s; LOBSTER: after midnight, Binance: from the first quote).
    price : numpy.ndarray
        Trade prices (price unit).
    size : numpy.ndarray
        Trade sizes (shares or base units).
    side : numpy.ndarray
        Aggressor sign, +1 buyer-initiated, −1 seller-initiated (float).
    arrival_mid : numpy.ndarray
        Midpoint prevailing before each trade (price unit; NaN if a side is empty or there is
        no quote before it).
    quote_time : numpy.ndarray
        Quote times (s, on the clock of ``time``).
    mid : numpy.ndarray
        Midpoint after each quote (price unit; NaN where a side is empty).
    unit : float
        Price units per currency unit (10,000 for LOBSTER, 1 for Binance).
    hidden : numpy.ndarray
        bool per trade: an execution of a hidden order (LOBSTER type 5).
    """

    name: str
    time: np.ndarray
    price: np.ndarray
    size: np.ndarray
    side: np.ndarray
    arrival_mid: np.ndarray
    quote_time: np.ndarray
    mid: np.ndarray
    unit: float
    hidden: np.ndarray


def _book_mid(ask: np.ndarray, bid: np.ndarray) -> np.ndarray:
    """Midpoint of level-1 LOBSTER prices; NaN where a side is empty (dummy price)."""
    mid = 0.5 * (ask.astype(np.float64) + bid.astype(np.float64))
    mid[(ask == DUMMY_ASK) | (bid == DUMMY_BID)] = np.nan
    return mid


def lobster_tape(data: LobsterData) -> TradeTape:
    """Every execution (types 4 and 5) of a LOBSTER day; the aggressor is the opposite of
    the executed limit order's direction. Prices in dollars × 10,000.

    Parameters
    ----------
    data
        A LOBSTER day loaded with its order-book file.

    Returns
    -------
    TradeTape
        ``time`` in s after midnight; ``arrival_mid`` the level-1 midpoint of the book row
        before the execution message (NaN for the first message or an empty side);
        ``quote_time`` and ``mid`` every message time and the midpoint after it; ``unit``
        10,000; named by the ticker (else the message file's stem).

    Raises
    ------
    ValueError
        If ``data`` is not a :class:`~mslab.data.lobster.LobsterData` or has no order-book
        file.
    """
    _validate.instance("data", data, LobsterData)
    if data.book is None:
        _validate.fail("data", data.message_path.name, "a LobsterData with its order-book file")
    m = data.arrays()
    mid = _book_mid(data.book[:, 0], data.book[:, 2])
    rows = np.flatnonzero(np.isin(m["type"], (4, 5)))
    before = np.concatenate(([np.nan], mid[:-1]))  # row i-1 is the book before message i
    return TradeTape(name=data.ticker or data.message_path.stem, time=m["time"][rows],
                     price=m["price"][rows].astype(np.float64), size=m["size"][rows].astype(np.float64),
                     side=-m["direction"][rows].astype(np.float64), arrival_mid=before[rows],
                     quote_time=m["time"], mid=mid, unit=float(PRICE_SCALE),
                     hidden=m["type"][rows] == 5)


def binance_tape(capture: BinanceCapture) -> TradeTape:
    """Every trade of a Binance capture (aggressor from ``m``) against the bookTicker
    midpoints, all on the local receive clock (spot bookTickers carry no exchange time).

    Parameters
    ----------
    capture
        A loaded Binance capture (trades and bookTickers).

    Returns
    -------
    TradeTape
        Trades in the capture's order; times in s from the first bookTicker (by local
        receive time); ``arrival_mid`` the midpoint of the last bookTicker received strictly
        before the trade (NaN if none); ``quote_time`` and ``mid`` the bookTickers in
        receive order; prices in the quote currency (``unit`` 1); ``hidden`` all False;
        named ``"<venue> <symbol>"``.

    Raises
    ------
    ValueError
        If ``capture`` is not a :class:`~mslab.data.binance.BinanceCapture`.
    """
    _validate.instance("capture", capture, BinanceCapture)
    bbo = capture.bbo.sort_values("local_ns", kind="stable")
    qt = bbo["local_ns"].to_numpy(np.int64)
    mid = bbo["mid"].to_numpy(np.float64)
    tr = capture.trades
    tt = tr["local_ns"].to_numpy(np.int64)
    k = np.searchsorted(qt, tt, side="left") - 1  # last quote strictly before the trade
    arrival = np.where(k >= 0, mid[np.maximum(k, 0)], np.nan)
    t0 = qt[0] if qt.size else 0
    return TradeTape(name=f"{capture.venue} {capture.symbol}", time=(tt - t0) / 1e9,
                     price=tr["price"].to_numpy(np.float64), size=tr["qty"].to_numpy(np.float64),
                     side=tr["side"].to_numpy(np.float64), arrival_mid=arrival,
                     quote_time=(qt - t0) / 1e9, mid=mid, unit=1.0,
                     hidden=np.zeros(tt.size, dtype=bool))


# Trades per chunk of the parallel markout kernel; each chunk finds its own starting quotes,
# so the outputs do not depend on the chunking or the thread count.
_CHUNK = 16_384


@njit(cache=True, parallel=True, error_model="numpy")
def _first_unordered(t):
    """Index of the first NaN or decrease in ``t`` (−1 if it is non-decreasing, NaN-free).
    Chunks of _CHUNK values are checked in parallel, each from its first value's
    predecessor on, by a loop without an exit (so it vectorizes); only a chunk with a fault
    is searched for its index, and the first such chunk gives it."""
    n = t.shape[0]
    if n and np.isnan(t[0]):
        return 0
    chunks = (n + _CHUNK - 1) // _CHUNK
    first = np.full(chunks, -1, np.int64)
    for c in prange(chunks):
        lo, hi = max(c * _CHUNK, 1), min((c + 1) * _CHUNK, n)
        fault = False
        for i in range(lo, hi):
            fault |= not t[i - 1] <= t[i]
        if fault:
            for i in range(lo, hi):
                if not t[i - 1] <= t[i]:
                    first[c] = i
                    break
    for c in range(chunks):
        if first[c] >= 0:
            return first[c]
    return -1


@njit(cache=True, error_model="numpy", inline="always")
def _quotes_through(quote_time, k, target):
    """Number of quotes at or before ``target`` (a ``uint64``), given that the first ``k`` are.

    Mostly none is added (the next quote is later); otherwise a branch-free binary search over
    the next 32 quotes (five dependent loads, no mispredicted loop exit), 32 at a time past
    them and one at a time within 32 of the end. Unsigned indices spare numba's negative-index
    wraparound on each load."""
    nq = np.uint64(quote_time.shape[0])
    if k >= nq or quote_time[k] > target:
        return k
    while k + np.uint64(32) <= nq:
        if quote_time[k + np.uint64(31)] <= target:
            k += np.uint64(32)
            continue
        c = np.uint64(16) * np.uint64(quote_time[k + np.uint64(15)] <= target)
        c += np.uint64(8) * np.uint64(quote_time[k + c + np.uint64(7)] <= target)
        c += np.uint64(4) * np.uint64(quote_time[k + c + np.uint64(3)] <= target)
        c += np.uint64(2) * np.uint64(quote_time[k + c + np.uint64(1)] <= target)
        return k + c + np.uint64(quote_time[k + c] <= target)
    while k < nq and quote_time[k] <= target:
        k += np.uint64(1)
    return k


@njit(cache=True, parallel=True, error_model="numpy")
def _markouts_kernel(time, price, side, arrival_mid, quote_time, mid, horizons, effective,
                     realized, impact):
    # Chunks of _CHUNK trades run in parallel. In a chunk, trades and quotes are both in
    # time order, so the number of quotes at or before t + Δ only grows: one count per horizon,
    # found for the chunk's first trade by binary search and advanced trade by trade. Each
    # output element depends only on its trade and that count, whatever the chunking. Fills
    # the outputs allocated by NumPy (its large arrays get transparent huge pages, so the first
    # writes cost far fewer page faults than in arrays the kernel allocates).
    n, h = time.shape[0], horizons.shape[0]
    for c in prange((n + _CHUNK - 1) // _CHUNK):
        lo = c * _CHUNK
        q = np.searchsorted(quote_time, time[lo] + horizons, side="right").astype(np.uint64)
        later = np.empty(h)
        for i in range(lo, min(lo + _CHUNK, n)):
            t, p, d2, m0 = time[i], price[i], 2.0 * side[i], arrival_mid[i]
            for j in range(h):
                k = _quotes_through(quote_time, q[j], t + horizons[j])
                q[j] = k
                later[j] = mid[k - np.uint64(1)] if k > np.uint64(0) else np.nan
            effective[i] = d2 * (p - m0)
            for j in range(h):
                realized[i, j] = d2 * (p - later[j])
                impact[i, j] = d2 * (later[j] - m0)


def markouts(tape: TradeTape, horizons=RULE_605_HORIZONS) -> dict[str, np.ndarray]:
    """Markouts of every trade of ``tape`` at each horizon (s, ≥ 0).

    Parameters
    ----------
    tape : TradeTape
        Trades and quotes; ``time`` and ``quote_time`` must be non-decreasing, without NaN.
    horizons : list or tuple of float
        Markout horizons Δ in seconds (finite, ≥ 0); default :data:`RULE_605_HORIZONS`.

    Returns
    -------
    dict
        ``horizons`` (float array); ``effective`` (n,), ``realized`` and ``impact`` (n,
        len(horizons)) in the tape's price unit, NaN where a midpoint is missing. Computed by
        a parallel kernel whose outputs are the same for any thread count. :func:`in_bps`
        gives any of them in basis points of the arrival midpoint, where needed: a tape of
        630,000 trades at 8 horizons has 86 MB of markouts, and as many again in bps.

    Raises
    ------
    ValueError
        If ``tape`` is not a :class:`TradeTape` or its arrays are not 1-D of matching lengths,
        ``time`` or ``quote_time`` has a NaN or a decrease, ``horizons`` is not a non-empty
        1-D array of finite values ≥ 0, or trades × horizons exceeds
        :data:`mslab._validate.MAX_ELEMENTS`.
    """
    _validate.instance("tape", tape, TradeTape)
    hz = _validate.real_vector("horizons", horizons, low=0.0)
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in
              (tape.time, tape.price, tape.side, tape.arrival_mid, tape.quote_time, tape.mid)]
    time, quote_time = arrays[0], arrays[4]
    for name, a, like, per in (("time", time, time, "trade"), ("price", arrays[1], time, "trade"),
                               ("side", arrays[2], time, "trade"),
                               ("arrival_mid", arrays[3], time, "trade"),
                               ("quote_time", quote_time, quote_time, "quote"),
                               ("mid", arrays[5], quote_time, "quote")):
        if a.ndim != 1 or a.shape != like.shape:
            _validate.fail(f"tape.{name}", f"<array of shape {a.shape}>",
                           f"a 1-D array, one value per {per}")
    for name, t in (("time", time), ("quote_time", quote_time)):
        i = _first_unordered(t)
        if i >= 0:
            _validate.fail(f"tape.{name}", f"<{t.size} times, NaN or a decrease at index {i}>",
                           "non-decreasing times without NaN")
    _validate.elements("trades, horizons", float(tape.time.size) * hz.size)
    n = tape.time.size
    out = {"effective": np.empty(n), "realized": np.empty((n, hz.size)),
           "impact": np.empty((n, hz.size))}
    _markouts_kernel(*arrays, hz, *out.values())
    return {"horizons": hz} | out


def in_bps(tape: TradeTape, values: object) -> np.ndarray:
    """Markouts of ``tape`` (one value per trade, or one row per trade) in basis points of
    each trade's arrival midpoint: ``values × 1e4 / arrival_mid``, row by row.

    Parameters
    ----------
    tape : TradeTape
        The trades.
    values : numpy.ndarray
        Values in the tape's price unit, of shape (n,) or (n, k) for the tape's n trades, e.g.
        ``markouts(tape)["impact"]``.

    Returns
    -------
    numpy.ndarray
        A new float array of the shape of ``values`` (bps); NaN where the arrival midpoint is
        missing.

    Raises
    ------
    ValueError
        If ``tape`` is not a :class:`TradeTape` or ``values`` is not numeric of shape (n,) or
        (n, k).

    Examples
    --------
    >>> import numpy as np
    >>> tape = TradeTape(name="toy", time=np.array([1.0]), price=np.array([101.0]),
    ...                  size=np.array([1.0]), side=np.array([1.0]),
    ...                  arrival_mid=np.array([100.0]), quote_time=np.array([0.0]),
    ...                  mid=np.array([100.0]), unit=1.0, hidden=np.zeros(1, dtype=bool))
    >>> in_bps(tape, markouts(tape, [0.0])["effective"]).tolist()
    [200.0]
    """
    _validate.instance("tape", tape, TradeTape)
    v, n = np.asarray(values), tape.time.size
    if v.dtype.kind not in "fiu" or v.ndim not in (1, 2) or v.shape[0] != n:
        _validate.fail("values", f"<{v.dtype} array of shape {v.shape}>", f"numbers of shape "
                       f"({n},) or ({n}, k): one value or row per trade (NaN allowed)")
    v = v.astype(np.float64, copy=False)
    scale = 1e4 / np.asarray(tape.arrival_mid, dtype=np.float64)
    return v * (scale if v.ndim == 1 else scale[:, None])


def _check_result(tape: TradeTape, result: object) -> None:
    _validate.instance("tape", tape, TradeTape)
    keys = ("horizons", "effective", "realized", "impact")
    if not isinstance(result, dict) or not all(k in result for k in keys):
        _validate.fail("result", type(result).__name__, "the dict returned by markouts")
    n, h = tape.time.size, np.size(result["horizons"])
    if (np.shape(result["effective"]) != (n,) or np.shape(result["realized"]) != (n, h)
            or np.shape(result["impact"]) != (n, h)):
        _validate.fail("result", "<arrays of other shapes>", "markouts of this tape")


def summarize(tape: TradeTape, result: dict[str, np.ndarray], groups: np.ndarray | None = None,
              ) -> pd.DataFrame:
    """Mean and standard error (bps) of effective spread, realized spread and impact per
    horizon and group (``groups``: one label per trade; None = all trades). Trades with a
    missing midpoint are left out. Standard errors treat trades as independent: trades
    cluster in time, so they understate the uncertainty (compare across groups with care).

    At each horizon, a trade is left out when any of its three values there is NaN.

    Parameters
    ----------
    tape
        The trades.
    result
        :func:`markouts` of ``tape``.
    groups
        One label per trade (array of shape (n,)), or None: one group ``"all"``.

    Returns
    -------
    pandas.DataFrame
        One row per (horizon, group), horizons in the result's order and groups in order of
        appearance: ``group``, ``horizon_s`` (s), ``trades`` (count), and
        ``effective_mean``, ``effective_sem``, ``realized_mean``, ``realized_sem``,
        ``impact_mean``, ``impact_sem`` (bps).

    Raises
    ------
    ValueError
        If ``tape`` is not a :class:`TradeTape`, ``result`` is not the dict of
        :func:`markouts` for it, or ``groups`` does not hold one label per trade.
    """
    _check_result(tape, result)
    n = tape.time.size
    labels = np.full(n, "all", dtype=object) if groups is None else np.asarray(groups, object)
    if labels.shape != (n,):
        _validate.fail("groups", f"array of shape {labels.shape}", f"one label per trade ({n})")
    rows = []
    bps = {key: in_bps(tape, result[key]) for key in ("effective", "realized", "impact")}
    for j, hz in enumerate(result["horizons"]):
        frame = pd.DataFrame({"group": labels, "effective": bps["effective"],
                              "realized": bps["realized"][:, j],
                              "impact": bps["impact"][:, j]}).dropna()
        g = frame.groupby("group", sort=False)
        stats = g.agg(["mean", "sem", "size"])
        for label, row in stats.iterrows():
            rows.append({"group": label, "horizon_s": hz, "trades": int(row[("impact", "size")]),
                         **{f"{c}_{s}": row[(c, s)] for c in ("effective", "realized", "impact")
                            for s in ("mean", "sem")}})
    return pd.DataFrame(rows)


def horizon_table(tape: TradeTape, result: dict[str, np.ndarray], groups: np.ndarray,
                  horizon: float, digits: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The :func:`summarize` rows at ``horizon`` (one of the result's horizons), sorted by
    group: a table for print (trades and ``mean ± se`` columns, bps) and the raw statistics.

    Parameters
    ----------
    tape
        The trades.
    result
        :func:`markouts` of ``tape``.
    groups
        One label per trade (array of shape (n,)), or None for a single group ``"all"``.
    horizon
        One of ``result["horizons"]`` (s; matched with ``numpy.isclose``).
    digits
        Decimals of the means and standard errors in the table (0 to 12; default 2).

    Returns
    -------
    table : pandas.DataFrame
        Indexed by group: ``trades`` and ``effective (bps)``, ``realized (bps)``, ``impact
        (bps)`` as ``mean ± se`` strings.
    stats : pandas.DataFrame
        The :func:`summarize` rows at ``horizon``, indexed by group.

    Raises
    ------
    ValueError
        As :func:`summarize`, or if ``horizon`` is not one of the result's horizons.
    """
    _check_result(tape, result)
    horizon = _validate.real("horizon", horizon)
    hz = result["horizons"]
    if not np.isclose(hz, horizon).any():
        _validate.fail("horizon", horizon, f"one of the horizons {hz.tolist()}")
    s = summarize(tape, result, groups)
    s = s[np.isclose(s["horizon_s"], horizon)].set_index("group").sort_index()
    table = pd.DataFrame({"trades": s["trades"]} | {
        f"{c} (bps)": pm_column(s[f"{c}_mean"], s[f"{c}_sem"], digits)
        for c in ("effective", "realized", "impact")})
    return table, s


def size_labels(size: object, buckets: int) -> np.ndarray:
    """One label per trade, ``"Qk: lo–hi"``, for ``buckets`` (≥ 1) quantile buckets of trade
    size of about equal count (Q1 the smallest; fewer when sizes repeat).

    Parameters
    ----------
    size
        Trade sizes (shares or base units): a non-empty 1-D array of finite values ≥ 0.
    buckets
        Number of quantile buckets, 1 to 100 (one bucket when all sizes are equal).

    Returns
    -------
    numpy.ndarray
        Object array of strings, one per trade; lo and hi are the smallest and largest size
        in the bucket (6 significant digits).

    Raises
    ------
    ValueError
        If ``size`` or ``buckets`` is not as above.
    """
    s = _validate.real_array("size", size, low=0.0)
    buckets = _validate.integer("buckets", buckets, low=1, high=100)
    if s.ndim != 1 or s.size == 0:
        _validate.fail("size", f"<array of shape {s.shape}>", "a non-empty 1-D array of sizes")
    codes = (np.zeros(s.size, np.int64) if s.min() == s.max()  # one value: one bucket
             else pd.qcut(s, buckets, labels=False, duplicates="drop"))
    edges = pd.Series(s).groupby(codes).agg(["min", "max"])
    names = {c: f"Q{c + 1}: {edges['min'][c]:,.6g}–{edges['max'][c]:,.6g}" for c in edges.index}
    return np.array([names[c] for c in codes], dtype=object)


MAX_CLOCK = 9.2e9
"""Largest |time + offset| (s from the epoch) :func:`time_of_day_labels` accepts: pandas'
timestamps end in 2262."""


def time_of_day_labels(time: object, minutes: float, offset: float = 0.0) -> np.ndarray:
    """One label per trade: the start of its ``minutes``-wide (at least a second) bucket of the
    clock, ``"HH:MM"`` (``"mm-dd HH:MM"`` when the trades span more than one UTC day, so that
    labels sort in time order), with ``time`` in seconds and ``offset`` the clock time of time 0
    (s after midnight, or after the epoch); |time + offset| at most :data:`MAX_CLOCK`.

    Parameters
    ----------
    time
        Trade times (s, finite; any shape, flattened).
    minutes
        Bucket width in minutes, from 1/60 (one second) to :data:`MAX_CLOCK` / 60.
    offset
        Clock time of time 0 (s, |offset| ≤ :data:`MAX_CLOCK`; default 0).

    Returns
    -------
    numpy.ndarray
        Object array of strings, one per time: the bucket start to the minute (UTC clock of
        ``time + offset`` seconds after the epoch).

    Raises
    ------
    ValueError
        If a value is not finite or outside the ranges above.
    """
    t = np.atleast_1d(_validate.real_array("time", time)).ravel()
    minutes = _validate.real("minutes", minutes, low=1.0 / 60.0, high=MAX_CLOCK / 60.0)
    offset = _validate.real("offset", offset, low=-MAX_CLOCK, high=MAX_CLOCK)
    if t.size and not np.all(np.abs(t + offset) <= MAX_CLOCK):
        _validate.fail("time", f"<{t.size} times>", f"times that, with offset = {offset:g} s, "
                       f"lie within ±{MAX_CLOCK:g} s of the epoch (pandas' clock)")
    width = 60.0 * minutes
    clock = pd.to_datetime(np.floor((t + offset) / width) * width, unit="s")
    one_day = clock.normalize().nunique() <= 1
    return np.array(clock.strftime("%H:%M" if one_day else "%m-%d %H:%M"), dtype=object)


def bucket_tables(tapes: list[TradeTape], results: list[dict[str, np.ndarray]], groups: list,
                  horizon: float, index: str, digits: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`horizon_table` of every tape with its group labels (``groups``: one label array
    per tape), stacked with the market as the outer index level named ``market`` and the
    group level named ``index``.

    Parameters
    ----------
    tapes
        Non-empty list of trade tapes, one per market (the market is the tape's ``name``).
    results
        :func:`markouts` of each tape, in the same order.
    groups
        One label array per tape (one label per trade), in the same order.
    horizon
        Markout horizon (s), one of every result's horizons.
    index
        Name of the group level of the index (a non-empty string).
    digits
        Decimals of the means and standard errors (0 to 12; default 2).

    Returns
    -------
    table : pandas.DataFrame
        The tapes' :func:`horizon_table` tables, stacked, indexed by (``market``, ``index``).
    stats : pandas.DataFrame
        Their raw statistics, stacked and indexed the same way.

    Raises
    ------
    ValueError
        If ``tapes``, ``results`` or ``groups`` is not a non-empty list or tuple, their
        lengths differ, an entry of ``tapes`` is not a :class:`TradeTape`, a result is not the
        markouts of its tape (reported as ``results``), ``index`` is not a non-empty string,
        or as :func:`horizon_table`.
    """
    for name, value in (("tapes", tapes), ("results", results), ("groups", groups)):
        if not isinstance(value, (list, tuple)) or not value:
            _validate.fail(name, type(value).__name__, "a non-empty list, one entry per market")
    if not len(tapes) == len(results) == len(groups):
        _validate.fail("groups", f"<{len(groups)} label arrays>", "one per entry of tapes "
                       f"({len(tapes)}) and of results ({len(results)})")
    for tape in tapes:
        _validate.instance("tapes", tape, TradeTape)
    for tape, res in zip(tapes, results):
        try:
            _check_result(tape, res)
        except ValueError as exc:
            raise ValueError(f"results: {exc}") from exc
    if not isinstance(index, str) or not index:
        _validate.fail("index", index, "a non-empty name for the group level")
    tables, stats = [], []
    for tape, res, labels in zip(tapes, results, groups):
        table, s = horizon_table(tape, res, labels, horizon, digits)
        tables.append(table.assign(market=tape.name))
        stats.append(s.assign(market=tape.name))
    table = pd.concat(tables).rename_axis(index).reset_index().set_index(["market", index])
    stat = pd.concat(stats).rename_axis(index).reset_index().set_index(["market", index])
    return table, stat


__all__ += ["bucket_tables", "size_labels", "time_of_day_labels"]
