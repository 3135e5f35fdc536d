"""The L2 book of a Binance capture, rebuilt from its REST snapshots and chained depth diffs,
and the best bid/offer and mid series taken from it or from the bookTicker stream.

:func:`rebuild_book` turns a :class:`~mslab.data.binance.BinanceCapture` into an
:class:`L2Book`: the top ``levels`` levels of each side after every depth diff, applied by the
jitted kernel of :mod:`mslab.data.l2book` along the chain plan the loader made (a broken chain
stops the book until a later snapshot is bridged). Prices and quantities are converted to
integer ticks and units for the kernel (the number of decimals is inferred from the data, as
Binance sends decimal strings) and back; quantities come out in base units (COIN-M contracts
converted at the level's price). :meth:`L2Book.at` samples the book at given times (e.g. every
second); :func:`best_bid_offer` and :func:`mid_series` give level 1 from the bookTicker stream
or the rebuilt book; :func:`ticker_agreement` measures how often the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from mslab import _validate
from mslab.data import l2book
from mslab.data.binance import LEVEL_LISTS, BinanceCapture, base_qty, flat_levels
from mslab.data.report import DataValidationError

MAX_LEVELS = 1000
MAX_BOOK_CELLS = 50_000_000  # diffs × levels sampled by rebuild_book (4 float arrays)


@dataclass(frozen=True, eq=False)
class L2Book:
    """The book rebuilt from a capture, sampled after every depth diff.

    Row i is the book after ``capture.depth`` row i: ``bid_price``/``bid_qty``/``ask_price``/
    ``ask_qty`` are (n, levels) float64 arrays, level 0 the best, NaN where a side has fewer
    levels or the book is not live (``live`` false: before the first bridged snapshot or after
    a chain break). ``update_id`` is the diff's ``u``; ``local_ns`` the time the state could
    first be known locally (the later of the diff's and, for diffs received before their
    snapshot, the snapshot's receive time); ``event_ms`` the diff's exchange time.
    ``complete`` is true where every sampled level lies within the price range of the snapshot
    the book was built from: beyond it (a REST snapshot holds at most 1000 levels per side) the
    book knows only the levels that diffs touched since, so deeper sampled levels may be missing.
    ``final_bids``/``final_asks`` hold the whole book after the last diff (price, qty; best
    first; empty unless the book is live at the end).

    Attributes
    ----------
    levels : int
        Levels sampled per side.
    local_ns : numpy.ndarray
        Local time the state could first be known (int64 ns since the epoch), shape (n,).
    event_ms : numpy.ndarray
        Exchange time of the diff (int64 ms since the epoch; −1 where missing), shape (n,).
    update_id : numpy.ndarray
        The diff's last update id ``u`` (int64), shape (n,).
    bid_price : numpy.ndarray
        Bid prices (quote currency), shape (n, levels), best first.
    bid_qty : numpy.ndarray
        Bid quantities (base units), shape (n, levels).
    ask_price : numpy.ndarray
        Ask prices (quote currency), shape (n, levels), best first.
    ask_qty : numpy.ndarray
        Ask quantities (base units), shape (n, levels).
    live : numpy.ndarray
        Whether the book is live after the row (bool), shape (n,).
    complete : numpy.ndarray
        Whether every sampled level lies within the snapshot's price range (bool), shape (n,).
    final_bids : pandas.DataFrame
        ``price``, ``qty`` of every bid level after the last diff, best first.
    final_asks : pandas.DataFrame
        ``price``, ``qty`` of every ask level after the last diff, best first.
    """

    levels: int
    local_ns: np.ndarray
    event_ms: np.ndarray
    update_id: np.ndarray
    bid_price: np.ndarray
    bid_qty: np.ndarray
    ask_price: np.ndarray
    ask_qty: np.ndarray
    live: np.ndarray
    complete: np.ndarray
    final_bids: pd.DataFrame
    final_asks: pd.DataFrame

    def top(self) -> pd.DataFrame:
        """Level 1 after each diff: ``local_ns, event_ms, update_id, bid, bid_qty, ask,
        ask_qty, mid`` (NaN where the book is not live).

        Returns
        -------
        pandas.DataFrame
            One row per row of the book (index 0..n-1): times and update id as in the book,
            prices in the quote currency, quantities in base units, ``mid`` = (bid + ask)/2
            (NaN where either side is empty).
        """
        bid, ask = self.bid_price[:, 0], self.ask_price[:, 0]
        return pd.DataFrame({"local_ns": self.local_ns, "event_ms": self.event_ms,
                             "update_id": self.update_id, "bid": bid,
                             "bid_qty": self.bid_qty[:, 0], "ask": ask,
                             "ask_qty": self.ask_qty[:, 0], "mid": 0.5 * (bid + ask)})

    def at(self, times: object, clock: str = "local") -> L2Book:
        """The book as known at each of ``times`` (non-decreasing; int64 ns since the epoch on
        the ``"local"`` clock or ms on the ``"exchange"`` clock, or datetime64): the last row with
        ``local_ns`` (or ``event_ms``) ≤ the time. Rows keep the source row's times and update
        id, so staleness is visible; a time before the first row gives a row that is not live.
        E.g. 1-second snapshots: ``book.at(np.arange(t0, t1, 10**9))``.

        Precisely, the row taken is the last row r such that rows 0..r all have a time ≤ the
        time: the running maximum of the clock is searched, since the clock can step back where
        a state became known late.

        Parameters
        ----------
        times : numpy.ndarray
            1-D non-decreasing integer times (ns on the local clock, ms on the exchange
            clock) or datetime64 (UTC).
        clock : str
            ``"local"`` (default, against ``local_ns``) or ``"exchange"`` (``event_ms``).

        Returns
        -------
        L2Book
            One row per time, with ``final_bids``/``final_asks`` unchanged; a time before the
            first row gives times and update id −1, NaN levels, ``live`` and ``complete``
            false.

        Raises
        ------
        ValueError
            If ``clock`` is not allowed, ``times`` is not a 1-D non-decreasing integer or
            datetime64 array, or len(times) × levels exceeds ``MAX_BOOK_CELLS``.
        """
        clock = _validate.choice("clock", clock, ("local", "exchange"))
        t = np.asarray(times)
        if t.dtype.kind == "M":  # datetimes (UTC) in the clock's unit
            t = t.astype("datetime64[ns]" if clock == "local" else "datetime64[ms]").astype(
                np.int64)
        if (t.ndim != 1 or t.dtype.kind not in "iu"
                or (t.size > 1 and np.any(np.diff(t.astype(np.int64)) < 0))):
            _validate.fail("times", f"<array of shape {t.shape}, dtype {t.dtype}>",
                           "a 1-D non-decreasing integer or datetime64 array")
        if t.size * self.levels > MAX_BOOK_CELLS:
            _validate.fail("times", f"<array of {t.size} times>", f"at most "
                           f"{MAX_BOOK_CELLS // self.levels} times for {self.levels} levels")
        own = self.local_ns if clock == "local" else self.event_ms
        # rows are in diff order; the clock may step back where the state became known late
        known = np.maximum.accumulate(own) if own.size else own
        row = np.searchsorted(known, t.astype(np.int64), side="right") - 1
        ok = row >= 0
        r = np.maximum(row, 0)

        def take(a: np.ndarray, fill: float) -> np.ndarray:
            if a.size == 0:
                shape = (t.size,) + a.shape[1:]
                return np.full(shape, fill, dtype=np.result_type(a.dtype, type(fill)))
            out = a[r].astype(np.result_type(a.dtype, type(fill)))
            out[~ok] = fill
            return out

        return L2Book(levels=self.levels, local_ns=take(self.local_ns, -1),
                      event_ms=take(self.event_ms, -1), update_id=take(self.update_id, -1),
                      bid_price=take(self.bid_price, np.nan), bid_qty=take(self.bid_qty, np.nan),
                      ask_price=take(self.ask_price, np.nan), ask_qty=take(self.ask_qty, np.nan),
                      live=take(self.live, False), complete=take(self.complete, False),
                      final_bids=self.final_bids, final_asks=self.final_asks)


def _decimals(values: np.ndarray, name: str) -> int:
    """Smallest number of decimals d ≤ 12 with every value × 10^d an integer (values parsed
    from decimal strings)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0
    top = float(np.max(np.abs(finite)))
    for d in range(13):
        scaled = finite * 10.0**d
        if top * 10.0**d > 2.0**62:
            break
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-2):
            return d
    raise DataValidationError(f"{name} are not decimals with at most 12 digits after the point "
                              "that fit 64-bit integers; the book cannot be rebuilt exactly")


def rebuild_book(capture: BinanceCapture, levels: int = 10) -> L2Book:
    """The L2 book after every depth diff, top ``levels`` (1..1000) per side.

    Built from the capture's REST snapshots and depth diffs chained by update ids (see
    :mod:`mslab.data.l2book`); where the chain breaks the book stops (NaN, ``live`` false)
    until a later snapshot is bridged. Quantities in base units. Memory: 4 × 8 bytes per diff
    and level; refused above ``MAX_BOOK_CELLS`` diffs × levels.

    Parameters
    ----------
    capture : BinanceCapture
        A loaded capture (:func:`~mslab.data.binance.load_binance_capture`).
    levels : int
        Levels per side to sample, 1..1000 (10 by default).

    Returns
    -------
    L2Book
        One row per row of ``capture.depth``.

    Raises
    ------
    ValueError
        If ``capture`` is not a BinanceCapture, ``levels`` is outside 1..1000, or diffs ×
        levels exceeds ``MAX_BOOK_CELLS``.
    mslab.data.report.DataValidationError
        If prices or quantities are not decimals with at most 12 digits after the point that
        fit 64-bit integers once scaled.
    """
    if not isinstance(capture, BinanceCapture):
        _validate.fail("capture", type(capture).__name__, "a BinanceCapture")
    levels = _validate.integer("levels", levels, low=1, high=MAX_LEVELS)
    n = len(capture.depth)
    if n * levels > MAX_BOOK_CELLS:
        _validate.fail("levels", levels, f"at most {MAX_BOOK_CELLS // max(n, 1)} for a capture "
                       f"of {n} depth diffs (bound: diffs × levels <= {MAX_BOOK_CELLS})")
    rec = capture.records
    kinds = np.asarray(rec.column("kind").to_pandas().astype(object).to_numpy())
    snap_tab = rec.filter(pa.array(kinds == "snapshot"))
    depth_tab = rec.filter(pa.array(kinds == "depth"))
    flat = {}
    for name, tab in (("s", snap_tab), ("d", depth_tab)):
        for side, (pcol, qcol) in (("b", LEVEL_LISTS[:2]), ("a", LEVEL_LISTS[2:])):
            flat[name + side] = flat_levels(tab, pcol, qcol)
    all_p = np.concatenate([v[1] for v in flat.values()])
    all_q = np.concatenate([v[2] for v in flat.values()])
    pd_, qd = _decimals(all_p, "prices"), _decimals(all_q, "quantities")
    ps, qs = 10.0**pd_, 10.0**qd
    args = []
    for key in ("db", "da", "sb", "sa"):
        off, p, q = flat[key]
        args += [off, np.round(p * ps).astype(np.int64), np.round(q * qs).astype(np.int64)]
    action = capture.depth["action"].cat.codes.to_numpy().astype(np.int8)  # = l2book codes
    snapshot_of = capture.depth["sync_snapshot"].to_numpy(dtype=np.int64)
    bt, bq, at, aq, live, final = l2book.replay_levels(action, snapshot_of, *args, levels)
    empty_b, empty_a = bq == 0, aq == 0
    bid_price = np.where(empty_b, np.nan, bt / ps)
    ask_price = np.where(empty_a, np.nan, at / ps)
    cs = capture.contract_size
    bid_qty = np.where(empty_b, np.nan, base_qty(bq / qs, bid_price, cs))
    ask_qty = np.where(empty_a, np.nan, base_qty(aq / qs, ask_price, cs))

    local = capture.depth["local_ns"].to_numpy()
    snap_local = capture.snapshots["local_ns"].to_numpy()
    sync_local = np.where(snapshot_of >= 0, snap_local[np.maximum(snapshot_of, 0)]
                          if snap_local.size else 0, 0)
    known = np.maximum.accumulate(np.where(snapshot_of >= 0, sync_local, 0)) if n else local
    # the price range each sample's snapshot covered
    sl = capture.snapshot_levels
    worst_bid = sl[sl["side"] == 1].groupby("snapshot")["price"].min().reindex(
        range(len(capture.snapshots))).to_numpy()
    worst_ask = sl[sl["side"] == -1].groupby("snapshot")["price"].max().reindex(
        range(len(capture.snapshots))).to_numpy()
    last_sync = np.maximum.accumulate(np.where(snapshot_of >= 0, np.arange(n), -1)) if n else \
        snapshot_of
    built_from = np.where(last_sync >= 0, snapshot_of[np.maximum(last_sync, 0)], -1)
    s = np.maximum(built_from, 0)
    with np.errstate(invalid="ignore"):
        low = np.fmin.reduce(bid_price, axis=1)
        high = np.fmax.reduce(ask_price, axis=1)
    complete = live.copy()
    if worst_bid.size:
        complete &= ~(low < worst_bid[s]) & ~(high > worst_ask[s])
    fb_p, fb_q = final[0] / ps, final[1] / qs
    fa_p, fa_q = final[2] / ps, final[3] / qs
    return L2Book(levels=levels, local_ns=np.maximum(local, known),
                  event_ms=capture.depth["event_ms"].to_numpy(dtype=np.int64, na_value=-1),
                  update_id=capture.depth["last_id"].to_numpy(), bid_price=bid_price,
                  bid_qty=bid_qty, ask_price=ask_price, ask_qty=ask_qty, live=live,
                  complete=complete,
                  final_bids=pd.DataFrame({"price": fb_p, "qty": base_qty(fb_q, fb_p, cs)}),
                  final_asks=pd.DataFrame({"price": fa_p, "qty": base_qty(fa_q, fa_p, cs)}))


_SOURCES = ("ticker", "book")


def best_bid_offer(capture: BinanceCapture, source: str = "ticker") -> pd.DataFrame:
    """Best bid and offer over time: ``local_ns, event_ms, bid, bid_qty, ask, ask_qty, mid``.

    ``source="ticker"`` takes the bookTicker stream (every change of the best levels);
    ``"book"`` the level 1 of the book rebuilt from snapshot and diffs (one row per diff where
    the book is live; ``event_ms`` the diff's exchange time, ``local_ns`` as in
    :class:`L2Book`).

    Parameters
    ----------
    capture : BinanceCapture
        A loaded capture (:func:`~mslab.data.binance.load_binance_capture`).
    source : str
        ``"ticker"`` (default) or ``"book"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``local_ns`` (int64 ns), ``event_ms`` (nullable Int64 ms; ``<NA>`` for spot
        bookTickers), ``bid``, ``ask``, ``mid`` (quote currency), ``bid_qty``, ``ask_qty``
        (base units); index 0..n-1.

    Raises
    ------
    ValueError
        If ``capture`` is not a BinanceCapture or ``source`` is not allowed (and, with
        ``"book"``, as :func:`rebuild_book`).
    """
    if not isinstance(capture, BinanceCapture):
        _validate.fail("capture", type(capture).__name__, "a BinanceCapture")
    source = _validate.choice("source", source, _SOURCES)
    cols = ["local_ns", "event_ms", "bid", "bid_qty", "ask", "ask_qty", "mid"]
    if source == "ticker":
        return capture.bbo[cols].reset_index(drop=True)
    book = rebuild_book(capture, levels=1)
    top = book.top()[book.live]
    top["event_ms"] = top["event_ms"].astype("Int64")
    return top[cols].reset_index(drop=True)


def mid_series(capture: BinanceCapture, source: str = "ticker") -> pd.Series:
    """Mid price (quote currency) indexed by local receive time (``local_ns``); see
    :func:`best_bid_offer` for ``source``.

    Parameters
    ----------
    capture : BinanceCapture
        A loaded capture (:func:`~mslab.data.binance.load_binance_capture`).
    source : str
        ``"ticker"`` (default) or ``"book"``.

    Returns
    -------
    pandas.Series
        ``mid`` (float64, quote currency), indexed by ``local_ns`` (int64 ns since the epoch).

    Raises
    ------
    ValueError
        As :func:`best_bid_offer`.
    """
    bbo = best_bid_offer(capture, source)
    return pd.Series(bbo["mid"].to_numpy(), index=pd.Index(bbo["local_ns"].to_numpy(),
                                                           name="local_ns"), name="mid")


def ticker_agreement(capture: BinanceCapture, book: L2Book) -> dict[str, float]:
    """Compare the rebuilt book's level 1 with the bookTicker stream.

    A bookTicker with update id ``u`` is *aligned* when a diff applied to the live book ends at
    the same ``u``: both then describe the same book state. Returns ``tickers``, ``aligned``,
    ``agree`` (aligned tickers with equal best bid, best ask and both quantities),
    ``agree_price`` (equal prices), ``rate`` = agree / aligned (NaN when nothing aligns), and,
    comparing every ticker with the book after the last applied diff whose ``u`` is not beyond
    the ticker's, ``compared`` and ``agree_price_before`` (the ticker may have moved since that
    diff: diffs aggregate many book updates).

    Parameters
    ----------
    capture : BinanceCapture
        A loaded capture (:func:`~mslab.data.binance.load_binance_capture`).
    book : L2Book
        The book rebuilt from this capture (:func:`rebuild_book`, any ``levels``), not
        resampled with :meth:`L2Book.at`.

    Returns
    -------
    dict
        ``tickers``, ``aligned``, ``agree``, ``agree_price``, ``compared`` and
        ``agree_price_before`` (counts, int) and ``rate`` (float).

    Raises
    ------
    ValueError
        If ``capture`` is not a BinanceCapture or ``book`` is not an L2Book with one row per
        depth diff of the capture.
    """
    if not isinstance(capture, BinanceCapture):
        _validate.fail("capture", type(capture).__name__, "a BinanceCapture")
    if not isinstance(book, L2Book) or book.update_id.size != len(capture.depth):
        _validate.fail("book", type(book).__name__, "the L2Book rebuilt from this capture")
    applied = np.flatnonzero(book.live & capture.depth["action"].isin(["apply", "sync"])
                             .to_numpy())
    uid = book.update_id[applied]
    t = capture.bbo
    tid = t["update_id"].to_numpy()
    k = np.searchsorted(uid, tid, side="right") - 1
    has = k >= 0
    r = applied[np.maximum(k, 0)] if applied.size else np.zeros(len(t), np.int64)
    aligned = has & (uid[np.maximum(k, 0)] == tid) if uid.size else has
    with np.errstate(invalid="ignore"):
        price = has & (book.bid_price[r, 0] == t["bid"].to_numpy()) & (
            book.ask_price[r, 0] == t["ask"].to_numpy()) if uid.size else has
        qty = np.isclose(book.bid_qty[r, 0], t["bid_qty"].to_numpy(), rtol=1e-12) & np.isclose(
            book.ask_qty[r, 0], t["ask_qty"].to_numpy(), rtol=1e-12) if uid.size else has
    n_al, agree = int(aligned.sum()), int(np.sum(aligned & price & qty))
    return {"tickers": len(t), "aligned": n_al, "agree": agree,
            "agree_price": int(np.sum(aligned & price)),
            "rate": agree / n_al if n_al else float("nan"), "compared": int(has.sum()),
            "agree_price_before": int(price.sum())}
