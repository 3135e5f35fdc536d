"""Liquidity events: features of book snapshots, the two detectors of the "Market
Microstructure Analyzer", alerts clustered into events, and their evaluation against matched
random times.

Snapshots are taken on a regular grid of ``step_s`` seconds (the book prevailing at each grid
time). Rolling windows count snapshots and include the current one; a window is defined once it
is full (NaN before). Features: spread and mid (price units), top-of-book imbalance
(bid size − ask size)/(bid size + ask size), top depth bid size + ask size, the spread's rolling
mean and standard deviation over ``window`` snapshots, its z-score
(spread − mean)/std (NaN when std = 0), and the rolling median of top depth over
``depth_window`` snapshots. Detectors: a *spread spike* when z > ``z_threshold``; a *liquidity
gap* when top depth < ``depth_fraction`` × its rolling median.

Alerts closer than ``gap`` snapshots belong to one event (its first alert dates it). An
event is evaluated by the absolute mid return and the realised volatility (root mean square of
the one-step returns) over the ``h`` snapshots after it, in bps, against the same statistics
after random times drawn uniformly from the snapshots where both statistics are defined (an
event elsewhere is dropped); the p-value is the share of ``n_random`` random sets of as many
times whose mean is at least the events' mean (one-sided, with the +1 correction).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import pandas as pd
from numba import njit, prange
from numba.cpython.unsafe.numbers import leading_zeros, trailing_zeros

from mslab import _validate
from mslab.data.binance import BinanceCapture
from mslab.data.lobster import LobsterData
from mslab.orderbook.messages import DUMMY_ASK, DUMMY_BID

__all__ = ["binance_snapshots", "cluster_alerts", "detect", "evaluate_events", "features",
           "lobster_snapshots", "rolling_mean_std", "rolling_median"]


def _grid(quote_time: np.ndarray, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    step_s = _validate.positive("step_s", step_s)
    n = (quote_time[-1] - quote_time[0]) // step_s + 1
    _validate.elements("step_s", n)
    n = int(n)
    grid = quote_time[0] + step_s * np.arange(n)
    return grid, np.searchsorted(quote_time, grid, side="right") - 1


def lobster_snapshots(data: LobsterData, step_s: float) -> pd.DataFrame:
    """Level-1 snapshots of a LOBSTER day every ``step_s`` seconds (prices in dollars).

    Snapshot times run from the first message time t_0 in steps of ``step_s`` up to the last
    message time; each snapshot is the book row of the last message at or before it.

    Parameters
    ----------
    data
        A LOBSTER day loaded with its order-book file.
    step_s
        Grid step (s, > 0).

    Returns
    -------
    pandas.DataFrame
        One row per snapshot: ``time`` (s after midnight), ``bid`` and ``ask`` ($; both NaN
        when a side of the book is empty), ``bid_size`` and ``ask_size`` (shares, float).

    Raises
    ------
    ValueError
        If ``data`` is not a :class:`~mslab.data.lobster.LobsterData` with its order-book
        file, ``step_s`` is not > 0, or the grid would exceed
        :data:`mslab._validate.MAX_ELEMENTS` snapshots.
    """
    _validate.instance("data", data, LobsterData)
    if data.book is None:
        _validate.fail("data", data.message_path.name, "a LobsterData with its order-book file")
    t = data.messages["time"].to_numpy()
    grid, k = _grid(t, step_s)
    b = data.book[k]
    empty = (b[:, 0] == DUMMY_ASK) | (b[:, 2] == DUMMY_BID)
    ask = np.where(empty, np.nan, b[:, 0] / 1e4)
    bid = np.where(empty, np.nan, b[:, 2] / 1e4)
    return pd.DataFrame({"time": grid, "bid": bid, "ask": ask, "bid_size": b[:, 3] * 1.0,
                         "ask_size": b[:, 1] * 1.0})


def binance_snapshots(capture: BinanceCapture, step_s: float) -> pd.DataFrame:
    """bookTicker snapshots of a capture every ``step_s`` seconds (local clock, s from its
    first ticker; quantities in base units).

    Each snapshot is the last bookTicker received at or before its time (in receive order).

    Parameters
    ----------
    capture
        A loaded Binance capture.
    step_s
        Grid step (s, > 0).

    Returns
    -------
    pandas.DataFrame
        One row per snapshot: ``time`` (s from the first bookTicker), ``bid`` and ``ask``
        (quote currency), ``bid_size`` and ``ask_size`` (base units).

    Raises
    ------
    ValueError
        If ``capture`` is not a :class:`~mslab.data.binance.BinanceCapture`, ``step_s`` is
        not > 0, or the grid would exceed :data:`mslab._validate.MAX_ELEMENTS` snapshots.
    """
    _validate.instance("capture", capture, BinanceCapture)
    bbo = capture.bbo.sort_values("local_ns", kind="stable")
    t = (bbo["local_ns"].to_numpy(np.int64) - int(bbo["local_ns"].iloc[0])) / 1e9
    grid, k = _grid(t, step_s)
    cols = {c: bbo[c].to_numpy(np.float64)[k] for c in ("bid", "ask", "bid_qty", "ask_qty")}
    return pd.DataFrame({"time": grid, "bid": cols["bid"], "ask": cols["ask"],
                         "bid_size": cols["bid_qty"], "ask_size": cols["ask_qty"]})


_NO_TIME = np.empty(0)  # the ``time`` argument of a kernel for count windows
_NO_START = np.empty(0, np.int64)  # the window starts ``lo`` of the median for count windows
_PARALLEL_MIN = 1 << 16  # values per thread below which fewer threads are used


def _threads(n: int) -> int:
    """Threads for a rolling kernel over ``n`` values: ``numba.get_num_threads()``, fewer when
    a thread would get less than ``_PARALLEL_MIN`` values."""
    return max(1, min(numba.get_num_threads(), n // _PARALLEL_MIN))


@njit(cache=True, inline="always")
def _window_start(time, span, w, i, start):
    """First index of the window ending at ``i``: ``i - w + 1`` for count windows (empty
    ``time``), else the first index whose time is > time[i] − span (``start`` is the previous
    one: windows only move forward)."""
    if time.shape[0] == 0:
        return max(i - w + 1, 0)
    edge = time[i] - span
    while start < i and time[start] <= edge:
        start += 1
    return start


@njit(cache=True)
def _rolling_mean_std(x, time, span, w, min_periods, threads, bad, mean, std, z):
    # Fills ``mean`` and ``std`` (allocated by NumPy, whose large arrays get transparent huge
    # pages: first writes then cost far fewer page faults than in a kernel's own arrays), and
    # the z-score (x − mean)/std (NaN where std is 0 or NaN) in ``z`` unless it is empty.
    # Count windows over finite values take the branch-free loop of _mean_std_full; ``bad``
    # is the number of non-finite values of ``x`` if the caller counted them, else -1.
    n = x.shape[0]
    if time.shape[0] == 0 and 2 <= w <= n:  # count windows (w = 0 marks time windows)
        if bad < 0:
            bad = 0
            for i in range(n):
                bad += not np.abs(x[i]) < np.inf
        if bad == 0:
            _mean_std_any(x[:w - 1], time, span, w, min_periods, mean[:w - 1], std[:w - 1])
            if z.shape[0]:
                _zscore(x, mean, std, z, 0, w - 1)
            _mean_std_full(x, w, threads, mean, std, z)
            return
    _mean_std_any(x, time, span, w, min_periods, mean, std)
    if z.shape[0]:
        _zscore(x, mean, std, z, 0, n)


@njit(cache=True, inline="always")
def _z(v, mu, sd):
    """The z-score (v − mu)/sd, NaN unless sd > 0."""
    return (v - mu) / sd if sd > 0.0 else np.nan


@njit(cache=True)
def _zscore(x, mean, std, z, lo, hi):
    for i in range(lo, hi):
        z[i] = _z(x[i], mean[i], std[i])


@njit(cache=True, parallel=True)
def _mean_std_full(x, w, threads, mean, std, z):
    # The windows ending at w - 1, ..., n - 1 of finite values, all full, in runs of w
    # windows: one contiguous range of runs per thread (a run depends on no other, so the
    # results do not depend on the thread count)
    runs = x.shape[0] // w
    chunks = max(1, min(threads, runs))
    for c in prange(chunks):
        _mean_std_runs(x, w, runs * c // chunks, runs * (c + 1) // chunks, mean, std, z)


@njit(cache=True)
def _mean_std_runs(x, w, r0, r1, mean, std, z):
    # Runs r0 <= r < r1 (windows ending at (r + 1) w - 1, ..., (r + 2) w - 2). The same sums as
    # _mean_std_any, centred on the first value of each run and computed afresh there,
    # without the branches for NaN and partial windows; divisions by w and w - 1 are
    # multiplications by their inverses (results within an ulp or two of the division).
    n = x.shape[0]
    with_z = z.shape[0] > 0
    inv_w, inv_w1 = 1.0 / w, 1.0 / (w - 1)
    first = (r0 + 1) * w - 1
    same = 1  # equal values in a row ending at x[i - 1] (counted up to w), then at x[i]
    for j in range(first - 2, max(first - 1 - w, -1), -1):
        if x[j] != x[first - 1]:
            break
        same += 1
    for b in range(first, min((r1 + 1) * w - 1, n), w):
        c = x[b]
        s = 0.0
        s2 = 0.0
        for j in range(b - w + 1, b + 1):
            d = x[j] - c
            s += d
            s2 += d * d
        for i in range(b, min(b + w, n)):
            if i > b:
                d = x[i] - c
                u = x[i - w] - c
                s += d - u
                s2 += d * d - u * u
            same = same + 1 if x[i] == x[i - 1] else 1
            mu = s * inv_w
            var = (s2 - s * mu) * inv_w1
            flat = same >= w
            m = x[i] if flat else c + mu
            sd = 0.0 if flat else np.sqrt(var if var > 0.0 else 0.0)
            mean[i] = m
            std[i] = sd
            if with_z:
                z[i] = _z(x[i], m, sd)


@njit(cache=True)
def _mean_std_any(x, time, span, w, min_periods, mean, std):
    # One pass of running sums of (x - c) over the window, with the centre c moved to the
    # latest value and the sums recomputed once per window length (amortised O(1) per value):
    # the round-off of s2 - s²/n then scales with the spread of the values inside a window,
    # not with their level. As pandas, a run of equal values gives exactly that value and 0.
    n = x.shape[0]
    start = 0
    nobs = 0
    c = 0.0
    s = 0.0
    s2 = 0.0
    since = 0  # values added since the sums were last recomputed
    prev = np.nan  # the latest finite value ...
    same = 0  # ... and how many finite values in a row equal it
    for i in range(n):
        v = x[i]
        if np.abs(v) < np.inf:
            d = v - c
            s += d
            s2 += d * d
            nobs += 1
            if v == prev:
                same += 1
            else:
                same = 1
                prev = v
        new_start = _window_start(time, span, w, i, start)
        while start < new_start:
            u = x[start]
            if np.abs(u) < np.inf:
                d = u - c
                s -= d
                s2 -= d * d
                nobs -= 1
            start += 1
        since += 1
        if since > i - start and prev == prev:
            c = prev
            s = 0.0
            s2 = 0.0
            for j in range(start, i + 1):
                u = x[j]
                if np.abs(u) < np.inf:
                    d = u - c
                    s += d
                    s2 += d * d
            since = 0
        if nobs < min_periods:
            mean[i] = np.nan
            std[i] = np.nan
        elif same >= nobs:
            mean[i] = prev
            std[i] = 0.0 if nobs > 1 else np.nan
        else:
            mu = s / nobs
            mean[i] = c + mu
            var = (s2 - s * mu) / (nobs - 1) if nobs > 1 else np.nan
            std[i] = np.sqrt(var) if var > 0.0 else (0.0 if nobs > 1 else np.nan)


# The rolling median sorts the values block by block and slides each window over two sorted
# blocks (after Suomela, "Median filtering is equivalent to sorting", 2014): block B receives the
# new values, block A (the previous block) holds the older values still in the window. A new
# block starts at the first index whose window no longer reaches back to the current block's
# start, so every window lies in A ∪ B and a block never holds more values than the largest
# window. A block's values sit in ascending order at positions 1..k of its row (position 0
# holds −inf, k + 1 +inf, for k finite values; missing values, NaN and ±inf, never enter), and
# a bitmap marks the positions in the window: a value enters or leaves by setting or clearing
# one bit, and the next or previous value in the window is one bit scan away (a word covers 64
# positions). Two cursors, one per block, split the window's values into the ``small`` ones
# before the cursors and the rest, every small value <= every other one; after each update the
# cursors move back into that order and to ``m // 2`` small values (amortised O(1) per value),
# where the median is read off the cursors.

_SORT_BATCH = 1 << 21  # values sorted per numpy call when ordering blocks (bounds the temporaries)


@njit(cache=True)
def _window_starts(time, span):
    """First index of each time window (t − span, t] (two pointers)."""
    n = time.shape[0]
    lo = np.empty(n, np.int64)
    start = 0
    for i in range(n):
        start = _window_start(time, span, 0, i, start)
        lo[i] = start
    return lo


@njit(cache=True)
def _block_starts(lo):
    """Block starts (and the length as the last entry) for the window starts ``lo``: a block
    begins at 0 and at every index whose window starts after the current block's start."""
    n = lo.shape[0]
    starts = np.empty(n + 1, np.int64)
    nb = 0
    b = 0
    for i in range(n):
        if i == 0 or lo[i] > b:
            b = i
            starts[nb] = i
            nb += 1
    starts[nb] = n
    return starts[:nb + 1]


_EXPONENT = np.int64(0x7FF << 52)  # the exponent bits of a float64 (all set: inf or NaN)
_NAN_KEY = np.int64(0x7FF8000000000000)  # the bits of a quiet NaN
_MAX_SHIFTS = 16  # an insertion pass gives up after 16 shifts per value


@njit(cache=True, nogil=True)
def _pack_blocks(bits, bstart, blocks, width, shift, keys, count):
    # keys[r] = the keys of the values of block blocks[r] (``bits``: the series as int64),
    # NaN for a missing value and up to ``width``; count[r] = its finite values. A key is
    # the value with its ``shift`` lowest mantissa bits replaced by the value's block-local
    # index, read as a float64 (finite, since the exponent is kept)
    mask = (np.int64(1) << shift) - 1
    for r in range(blocks.shape[0]):
        b0, b1 = bstart[blocks[r]], bstart[blocks[r] + 1]
        k = 0
        for q in range(width):
            u = bits[b0 + q] if b0 + q < b1 else _NAN_KEY
            if (u & _EXPONENT) == _EXPONENT:  # ±inf, NaN or padding
                keys[r, q] = _NAN_KEY
            else:
                keys[r, q] = (u & ~mask) | q
                k += 1
        count[r] = k


@njit(cache=True, nogil=True)
def _settle_blocks(x, bstart, blocks, shift, keys, count, order):
    # order[block] = the block-local indices read from the first count[r] sorted keys of row
    # r, then the block length for each missing value; the keys order the values up to their
    # ``shift`` lowest mantissa bits, so a block whose values come out of order is reordered
    # by an insertion pass (_insertion_order)
    mask = (np.int64(1) << shift) - 1
    for r in range(blocks.shape[0]):
        b0, b1 = bstart[blocks[r]], bstart[blocks[r] + 1]
        k = count[r]
        last = -np.inf
        disorder = 0
        for q in range(k):
            j = keys[r, q] & mask
            v = x[b0 + j]
            disorder += v < last
            last = v
            order[b0 + q] = j
        if disorder:
            _insertion_order(x[b0:b1], order[b0:b0 + k])
        for q in range(b0 + k, b1):
            order[q] = b1 - b0


@njit(cache=True, nogil=True)
def _insertion_order(v, idx):
    # idx (indices of the finite values of v) sorted by value in place: insertion sort,
    # O(len) when nearly sorted; after _MAX_SHIFTS shifts per value, a merge sort instead
    # (then returns True)
    budget = _MAX_SHIFTS * idx.shape[0]
    for q in range(1, idx.shape[0]):
        j = idx[q]
        p = q
        while p > 0 and v[idx[p - 1]] > v[j]:
            idx[p] = idx[p - 1]
            p -= 1
        idx[p] = j
        budget -= q - p
        if budget < 0:
            idx[:] = idx[np.argsort(v[idx], kind="mergesort")]
            return True
    return False


def _block_order(x: np.ndarray, bstart: np.ndarray, order: np.ndarray) -> None:
    """For every block [bstart[b], bstart[b + 1]) of ``x``, the block-local indices of its
    finite values in ascending order of value, then the block length once per missing value,
    written to order[bstart[b]:bstart[b + 1]]. Blocks of equal padded length are sorted
    together by NumPy as rows of float64 keys (:func:`_pack_blocks`: NumPy sorts values with
    SIMD, about 2.5 times faster than it argsorts them), their indices read back from the
    keys (:func:`_settle_blocks`)."""
    lens = np.diff(bstart)
    if np.unique(lens).size <= 64:
        width = lens
    else:  # pad each length up to a multiple of 1/16 to 1/8 of itself
        grain = np.left_shift(1, np.maximum(0, np.floor(np.log2(lens)).astype(np.int64) - 3))
        width = -(-lens // grain) * grain
    bits = x.view(np.int64)
    for wd in np.unique(width):
        batch = max(1, _SORT_BATCH // int(wd))
        shift = max(1, int(wd - 1).bit_length())
        same = np.flatnonzero(width == wd)
        for k in range(0, same.size, batch):
            blocks = same[k:k + batch]
            keys = np.empty((blocks.size, wd), np.int64)
            count = np.empty(blocks.size, np.int64)
            _pack_blocks(bits, bstart, blocks, wd, shift, keys, count)
            keys.view(np.float64).sort(axis=1)
            _settle_blocks(x, bstart, blocks, shift, keys, count, order)


_U = np.uint64  # positions, offsets and bitmap words of the median are unsigned: numba then
# indexes arrays without the wrap-around of negative indices (a fifth to a quarter of the
# slide's time)
_ONE = np.uint64(1)
_LOW6 = np.uint64(63)
_SIX = np.uint64(6)
_ZERO = np.uint64(0)


@njit(cache=True, inline="always")
def _next_set(bits, o, p):
    """The first position after ``p`` whose bit is set in the bitmap of words bits[o:]
    (all uint64)."""
    k = p >> _SIX
    word = bits[o + k] & (np.uint64(0xFFFFFFFFFFFFFFFE) << (p & _LOW6))
    while word == _ZERO:
        k += _ONE
        word = bits[o + k]
    return (k << _SIX) + _U(trailing_zeros(word))


@njit(cache=True, inline="always")
def _prev_set(bits, o, p):
    """The last position before ``p`` whose bit is set in the bitmap of words bits[o:]
    (all uint64)."""
    k = p >> _SIX
    word = bits[o + k] & ((_ONE << (p & _LOW6)) - _ONE)
    while word == _ZERO:
        k -= _ONE
        word = bits[o + k]
    return (k << _SIX) + _LOW6 - _U(leading_zeros(word))


@njit(cache=True, inline="always")
def _set(bits, o, p):
    """Set position ``p`` in the bitmap of words bits[o:]."""
    bits[o + (p >> _SIX)] |= _ONE << (p & _LOW6)


@njit(cache=True, inline="always")
def _leave(bits, o, p, c, pc):
    """Clear position ``p`` from the bitmap of words bits[o:] whose cursor is ``c`` and the
    position before it ``pc``: (the cursor and the position before it after, 1 if ``p`` was
    small else 0)."""
    bits[o + (p >> _SIX)] &= ~(_ONE << (p & _LOW6))
    if p == c:
        return _next_set(bits, o, c), pc, 0
    if p == pc:
        return c, _prev_set(bits, o, pc), 1
    return c, pc, 1 if p < c else 0


@njit(cache=True, inline="always")
def _up_in_a(val, va, vb, ta, tb, a, b):
    """Whether one more small value comes from list A: A's cursor value is the smaller."""
    return b == tb or (a != ta and val[va + a] <= val[vb + b])


@njit(cache=True, inline="always")
def _down_in_a(val, va, vb, pa, pb):
    """Whether one small value fewer leaves list A: A's last small value is the larger."""
    return pb == _ZERO or (pa != _ZERO and val[va + pa] >= val[vb + pb])


@njit(cache=True, inline="always")
def _median_of(val, va, vb, a, pa, b, pb, m):
    """The median of the ``m`` values in the window, read off the cursors."""
    hi = min(val[va + a], val[vb + b])
    if m & 1:
        return hi
    return 0.5 * (max(val[va + pa], val[vb + pb]) + hi)


@njit(cache=True, nogil=True)
def _slide_full_block(val, bits, node, va, vb, wa, wb, ka, kb, ta, tb, a, pa, b, pb, w, out,
                      i0):
    # Count windows of w values over a block B of w finite values, from its second value on,
    # once its first has entered a window of w values (the rest of the previous block A):
    # every step one value of A leaves and one of B enters, so the window keeps w values and
    # the small ones change by at most one. The same updates as _rolling_median without its
    # checks for missing values, partial windows and block starts (on the benchmark's depths
    # about half the time per value of the general loop). Writes out[i0 + 1:i0 + w]; returns
    # the cursors.
    for q in range(1, w):
        p = node[ka + _U(q)]
        a, pa, was = _leave(bits, wa, p, a, pa)
        p = node[kb + _U(q)]
        _set(bits, wb, p)
        now = 0
        if p < b:
            now = 1
            if val[vb + p] > val[va + a]:
                pa, a = a, _next_set(bits, wa, a)
                b = p
            elif p > pb:
                pb = p
        if now > was:
            if _down_in_a(val, va, vb, pa, pb):
                a, pa = pa, _prev_set(bits, wa, pa)
            else:
                b, pb = pb, _prev_set(bits, wb, pb)
        elif now < was:
            if _up_in_a(val, va, vb, ta, tb, a, b):
                pa, a = a, _next_set(bits, wa, a)
            else:
                pb, b = b, _next_set(bits, wb, b)
        out[i0 + q] = _median_of(val, va, vb, a, pa, b, pb, w)
    return a, pa, b, pb


@njit(cache=True, nogil=True)
def _rolling_median(x, lo, w, min_periods, bstart, order, out, b_first, b_last):
    # fills out[bstart[b_first]:bstart[b_last]] (see _rolling_mean_std on why the caller
    # allocates ``out``); ``lo`` holds the window starts of time windows (empty for count
    # windows of ``w`` values). Each block's values sit in ascending order at positions
    # 1..k of its ``val`` row (position 0 holds −inf, k + 1 +inf); a bitmap marks the
    # positions in the window (the ends always). ``node`` maps a block-local index to its
    # position (0: missing). The state starts empty at the block before ``b_first``, whose
    # values enter without output: every window from block b_first on starts inside it or
    # later, so the outputs do not depend on where a run starts.
    cap = 1
    for blk in range(bstart.shape[0] - 1):
        cap = max(cap, bstart[blk + 1] - bstart[blk])
    words = (cap + 2 + 63) >> 6
    val = np.empty(2 * (cap + 2))
    bits = np.zeros(2 * words, np.uint64)
    node = np.empty(2 * cap, np.uint64)
    va, vb = _ZERO, _U(cap + 2)  # offsets of lists A and B in ``val``, ...
    wa, wb = _ZERO, _U(words)  # ... in ``bits``
    ka, kb = _ZERO, _U(cap)  # ... and in ``node``
    for o in (va, vb):  # two empty lists
        val[o], val[o + _ONE] = -np.inf, np.inf
    for o in (wa, wb):
        bits[o] = 3
    ta, tb = _ONE, _ONE  # the tails
    a, b = ta, tb  # the cursors: first position of each list that is not small, ...
    pa, pb = _ZERO, _ZERO  # ... and the positions before them in the window (the heads: none)
    blk = max(b_first - 1, 0)
    first = bstart[blk]
    ba, bb = first, first  # the first indices of blocks A and B
    blk -= 1
    start = first
    m = 0  # values in the window
    small = 0
    full = False  # the block is full of finite values and follows a full one
    i = first
    while i < bstart[b_last]:
        new_start = lo[i] if lo.shape[0] else max(i - w + 1, first)
        while start < new_start:  # leaving values (from B only when a new block starts)
            if start < bb:
                p = node[ka + _U(start - ba)]
                if p != _ZERO:
                    a, pa, was = _leave(bits, wa, p, a, pa)
                    small -= was
                    m -= 1
            else:
                p = node[kb + _U(start - bb)]
                if p != _ZERO:
                    b, pb, was = _leave(bits, wb, p, b, pb)
                    small -= was
                    m -= 1
            start += 1
        if i == bstart[blk + 1]:  # A is empty: B becomes A, a new B starts empty
            blk += 1
            va, vb = vb, va
            wa, wb = wb, wa
            ka, kb = kb, ka
            ta = tb
            a, pa = b, pb
            ba, bb = bb, i
            e = bstart[blk + 1]
            for j in range(e - i):
                node[kb + _U(j)] = 0
            k = 0
            for q in range(e - i):  # finite values first
                j = order[i + q]
                if j >= e - i:
                    break
                k += 1
                val[vb + _U(k)] = x[i + j]
                node[kb + _U(j)] = k
            tb = _U(k + 1)
            val[vb + tb] = np.inf
            for q in range(words):
                bits[wb + _U(q)] = 0
            bits[wb] = 1
            _set(bits, wb, tb)
            b, pb = tb, _ZERO
            full = lo.shape[0] == 0 and k == w and e - i == w and i >= bstart[b_first]
        p = node[kb + _U(i - bb)]  # the new value enters B
        if p != _ZERO:
            _set(bits, wb, p)
            m += 1
            if p < b:
                small += 1
                if val[vb + p] > val[va + a]:
                    pa, a = a, _next_set(bits, wa, a)
                    b = p
                elif p > pb:
                    pb = p
        half = m >> 1  # move the cursors to m // 2 small values
        while small < half:
            if _up_in_a(val, va, vb, ta, tb, a, b):
                pa, a = a, _next_set(bits, wa, a)
            else:
                pb, b = b, _next_set(bits, wb, b)
            small += 1
        while small > half:
            if _down_in_a(val, va, vb, pa, pb):
                a, pa = pa, _prev_set(bits, wa, pa)
            else:
                b, pb = pb, _prev_set(bits, wb, pb)
            small -= 1
        if i >= bstart[b_first]:
            out[i] = np.nan if m < min_periods else _median_of(val, va, vb, a, pa, b, pb, m)
        if full and i == bb and m == w:  # the rest of a full block after w finite values
            a, pa, b, pb = _slide_full_block(val, bits, node, va, vb, wa, wb, ka, kb, ta, tb,
                                             a, pa, b, pb, w, out, i)
            start = i
            i = bstart[blk + 1]
        else:
            i += 1


def _window(x: np.ndarray, window, time, min_periods, low: int
            ) -> tuple[np.ndarray, float, int, int]:
    """Validated window of a rolling function: (time or empty, span, count, min_periods)."""
    if x.ndim != 1:
        _validate.fail("x", f"an array of shape {x.shape}", "a 1-D array")
    if time is None:
        w = _validate.integer("window", window, low=low)
        _validate.elements("window", float(w))
        mp = w if min_periods is None else _validate.integer("min_periods", min_periods, low=1,
                                                             high=w, high_name="window")
        return _NO_TIME, float(w), w, mp
    span = _validate.positive("window", window)
    t = _validate.series("time", time)
    if t.shape != x.shape or not np.all(np.isfinite(t)) or np.any(np.diff(t) < 0):
        _validate.fail("time", f"an array of shape {t.shape}",
                       f"finite non-decreasing times, one per value ({x.size})")
    mp = 1 if min_periods is None else _validate.integer("min_periods", min_periods, low=1)
    return t, span, 0, mp


def rolling_mean_std(x: np.ndarray, window, time: np.ndarray | None = None,
                     min_periods: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rolling mean and sample standard deviation, as pandas ``rolling``.

    Without ``time``, the window is the ``window`` (integer >= 2) values ending at each one;
    with ``time`` (non-decreasing, one per value), the values whose time lies in
    (t − ``window``, t], as pandas ``rolling(f"{window}s")`` on a time index. Missing values
    (NaN, and ±inf, which pandas reads as missing) are skipped; a result is NaN when the
    window holds fewer than ``min_periods`` values (default: ``window`` for count windows,
    i.e. NaN until full and while a missing value is inside; 1 for time windows), the standard
    deviation also when it holds fewer than two. Count windows over a series without missing
    values run on up to :func:`_threads` threads (several once the series has at least
    ``2 × _PARALLEL_MIN`` values and numba has several threads), with results that do not
    depend on the thread count; time windows and series with missing values run on one
    thread.

    Parameters
    ----------
    x
        The series: a 1-D array of numbers (NaN and ±inf count as missing).
    window
        Count window: an integer ≥ 2 (values); time window (with ``time``): a span > 0 in the
        unit of ``time``.
    time
        Optional time of each value (finite, non-decreasing, shape of ``x``); None for count
        windows.
    min_periods
        Fewest non-missing values for a result: 1 to ``window`` for count windows (default
        ``window``), ≥ 1 for time windows (default 1).

    Returns
    -------
    mean : numpy.ndarray
        Rolling mean, shape of ``x``.
    std : numpy.ndarray
        Rolling sample standard deviation (ddof = 1), shape of ``x``.

    Raises
    ------
    ValueError
        If ``x`` is not a 1-D numeric array, or ``window``, ``time`` or ``min_periods`` is not
        as above (a count window is also bounded by :data:`mslab._validate.MAX_ELEMENTS`).
    """
    x = _validate.series("x", x)
    t, span, w, mp = _window(x, window, time, min_periods, low=2)
    mean, std = np.empty(x.size), np.empty(x.size)
    _rolling_mean_std(x, t, span, w, mp, _threads(x.size), -1, mean, std, _NO_TIME)
    return mean, std


def _median_into(x: np.ndarray, t: np.ndarray, span: float, w: int, mp: int, out: np.ndarray
                 ) -> None:
    """The rolling median of validated arguments (see :func:`_window`), written to ``out``.
    The series is cut into one run of whole blocks per thread (:func:`_threads`), sorted then
    slid by one Python thread each (the kernels and NumPy's sort release the GIL); every
    output is the median of the same values whatever the cut, so the results do not depend
    on the thread count."""
    if w == 0:  # time windows
        lo = _window_starts(t, span)
        bstart = _block_starts(lo)
    else:
        lo = _NO_START
        bstart = np.append(np.arange(0, x.size, w), x.size)
    nb = bstart.size - 1
    threads = _threads(x.size)  # runs of about as many values each (blocks vary in length)
    cuts = np.searchsorted(bstart, x.size * np.arange(1, threads) // threads)
    edges = np.unique(np.concatenate(([0], cuts, [nb])))  # the runs' first blocks, then nb
    runs = edges.size - 1
    order = np.empty(x.size, np.int64)

    def sort(r: int) -> None:
        _block_order(x, bstart[edges[r]:edges[r + 1] + 1], order)

    def slide(r: int) -> None:
        _rolling_median(x, lo, w, mp, bstart, order, out, edges[r], edges[r + 1])

    if runs <= 1:
        for r in range(runs):
            sort(r)
            slide(r)
        return
    with ThreadPoolExecutor(runs) as pool:  # all blocks sorted before any run slides
        list(pool.map(sort, range(runs)))
        list(pool.map(slide, range(runs)))


def rolling_median(x: np.ndarray, window, time: np.ndarray | None = None,
                   min_periods: int | None = None) -> np.ndarray:
    """Rolling median, as pandas ``rolling(...).median()``: windows, missing values and
    ``min_periods`` as in :func:`rolling_mean_std` (count windows: an integer >= 1). Sorts
    the values in blocks no longer than the largest window (O(log w) per value, by NumPy),
    then slides the window over two sorted blocks (amortised O(1) per value; see the comment
    above ``_SORT_BATCH``). Whatever the windows and missing values, the series is cut into
    runs of whole blocks for up to :func:`_threads` threads (several once it has at least
    ``2 × _PARALLEL_MIN`` values and numba has several threads), with results that do not
    depend on the thread count.

    Parameters
    ----------
    x
        The series: a 1-D array of numbers (NaN and ±inf count as missing).
    window
        Count window: an integer ≥ 1 (values); time window (with ``time``): a span > 0 in the
        unit of ``time``.
    time
        Optional time of each value (finite, non-decreasing, shape of ``x``); None for count
        windows.
    min_periods
        Fewest non-missing values for a result: 1 to ``window`` for count windows (default
        ``window``), ≥ 1 for time windows (default 1).

    Returns
    -------
    numpy.ndarray
        Rolling median (the mean of the two middle values for an even count), shape of
        ``x``; NaN where the window holds fewer than ``min_periods`` values.

    Raises
    ------
    ValueError
        As :func:`rolling_mean_std`.
    """
    x = _validate.series("x", x)
    t, span, w, mp = _window(x, window, time, min_periods, low=1)
    out = np.empty(x.size)
    _median_into(x, t, span, w, mp, out)
    return out


@njit(cache=True, parallel=True, error_model="numpy")
def _features_kernel(bid, ask, bid_size, ask_size, window, threads, out):
    # out: the 8 feature columns of ``features`` (rows), filled in place but for the median;
    # the element-wise columns in one contiguous range of rows per thread (the first writes
    # to fresh pages then fault in parallel), counting the non-finite spreads on the way;
    # then the rolling ones and the z-score in one pass, as in _rolling_mean_std
    mid, spread, imbalance, depth, mean, std, z, _ = out
    n = bid.shape[0]
    bad = 0
    for c in prange(threads):
        for i in range(n * c // threads, n * (c + 1) // threads):
            mid[i] = 0.5 * (bid[i] + ask[i])
            s = ask[i] - bid[i]
            spread[i] = s
            bad += not np.abs(s) < np.inf
            depth[i] = bid_size[i] + ask_size[i]
            imbalance[i] = (bid_size[i] - ask_size[i]) / depth[i]
    _rolling_mean_std(spread, _NO_TIME, float(window), window, window, threads, bad, mean, std,
                      z)


def features(snap: pd.DataFrame, window: int, depth_window: int) -> pd.DataFrame:
    """The snapshot features of the module docstring, added to a copy of ``snap``.

    Rolling windows count snapshots and need all their values (``min_periods`` = window):
    NaN until full and while a missing spread (an empty side) is inside.

    Parameters
    ----------
    snap
        Snapshots in time order with columns ``bid``, ``ask`` (price units) and
        ``bid_size``, ``ask_size``, e.g. from :func:`lobster_snapshots` or
        :func:`binance_snapshots`.
    window
        Snapshots in the spread's rolling mean and standard deviation (integer ≥ 2).
    depth_window
        Snapshots in the rolling median of top depth (integer ≥ 1).

    Returns
    -------
    pandas.DataFrame
        ``snap``'s columns followed by ``mid`` and ``spread`` (price units), ``imbalance``
        ((bid size − ask size)/top depth; NaN when top depth is 0), ``top_depth`` (the sum
        of the two sizes), ``spread_mean`` and ``spread_std`` (price units), ``spread_z``
        (NaN where the standard deviation is 0 or undefined) and ``depth_median`` (size
        units); ``snap``'s index.

    Raises
    ------
    ValueError
        If ``snap`` is not a DataFrame with those columns, or a window is not an integer
        in range (or exceeds :data:`mslab._validate.MAX_ELEMENTS`).
    """
    _validate.instance("snap", snap, pd.DataFrame)
    if not {"bid", "ask", "bid_size", "ask_size"} <= set(snap.columns):
        _validate.fail("snap", list(snap.columns), "a frame of snapshots (bid, ask, bid_size, "
                       "ask_size)")
    window = _validate.integer("window", window, low=2)
    depth_window = _validate.integer("depth_window", depth_window, low=1)
    for name, w in (("window", window), ("depth_window", depth_window)):
        _validate.elements(name, float(w))
    cols = [snap[c].to_numpy(np.float64) for c in ("bid", "ask", "bid_size", "ask_size")]
    names = ("mid", "spread", "imbalance", "top_depth", "spread_mean", "spread_std", "spread_z",
             "depth_median")
    values = np.empty((len(names), len(snap)))
    _features_kernel(*[np.ascontiguousarray(c) for c in cols], window, _threads(len(snap)), values)
    _median_into(values[3], _NO_TIME, float(depth_window), depth_window, depth_window, values[7])
    # values.T has pandas' own block layout: the frame wraps it without a copy
    return pd.concat([snap, pd.DataFrame(values.T, index=snap.index, columns=list(names),
                                         copy=False)], axis=1)


def detect(feat: pd.DataFrame, z_threshold: float = 3.0, depth_fraction: float = 0.3
           ) -> pd.DataFrame:
    """Boolean columns ``spread_spike`` and ``liquidity_gap`` per snapshot.

    A spread spike is ``spread_z`` > ``z_threshold``; a liquidity gap is ``top_depth`` <
    ``depth_fraction`` × ``depth_median``. An undefined (NaN) feature flags nothing.

    Parameters
    ----------
    feat
        A :func:`features` frame (columns ``spread_z``, ``top_depth``, ``depth_median``).
    z_threshold
        Spread z-score above which a snapshot is a spike (finite; default 3).
    depth_fraction
        Fraction of the rolling median depth below which a snapshot is a gap (in [0, 1];
        default 0.3).

    Returns
    -------
    pandas.DataFrame
        One row per snapshot, in the order of ``feat`` (with a fresh 0..n − 1 index):
        ``spread_spike`` and ``liquidity_gap`` (bool).

    Raises
    ------
    ValueError
        If ``feat`` is not a DataFrame with those columns, ``z_threshold`` is not finite or
        ``depth_fraction`` is outside [0, 1].
    """
    _validate.instance("feat", feat, pd.DataFrame)
    if not {"spread_z", "top_depth", "depth_median"} <= set(feat.columns):
        _validate.fail("feat", list(feat.columns), "a frame from features()")
    z_threshold = _validate.real("z_threshold", z_threshold)
    depth_fraction = _validate.real("depth_fraction", depth_fraction, low=0.0, high=1.0)
    return pd.DataFrame({"spread_spike": (feat["spread_z"] > z_threshold).to_numpy(),
                         "liquidity_gap": (feat["top_depth"]
                                           < depth_fraction * feat["depth_median"]).to_numpy()})


def cluster_alerts(alerts: np.ndarray, gap: int) -> np.ndarray:
    """Indices of the first alert of each event (alerts closer than ``gap`` snapshots to the
    previous alert join its event).

    Parameters
    ----------
    alerts
        One flag per snapshot: a 1-D array, read as bool (e.g. the element-wise or of the
        two columns of :func:`detect`).
    gap
        Snapshots (integer ≥ 1): an alert fewer than ``gap`` snapshots after the previous
        alert belongs to the same event.

    Returns
    -------
    numpy.ndarray
        Integer indices into ``alerts`` of the events' first alerts, ascending (empty
        without alerts).

    Raises
    ------
    ValueError
        If ``gap`` is not an integer ≥ 1 or ``alerts`` is not a 1-D array.
    """
    gap = _validate.integer("gap", gap, low=1)
    idx = np.flatnonzero(_validate.series("alerts", alerts, dtype=bool))
    if idx.size == 0:
        return idx
    return idx[np.concatenate(([True], np.diff(idx) >= gap))]


def evaluate_events(mid: np.ndarray, events: np.ndarray, h: int, n_random: int, seed: int
                    ) -> dict[str, float]:
    """Mean absolute return and realised volatility (bps) over ``h`` snapshots after the
    events against matched random times, with permutation p-values (module docstring).

    At snapshot i: absolute return |mid_{i+h}/mid_i − 1| · 10⁴ and realised volatility
    √(Σ r_j²/h) over the h one-step returns r_j (bps) after i. Only snapshots where both are
    defined (finite) are used: events elsewhere are dropped, and the random times are drawn
    uniformly, with replacement, among such snapshots (``n_random`` sets of as many times as
    events, by ``numpy.random.default_rng(seed)``).

    Parameters
    ----------
    mid
        Midpoint of each snapshot (1-D array; NaN for a missing one).
    events
        Snapshot indices of the events (whole numbers in [0, len(mid))), e.g. from
        :func:`cluster_alerts`.
    h
        Snapshots ahead (integer ≥ 1).
    n_random
        Number of random sets (integer ≥ 1).
    seed
        Non-negative integer seed.

    Returns
    -------
    dict
        ``events`` (number of events evaluated, as a float); ``absret`` and ``vol`` (the
        events' means, bps), ``absret_random`` and ``vol_random`` (mean of the random sets'
        means, bps), ``absret_p`` and ``vol_p`` ((1 + #{random mean ≥ events' mean}) /
        (n_random + 1)); all NaN but ``events`` when no event is evaluated.

    Raises
    ------
    ValueError
        If an argument is not as above, or ``n_random`` × events exceeds
        :data:`mslab._validate.MAX_WORK`.
    """
    mid = _validate.series("mid", mid)
    h = _validate.integer("h", h, low=1)
    n_random = _validate.integer("n_random", n_random, low=1)
    seed = _validate.seed("seed", seed)
    ev = _validate.series("events", events, dtype=np.float64)
    if np.any(ev != np.round(ev)) or np.any((ev < 0) | (ev >= mid.size)):
        _validate.fail("events", "<indices>", f"snapshot indices into mid, in [0, {mid.size})")
    ev = ev.astype(np.int64)
    ret1 = np.diff(mid) / mid[:-1] * 1e4
    n = max(mid.size - h, 0)
    absret = np.full(mid.size, np.nan)
    absret[:n] = np.abs(mid[h:] / mid[:n] - 1.0) * 1e4
    sq = np.concatenate(([0.0], np.cumsum(np.where(np.isnan(ret1), 0.0, ret1) ** 2)))
    vol = np.full(mid.size, np.nan)
    cnt = np.concatenate(([0], np.cumsum(np.isnan(ret1))))
    if n:
        vol[:n] = np.sqrt((sq[h:h + n] - sq[:n]) / h)
        vol[:n][(cnt[h:h + n] - cnt[:n]) > 0] = np.nan
    ok = np.flatnonzero(np.isfinite(absret) & np.isfinite(vol))
    ev = ev[np.isin(ev, ok)]
    out = {"events": float(ev.size)}
    if ev.size == 0:
        return out | {k: np.nan for k in ("absret", "absret_random", "absret_p", "vol",
                                          "vol_random", "vol_p")}
    _validate.work("n_random, events", float(n_random) * ev.size)
    draws = np.random.default_rng(seed).choice(ok, size=(n_random, ev.size), replace=True)
    for name, stat in (("absret", absret), ("vol", vol)):
        obs = float(stat[ev].mean())
        null = stat[draws].mean(axis=1)
        out |= {name: obs, f"{name}_random": float(null.mean()),
                f"{name}_p": float((1 + np.sum(null >= obs)) / (n_random + 1))}
    return out
