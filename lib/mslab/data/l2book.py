"""A price-level (L2) book rebuilt from a REST depth snapshot and the depth diffs that follow it,
the way Binance documents it ("How to manage a local order book correctly").

A depth diff carries the update ids ``U`` (first) and ``u`` (last) of the book changes it
holds, futures diffs also ``pu`` (the ``u`` of the previous diff), and absolute quantities per
price level (0 removes the level). A snapshot carries ``lastUpdateId`` = L. The diffs chain onto
the snapshot and onto each other:

* diffs with ``u`` < L (futures) or ``u`` ≤ L (spot) are older than the snapshot and dropped —
  they may have been received before or after it (the snapshot is fetched while the stream is
  buffered, so the diff that bridges it is usually received *before* the snapshot);
* the first diff applied must bridge the snapshot: ``U ≤ L ≤ u`` (futures) or
  ``U ≤ L + 1 ≤ u`` (spot);
* each later diff continues the chain: ``pu`` = previous ``u`` (futures) or ``U`` = previous
  ``u`` + 1 (spot). A diff whose ``u`` is not beyond the previous ``u`` is stale (a duplicate)
  and skipped without breaking the chain.

A break stops the book: nothing is applied until a later snapshot is bridged (the book is then
rebuilt from that snapshot), and every diff in between is reported as not applied. The book is
never continued across a break.

:func:`chain_plan` decides, from the update ids alone, what happens to each diff and snapshot;
:func:`replay_levels` applies the plan with the house L2 book of :mod:`mslab.orderbook.book`
(integer price ticks and integer quantity units, best level last) and samples the top ``levels``
levels of each side after every diff. Both are jitted and validate nothing: the loader in
:mod:`mslab.data.binance` (which plans) and :mod:`mslab.data.binance_book` (which replays)
check their inputs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mslab.orderbook.book import ASK, BID, full, grow, new_book, qty_at, update_level

# What chain_plan decides for each diff
APPLY = 0   # applied to the live book
SYNC = 1    # the book is (re)built from snapshot ``snapshot_of`` and this diff applied to it
STALE = 2   # u not beyond the previous u: skipped, the book stays live
WAIT = 3    # not applied, no live book (before the first bridged snapshot or after a break)
# ... and for each snapshot
USED = 0          # the book was built from it
NOT_BRIDGED = 1   # the first diff newer than it does not bridge it
IGNORED = 2       # received while the book was live
UNREACHED = 3     # no diff newer than it


@njit(cache=True)
def chain_plan(first_id, last_id, prev_id, diff_pos, snap_last_id, snap_pos, futures):
    """Plan the replay from the update ids.

    Snapshots are tried in capture order: while no book is live, each diff either is older
    than the next untried snapshot (WAIT), bridges it (SYNC), or is newer without bridging it
    (the snapshot is NOT_BRIDGED and the next one is tried). While the book is live, snapshots
    received before the previous diff are IGNORED.

    Parameters
    ----------
    first_id : numpy.ndarray
        The diffs' ``U`` (int64), shape (n_diffs,), in capture order.
    last_id : numpy.ndarray
        The diffs' ``u`` (int64), shape (n_diffs,).
    prev_id : numpy.ndarray
        The diffs' ``pu`` (int64), shape (n_diffs,); ignored unless ``futures``.
    diff_pos : numpy.ndarray
        Positions of the diffs in the capture (line order, int64), shape (n_diffs,).
    snap_last_id : numpy.ndarray
        The snapshots' ``lastUpdateId`` (int64), shape (n_snapshots,), in capture order.
    snap_pos : numpy.ndarray
        Positions of the snapshots in the capture (int64), shape (n_snapshots,).
    futures : bool
        Use the futures chaining rules (``pu``, ``U ≤ L ≤ u``) rather than the spot ones.

    Returns
    -------
    tuple
        ``(action, snapshot_of, broken, snap_status)``: per diff, ``action`` (int8, one of
        APPLY/SYNC/STALE/WAIT), ``snapshot_of`` (int64, the snapshot a SYNC diff starts from,
        −1 otherwise) and ``broken`` (bool, whether the diff broke the chain); per snapshot,
        ``snap_status`` (int8, one of USED/NOT_BRIDGED/IGNORED/UNREACHED).
    """
    n = first_id.size
    ns = snap_last_id.size
    action = np.full(n, WAIT, np.int8)
    snapshot_of = np.full(n, -1, np.int64)
    broken = np.zeros(n, np.bool_)
    snap_status = np.full(ns, UNREACHED, np.int8)
    nxt = 0
    live = False
    prev_u = 0
    for i in range(n):
        if live:
            while nxt < ns and snap_pos[nxt] < diff_pos[i - 1]:
                snap_status[nxt] = IGNORED
                nxt += 1
            if last_id[i] <= prev_u:
                action[i] = STALE
                continue
            chained = prev_id[i] == prev_u if futures else first_id[i] == prev_u + 1
            if chained:
                action[i] = APPLY
                prev_u = last_id[i]
                continue
            broken[i] = True
            live = False
        while nxt < ns:
            lid = snap_last_id[nxt]
            older = last_id[i] < lid if futures else last_id[i] <= lid
            if older:
                break
            bridged = first_id[i] <= lid if futures else first_id[i] <= lid + 1
            if bridged:
                action[i] = SYNC
                snapshot_of[i] = nxt
                snap_status[nxt] = USED
                nxt += 1
                live = True
                prev_u = last_id[i]
                break
            snap_status[nxt] = NOT_BRIDGED
            nxt += 1
    return action, snapshot_of, broken, snap_status


@njit(cache=True)
def _set_level(keys, qtys, counts, side, tick, qty):
    """Set the level at ``tick`` to ``qty`` units (0 or less removes it)."""
    if full(keys, counts):
        keys, qtys = grow(keys, qtys)
    prev = qty_at(keys, qtys, counts, side, tick)
    target = qty if qty > 0 else 0
    if target != prev:
        update_level(keys, qtys, counts, side, tick, target - prev)
    return keys, qtys


@njit(cache=True)
def _apply(keys, qtys, counts, off_b, tick_b, qty_b, off_a, tick_a, qty_a, j):
    for k in range(off_b[j], off_b[j + 1]):
        keys, qtys = _set_level(keys, qtys, counts, BID, tick_b[k], qty_b[k])
    for k in range(off_a[j], off_a[j + 1]):
        keys, qtys = _set_level(keys, qtys, counts, ASK, tick_a[k], qty_a[k])
    return keys, qtys


@njit(cache=True)
def replay_levels(action, snapshot_of, d_off_b, d_tick_b, d_qty_b, d_off_a, d_tick_a, d_qty_a,
                  s_off_b, s_tick_b, s_qty_b, s_off_a, s_tick_a, s_qty_a, levels):
    """Apply the plan; sample the top ``levels`` levels after every diff.

    Levels of diff j are ``d_tick_b[d_off_b[j]:d_off_b[j + 1]]`` (bids) and likewise for
    asks and snapshots; ticks and quantities are integers. A quantity of 0 (or less) removes
    the level.

    Parameters
    ----------
    action : numpy.ndarray
        Per diff, the plan of :func:`chain_plan` (int8), shape (n_diffs,).
    snapshot_of : numpy.ndarray
        Per diff, the snapshot a SYNC diff starts from (int64), shape (n_diffs,).
    d_off_b, d_off_a : numpy.ndarray
        Offsets of the diffs' bid / ask levels (int64), shape (n_diffs + 1,).
    d_tick_b, d_tick_a : numpy.ndarray
        The diffs' bid / ask level prices (int64 ticks), flat.
    d_qty_b, d_qty_a : numpy.ndarray
        The diffs' bid / ask level quantities (int64 units), flat.
    s_off_b, s_off_a : numpy.ndarray
        Offsets of the snapshots' bid / ask levels (int64), shape (n_snapshots + 1,).
    s_tick_b, s_tick_a : numpy.ndarray
        The snapshots' bid / ask level prices (int64 ticks), flat.
    s_qty_b, s_qty_a : numpy.ndarray
        The snapshots' bid / ask level quantities (int64 units), flat.
    levels : int
        Levels sampled per side (≥ 1).

    Returns
    -------
    tuple
        ``(bid_tick, bid_qty, ask_tick, ask_qty, live, final)``: (n_diffs, levels) int64
        arrays, best level first (0 where a side has fewer levels or the book is not live),
        ``live`` per diff (bool), and ``final`` = (bid ticks, bid qtys, ask ticks, ask qtys)
        of the whole book after the last diff (best first; empty when the book is not live at
        the end).
    """
    n = action.size
    bid_tick = np.zeros((n, levels), np.int64)
    bid_qty = np.zeros((n, levels), np.int64)
    ask_tick = np.zeros((n, levels), np.int64)
    ask_qty = np.zeros((n, levels), np.int64)
    live = np.zeros(n, np.bool_)
    keys, qtys, counts = new_book()
    is_live = False
    for i in range(n):
        a = action[i]
        if a == SYNC:
            counts[BID] = 0
            counts[ASK] = 0
            keys, qtys = _apply(keys, qtys, counts, s_off_b, s_tick_b, s_qty_b, s_off_a,
                                s_tick_a, s_qty_a, snapshot_of[i])
            is_live = True
        elif a == WAIT:
            is_live = False
        if a == SYNC or a == APPLY:
            keys, qtys = _apply(keys, qtys, counts, d_off_b, d_tick_b, d_qty_b, d_off_a,
                                d_tick_a, d_qty_a, i)
        if not is_live:
            continue
        live[i] = True
        nb, na = counts[BID], counts[ASK]
        for lev in range(min(levels, nb)):
            bid_tick[i, lev] = keys[BID, nb - 1 - lev]
            bid_qty[i, lev] = qtys[BID, nb - 1 - lev]
        for lev in range(min(levels, na)):
            ask_tick[i, lev] = -keys[ASK, na - 1 - lev]
            ask_qty[i, lev] = qtys[ASK, na - 1 - lev]
    nb = counts[BID] if is_live else 0
    na = counts[ASK] if is_live else 0
    final = (keys[BID, :nb][::-1].copy(), qtys[BID, :nb][::-1].copy(),
             -keys[ASK, :na][::-1], qtys[ASK, :na][::-1].copy())
    return bid_tick, bid_qty, ask_tick, ask_qty, live, final
