"""A market maker on a real LOBSTER day under several fee schedules: its maker/taker mix, fee
drag, slippage against the midpoint and adverse selection (markouts of its fills), with
standard errors from blocks of the day.

Each fee schedule ``(maker rate, taker rate)`` (fee = rate × traded value; negative: rebate) is
one :func:`mslab.orderbook.run_backtest` of the same quoter in book-file mode. Per block of
``block`` seconds: net P&L (equity change, $), fees ($), and the quantity-weighted
``capture`` = s·(m₀ − p) (slippage against the midpoint m₀ before the fill, positive: the
maker earned it) and ``adverse`` = s·(m₁ − m₀) (the midpoint's move ``markout_horizon`` seconds
later, negative: adverse selection), from :func:`mslab.orderbook.fills.markouts`, in cents per
share. Reported are means over blocks ± their standard error (blocks treated as independent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.execution.schedule_execution import _book_array
from mslab.glue import number, pm_column
from mslab.orderbook.backtest import run_backtest
from mslab.orderbook.experiments import book_mid
from mslab.orderbook.fills import markouts
from mslab.orderbook.messages import PRICE_SCALE, check_tick, message_arrays
from mslab.orderbook.quoters import Quoter

__all__ = ["fee_schedule_blocks", "fee_schedule_table"]


def fee_schedule_blocks(messages: object, rows: object, quoter: Quoter,
                        fee_schedules: dict[str, tuple[float, float]], *, block: float = 3600.0,
                        markout_horizon: float = 5.0, tick: int = 100,
                        **backtest: object) -> pd.DataFrame:
    """One row per (fee schedule, block) with ``net``, ``gross``, ``fees`` ($), ``volume``,
    ``maker_volume`` (shares), ``capture`` and ``adverse`` (¢/share, NaN without fills).
    ``backtest`` holds further :func:`~mslab.orderbook.run_backtest` arguments (order size,
    inventory limit, queue model, latencies, decision interval).

    Blocks are [t_0 + b·block, t_0 + (b + 1)·block) from the first message time t_0, as many
    as cover the day (the last may be partial). P&L and fees of a block are the changes of the
    backtest's equity and cumulative fees between its samples at or before the block's edges;
    volumes and markouts count the fills by their time (a fill at t_0 has no markout).
    ``capture`` and ``adverse`` are quantity-weighted means over the block's fills.

    Parameters
    ----------
    messages
        LOBSTER message stream of the day (times in s after midnight).
    rows
        Its order-book file: a 2-D array, one row per message (book-file mode).
    quoter
        The market maker's :class:`~mslab.orderbook.quoters.Quoter`, the same for every
        schedule.
    fee_schedules
        Non-empty dict name → ``(maker rate, taker rate)``: fee rates on traded value
        (negative: rebate), as ``maker_fee`` and ``taker_fee`` of
        :func:`~mslab.orderbook.run_backtest`.
    block
        Block length (s, > 0; default one hour).
    markout_horizon
        Horizon of the adverse-selection markout (s, ≥ 0; default 5).
    tick
        Price grid in LOBSTER units (100 = one cent, the default).
    **backtest
        Further keyword arguments of :func:`~mslab.orderbook.run_backtest` (not ``tick``,
        ``book``, ``maker_fee`` or ``taker_fee``).

    Returns
    -------
    pandas.DataFrame
        Columns ``schedule`` (the dict's key), ``block`` (0, 1, …), ``net``, ``fees``,
        ``gross`` (net + fees, $), ``volume`` and ``maker_volume`` (shares), ``capture`` and
        ``adverse`` (¢/share); schedules in the dict's order, blocks ascending.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above (or of
        :func:`~mslab.orderbook.run_backtest`), a malformed message stream or book file, or
        more blocks than :data:`mslab._validate.MAX_ELEMENTS`.
    """
    tick = check_tick(tick)
    if not isinstance(fee_schedules, dict) or not fee_schedules:
        _validate.fail("fee_schedules", fee_schedules, "a non-empty dict name -> (maker, taker)")
    for name, rates in fee_schedules.items():
        if not (isinstance(rates, (tuple, list)) and len(rates) == 2):
            _validate.fail(f"fee_schedules[{name!r}]", rates, "a pair (maker rate, taker rate)")
    block = _validate.positive("block", block)
    markout_horizon = _validate.nonnegative("markout_horizon", markout_horizon)
    rows = _book_array(rows)
    t = message_arrays(messages, tick).time_ns * 1e-9
    _validate.elements("block", (t[-1] - t[0]) / block)
    edges = t[0] + block * np.arange(int(np.ceil((t[-1] - t[0]) / block)) + 1)
    mid = book_mid(rows, tick)
    out = []
    for name, (maker, taker) in fee_schedules.items():
        r = run_backtest(messages, quoter, tick=tick, book=rows, maker_fee=maker,
                         taker_fee=taker, **backtest)
        f = r.fills
        later = f.time > t[0]
        mk = markouts(_Subset(f, later), t, mid, markout_horizon, tick=tick / PRICE_SCALE)
        per = mk.per_fill
        at = np.searchsorted(r.times, edges, side="right") - 1
        eq, fees = r.equity[at], r.fees[at]
        b_fill = np.searchsorted(edges, per["time"], side="right") - 1
        b_all = np.searchsorted(edges, f.time, side="right") - 1
        for b in range(edges.size - 1):
            w = per["qty"].to_numpy()[b_fill == b]
            sel = per[b_fill == b]
            cents = tick / PRICE_SCALE * 100
            out.append({"schedule": name, "block": b, "net": eq[b + 1] - eq[b],
                        "fees": fees[b + 1] - fees[b],
                        "gross": eq[b + 1] - eq[b] + fees[b + 1] - fees[b],
                        "volume": float(f.qty[b_all == b].sum()),
                        "maker_volume": float(f.qty[(b_all == b) & f.maker].sum()),
                        "capture": float(np.sum(w * sel["capture"]) / w.sum()) * cents
                        if w.size else np.nan,
                        "adverse": float(np.sum(w * sel["adverse"]) / w.sum()) * cents
                        if w.size else np.nan})
    return pd.DataFrame(out)


class _Subset:
    """The fills selected by a boolean mask (the arrays :func:`markouts` reads)."""

    def __init__(self, fills, mask):
        for name in ("time", "side", "price", "qty"):
            setattr(self, name, getattr(fills, name)[mask])


def fee_schedule_table(blocks: pd.DataFrame, digits: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per fee schedule: maker share of volume, volume per block, and mean ± standard error over
    blocks of net and gross P&L, fees ($ per block, whole dollars), capture and adverse (¢/share,
    ``digits`` decimals).

    Parameters
    ----------
    blocks
        A :func:`fee_schedule_blocks` frame (columns ``schedule``, ``net``, ``gross``,
        ``fees``, ``volume``, ``maker_volume``, ``capture``, ``adverse``).
    digits
        Decimals of capture and adverse in the table (0 to 12; default 2).

    Returns
    -------
    table : pandas.DataFrame
        Printable table (strings), index ``measure``: ``maker share`` (percent), ``volume
        (shares/block)`` (mean), then ``mean ± se`` of ``net P&L ($/block)``, ``gross P&L
        ($/block)``, ``fees ($/block)``, ``capture (¢/share)`` and ``adverse (¢/share)``; one
        column per schedule, in the order of their first row.
    stats : pandas.DataFrame
        Raw statistics, one row per schedule: ``blocks``, ``maker_share`` (Σ maker volume /
        Σ volume) and ``<measure>_mean``, ``<measure>_sem`` for ``net``, ``gross``, ``fees``,
        ``capture``, ``adverse`` and ``volume`` (blocks without fills left out of capture
        and adverse).

    Raises
    ------
    ValueError
        If ``blocks`` is not a DataFrame with those columns or ``digits`` is outside 0..12.
    """
    _validate.instance("blocks", blocks, pd.DataFrame)
    digits = _validate.integer("digits", digits, low=0, high=12)
    need = {"schedule", "net", "gross", "fees", "volume", "maker_volume", "capture", "adverse"}
    if not need <= set(blocks.columns):
        _validate.fail("blocks", f"<columns {list(blocks.columns)}>",
                       f"a fee_schedule_blocks frame (columns {sorted(need)})")
    g = blocks.groupby("schedule", sort=False)
    stats = pd.DataFrame({"blocks": g.size(),
                          "maker_share": g["maker_volume"].sum() / g["volume"].sum()})
    for c in ("net", "gross", "fees", "capture", "adverse", "volume"):
        stats[f"{c}_mean"], stats[f"{c}_sem"] = g[c].mean(), g[c].sem()
    table = pd.DataFrame({"maker share": [number(v, 1, percent=True)
                                          for v in stats["maker_share"]],
                          "volume (shares/block)": [number(v, 0) for v in stats["volume_mean"]]}
                         | {label: pm_column(stats[f"{c}_mean"], stats[f"{c}_sem"], d)
                            for c, label, d in (("net", "net P&L ($/block)", 0),
                                                ("gross", "gross P&L ($/block)", 0),
                                                ("fees", "fees ($/block)", 0),
                                                ("capture", "capture (¢/share)", digits),
                                                ("adverse", "adverse (¢/share)", digits))},
                         index=stats.index).T
    table.index.name = "measure"
    table.columns.name = None
    return table, stats
