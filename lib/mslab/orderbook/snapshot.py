"""A snapshot-driven market-making backtest with a fill-probability model (the "micromarket" rule).

Data: one row per order-book snapshot ``t = 0, ..., n - 1`` in time order, with the columns of
the crypto L2 snapshot schema that the rule needs:

* ``midpoint`` ``m_t`` (price units, > 0) and ``spread`` ``s_t`` = best ask − best bid (price
  units, >= 0);
* ``bids_distance_0`` / ``asks_distance_0``: signed relative distance of the best bid / ask from
  the mid, so the market's best quotes are ``B_t = m_t (1 + bids_distance_0)`` and
  ``A_t = m_t (1 + asks_distance_0)``;
* ``buys`` / ``sells``: taker buy / sell volume traded in the bucket that *ends* at snapshot
  ``t``, i.e. between snapshots ``t - 1`` and ``t`` (shift the columns first if a data set
  labels buckets by their start). ``volume_units`` says whether they are notional (quote
  currency, like the data set's ``*_notional_*`` columns; the default) or shares.

The maker (inventory ``q_t`` in shares, cash ``x_t`` in price units, both 0 at ``t = 0``) does,
at every snapshot ``t < n - 1``:

1. **Quotes** one order of ``order_size`` shares per side around a reservation price
   ``r_t = m_t − inventory_penalty · q_t`` (``inventory_penalty`` in price units per share
   held) with half-spread ``h_t = spread_multiplier · s_t / 2`` (a multiple of the *observed*
   half-spread, so the rule is scale-free across instruments and regimes; it is not a
   volatility-based spread):  ``bid_t = min(r_t − h_t, m_t)``, ``ask_t = max(r_t + h_t, m_t)``.
   The clip at the mid keeps a strongly skewed quote passive (at worst at the mid, inside the
   spread) instead of crossing the book, which this model could not price.
2. **Caps inventory**: a side is quoted only if its fill keeps ``|q| <= max_inventory``.
3. **Fills** over the bucket ``(t, t + 1]``. The ask fills iff all of

   (a) *price reach*: ``ask_t <= max(A_t, A_{t+1})``: a quote at or inside the market's best
       ask is first in line for taker buys; one behind it is reached only if the next
       snapshot shows the best ask at or beyond it (the levels in front were consumed);
   (b) *volume reach*: ``buys_{t+1} >= order_size · ask_t`` (notional) or ``>= order_size``
       (shares);
   (c) *coin flip*: ``U < fill_probability`` with ``U`` uniform on [0, 1);

   and symmetrically the bid fills iff ``bid_t >= min(B_t, B_{t+1})``, ``sells_{t+1}`` reaches
   the order, and its own coin flip succeeds. Both sides may fill in one bucket.
   A fill at price ``p`` moves ``q`` by ``∓order_size`` and cash by ``±p · order_size``, and
   costs ``fee_per_share · order_size + slippage_per_volume · p · order_size`` (a fixed fee per
   share plus slippage proportional to the traded notional volume).
4. **Marks to market** at the next snapshot: ``equity_{t+1} = x_{t+1} + q_{t+1} · m_{t+1}``.

No quotes are placed at the last snapshot and the final inventory is not liquidated: it is
marked at the last mid (``equity`` is the mark-to-mid P&L in price units).

What a trader reads off a run (:class:`SnapshotBacktest`), with ``Δ`` the snapshot interval
in seconds and ``H = (n − 1)·Δ / 3600`` the hours covered: P&L per hour ``equity[-1] / H``;
its standard error from consecutive blocks of ``b = round(block_seconds / Δ)`` increments
(the ``J = ⌊(n − 1)/b⌋`` whole blocks; a trailing part block is left out of the error only):
``sd(block P&L) / √J × 3600 / (b·Δ)``, NaN with fewer than ``MIN_BLOCKS`` blocks (an error
estimated from a handful of blocks is itself too noisy to report) — it treats blocks as
independent, which holds when the mark-to-mid increments are uncorrelated beyond a block;
fills per hour; mean ``|inventory|``; and, from the block P&L, a Sharpe ratio annualised with
a stated number of trading hours per year and its standard error
(:meth:`SnapshotBacktest.block_sharpe`, through :mod:`mslab.performance`).

Why this is a crude model (compare the queue-aware event-driven engine,
:mod:`mslab.orderbook.backtest`): a snapshot says nothing about the order of events inside the
bucket, so the rule ignores the maker's place in the queue (a quote joining a level sits behind
all resting volume there), lets any taker volume fill a quote it may never have reached, treats
the trade-through of a level as proof of a fill, charges no adverse selection beyond what the
next mid happens to show, and lets the quote live for the whole bucket without latency. The
``fill_probability`` coin is a single scalar standing in for all of that, which is why its
value (like micromarket's 0.6–0.9) drives the results more than any economic parameter.

Random numbers: two uniforms per bucket (bid coin, then ask coin), drawn from one xoshiro256**
stream of ``seed`` whether or not a side is quoted, so configurations sharing a seed see the
same coins (common random numbers) and results depend only on the inputs and the seed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate, rng
from mslab.performance import equity_drawdown, sharpe_ratio, sharpe_standard_error
from mslab.selection_bias import split_slices

COLUMNS = ("midpoint", "spread", "buys", "sells", "bids_distance_0", "asks_distance_0")
VOLUME_UNITS = ("notional", "shares")
SECONDS_PER_YEAR = 365.25 * 86400.0  # crypto trades around the clock
MIN_BLOCKS = 10  # whole blocks needed for a standard error or a Sharpe ratio of the block P&L


@dataclass(frozen=True)
class SnapshotBacktest:
    """Result of :func:`backtest_snapshots`.

    Arrays have one value per snapshot (length ``n``); ``equity == cash + inventory * mid``
    at every snapshot.

    Attributes
    ----------
    params : dict
        The validated rule parameters (``spread_multiplier``, ``fill_probability``,
        ``max_inventory``, ``inventory_penalty``, ``fee_per_share``, ``slippage_per_volume``,
        ``order_size``, ``volume_units``, ``seed``).
    mid : numpy.ndarray
        The snapshots' midpoints (price units).
    equity : numpy.ndarray
        Mark-to-mid equity (price units, 0 at the first snapshot).
    cash : numpy.ndarray
        Cash (price units, 0 at the first snapshot).
    inventory : numpy.ndarray
        Shares held, after the fills of the previous bucket.
    bid : numpy.ndarray
        The bid posted at the snapshot (price units; NaN when not quoted, and at the last
        snapshot).
    ask : numpy.ndarray
        The ask posted at the snapshot (price units; NaN when not quoted, and at the last
        snapshot).
    bid_fill : numpy.ndarray
        Bool: whether the bid filled in the following bucket (False at the last snapshot).
    ask_fill : numpy.ndarray
        Bool: whether the ask filled in the following bucket (False at the last snapshot).
    final_pnl : float
        ``equity[-1]`` (price units).
    max_drawdown : float
        Largest fall of equity from its running peak (≥ 0, price units).
    sharpe : float
        Annualised Sharpe ratio of the equity increments
        (:func:`mslab.performance.sharpe_ratio`; NaN when they have no variance or there
        are fewer than two).
    fees : float
        Total fees paid (price units).
    slippage : float
        Total slippage paid (price units).
    turnover : float
        Traded notional Σ p·size (price units).
    mean_abs_inventory : float
        Average of ``|inventory|`` over the snapshots (shares).
    periods_per_year : float
        What the Sharpe ratio was annualised with (snapshots per year).
    interval : float
        Seconds between snapshots.
    block_seconds : float
        Block length (seconds) of the P&L-per-hour standard error (module docstring).
    """

    params: dict[str, object]
    mid: np.ndarray
    equity: np.ndarray
    cash: np.ndarray
    inventory: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    bid_fill: np.ndarray
    ask_fill: np.ndarray
    final_pnl: float
    max_drawdown: float
    sharpe: float
    fees: float
    slippage: float
    turnover: float
    mean_abs_inventory: float
    periods_per_year: float
    interval: float
    block_seconds: float

    @property
    def n_bid_fills(self) -> int:
        """Number of bid fills (buys)."""
        return int(self.bid_fill.sum())

    @property
    def n_ask_fills(self) -> int:
        """Number of ask fills (sells)."""
        return int(self.ask_fill.sum())

    @property
    def hours(self) -> float:
        """Hours covered, (snapshots − 1) × interval / 3600."""
        return (self.equity.size - 1) * self.interval / 3600.0

    def block_pnl(self) -> np.ndarray:
        """P&L (price units) of each whole block of ``round(block_seconds / interval)``
        increments (at least 1), in time order (module docstring).

        Returns
        -------
        numpy.ndarray
            Shape (J,): the equity change over each whole block; a trailing part block is
            left out.
        """
        b = max(1, round(self.block_seconds / self.interval))
        blocks = (self.equity.size - 1) // b
        return np.diff(self.equity[: blocks * b + 1: b])

    def pnl_per_hour_se(self) -> float:
        """Standard error of the P&L per hour from the block P&L; NaN with fewer than
        ``MIN_BLOCKS`` blocks.

        Returns
        -------
        float
            sd(block P&L) / √J divided by the block length in hours (price units per hour).
        """
        pnl = self.block_pnl()
        if pnl.size < MIN_BLOCKS:
            return float("nan")
        block_hours = max(1, round(self.block_seconds / self.interval)) * self.interval / 3600
        return float(np.std(pnl, ddof=1) / np.sqrt(pnl.size) / block_hours)

    def block_sharpe(self, hours_per_year: float) -> tuple[float, float]:
        """Sharpe ratio of the block P&L annualised with ``hours_per_year`` trading hours
        (e.g. 252 × 6.5 for a stock, 365.25 × 24 for crypto) and its Mertens standard error
        (:mod:`mslab.performance`); NaN for both with fewer than ``MIN_BLOCKS`` blocks or no
        variance.

        Parameters
        ----------
        hours_per_year : float
            Trading hours in a year, > 0.

        Returns
        -------
        tuple of float
            ``(sharpe, standard_error)``, both annualised.

        Raises
        ------
        ValueError
            If ``hours_per_year`` is not a finite number > 0.
        """
        hours_per_year = _validate.positive("hours_per_year", hours_per_year)
        b = max(1, round(self.block_seconds / self.interval))
        per_year = hours_per_year * 3600.0 / (b * self.interval)
        pnl = self.block_pnl()
        if pnl.size < MIN_BLOCKS:
            return float("nan"), float("nan")
        return sharpe_ratio(pnl, per_year), sharpe_standard_error(pnl, per_year)

    def metrics(self) -> dict[str, float | int]:
        """The scalar results as a flat dict (one row of an experiments table).

        Returns
        -------
        dict
            ``final_pnl``, ``max_drawdown``, ``sharpe``, ``n_fills``, ``n_bid_fills``,
            ``n_ask_fills``, ``fees``, ``slippage``, ``turnover``, ``mean_abs_inventory``,
            ``final_inventory`` (shares), ``n_periods`` (snapshots − 1), ``periods_per_year``,
            ``hours``, ``pnl_per_hour``, ``pnl_per_hour_se`` and ``fills_per_hour``.
        """
        return {
            "final_pnl": self.final_pnl,
            "max_drawdown": self.max_drawdown,
            "sharpe": self.sharpe,
            "n_fills": self.n_bid_fills + self.n_ask_fills,
            "n_bid_fills": self.n_bid_fills,
            "n_ask_fills": self.n_ask_fills,
            "fees": self.fees,
            "slippage": self.slippage,
            "turnover": self.turnover,
            "mean_abs_inventory": self.mean_abs_inventory,
            "final_inventory": float(self.inventory[-1]),
            "n_periods": int(self.equity.size - 1),
            "periods_per_year": self.periods_per_year,
            "hours": self.hours,
            "pnl_per_hour": self.final_pnl / self.hours,
            "pnl_per_hour_se": self.pnl_per_hour_se(),
            "fills_per_hour": (self.n_bid_fills + self.n_ask_fills) / self.hours,
        }


@njit(cache=True)
def _backtest(mid, half_spread, best_bid, best_ask, buys, sells, multiplier, fill_probability,
              max_lots, size, penalty, fee, slip, notional, state, equity, cash_out, inventory,
              bid_out, ask_out, bid_fill, ask_fill):
    """Kernel of the rule in the module docstring; inventory is held as a whole number of lots
    of ``size`` shares. Returns (fees, slippage, turnover)."""
    a, b, c, d = state[0], state[1], state[2], state[3]
    n = mid.size
    lots = 0
    cash = 0.0
    fees = 0.0
    slippage = 0.0
    turnover = 0.0
    equity[0] = 0.0
    cash_out[0] = 0.0
    inventory[0] = 0.0
    for t in range(n - 1):
        q = lots * size
        centre = mid[t] - penalty * q
        h = multiplier * half_spread[t]
        bid = min(centre - h, mid[t])
        ask = max(centre + h, mid[t])
        u_bid, a, b, c, d = rng.xoshiro_step(a, b, c, d)
        u_ask, a, b, c, d = rng.xoshiro_step(a, b, c, d)
        bid_out[t] = np.nan
        ask_out[t] = np.nan
        bid_hit = False
        ask_hit = False
        if lots + 1 <= max_lots:
            bid_out[t] = bid
            need = size * bid if notional else size
            bid_hit = (bid >= min(best_bid[t], best_bid[t + 1]) and sells[t + 1] >= need
                       and rng.to_unit(u_bid) < fill_probability)
        if lots - 1 >= -max_lots:
            ask_out[t] = ask
            need = size * ask if notional else size
            ask_hit = (ask <= max(best_ask[t], best_ask[t + 1]) and buys[t + 1] >= need
                       and rng.to_unit(u_ask) < fill_probability)
        if bid_hit:
            lots += 1
            cash -= bid * size + fee * size + slip * bid * size
            fees += fee * size
            slippage += slip * bid * size
            turnover += bid * size
        if ask_hit:
            lots -= 1
            cash += ask * size - fee * size - slip * ask * size
            fees += fee * size
            slippage += slip * ask * size
            turnover += ask * size
        bid_fill[t] = bid_hit
        ask_fill[t] = ask_hit
        cash_out[t + 1] = cash
        inventory[t + 1] = lots * size
        equity[t + 1] = cash + lots * size * mid[t + 1]
    bid_out[n - 1] = np.nan
    ask_out[n - 1] = np.nan
    bid_fill[n - 1] = False
    ask_fill[n - 1] = False
    return fees, slippage, turnover


def infer_periods_per_year(system_time: object) -> float:
    """Snapshots per year from the median spacing of ``system_time`` (a 24/7 market:
    365.25 days a year).

    Parameters
    ----------
    system_time : pandas.Series
        At least two timestamps (or anything ``pandas.to_datetime`` reads; naive times are
        taken as UTC), strictly increasing.

    Returns
    -------
    float
        ``SECONDS_PER_YEAR`` / the median spacing in seconds.

    Raises
    ------
    ValueError
        If the times cannot be read, are fewer than two, or are not strictly increasing.
    """
    try:
        times = pd.to_datetime(pd.Series(system_time), utc=True)
    except (TypeError, ValueError, OverflowError):
        _validate.fail("system_time", f"<{type(system_time).__name__}>",
                       "a 1-D sequence of timestamps")
    if times.size < 2:
        _validate.fail("system_time", f"<{times.size} timestamp(s)>", "at least two timestamps")
    gaps = times.diff().dt.total_seconds().to_numpy()[1:]
    if not np.all(gaps > 0):
        bad = int(np.argmax(~(gaps > 0))) + 1
        _validate.fail("system_time", f"<row {bad}: {times.iloc[bad]}>",
                       "strictly increasing (sort the snapshots and drop duplicates first)")
    return SECONDS_PER_YEAR / float(np.median(gaps))


def _columns(snapshots: pd.DataFrame | Mapping[str, object]) -> dict[str, np.ndarray]:
    if not isinstance(snapshots, (pd.DataFrame, Mapping)):
        _validate.fail("snapshots", type(snapshots).__name__,
                       "a DataFrame or mapping with the columns " + ", ".join(COLUMNS))
    missing = [c for c in COLUMNS if c not in snapshots]
    if missing:
        _validate.fail("snapshots", f"<columns {sorted(snapshots.keys())}>",
                       "a DataFrame or mapping with the columns " + ", ".join(COLUMNS)
                       + f" (missing: {', '.join(missing)})")
    out = {c: np.ascontiguousarray(np.asarray(snapshots[c], dtype=float)) for c in COLUMNS}
    n = out["midpoint"].size
    if n < 2 or any(v.ndim != 1 or v.size != n for v in out.values()):
        _validate.fail("snapshots", f"<{n} rows>", "at least 2 snapshots, every column 1-D and "
                       "of the same length")
    checks = {"midpoint": lambda v: v > 0, "spread": lambda v: v >= 0,
              "buys": lambda v: v >= 0, "sells": lambda v: v >= 0,
              "bids_distance_0": lambda v: v > -1, "asks_distance_0": lambda v: v > -1}
    for name, ok in checks.items():
        good = np.isfinite(out[name]) & ok(out[name])
        if not good.all():
            row = int(np.argmin(good))
            _validate.fail(name, out[name][row], f"finite and valid in every row (first bad row "
                           f"{row}; midpoint > 0, spread/buys/sells >= 0, distances > -1)")
    return out


def backtest_snapshots(
    snapshots: pd.DataFrame | Mapping[str, object],
    *,
    spread_multiplier: float,
    fill_probability: float,
    max_inventory: float,
    inventory_penalty: float,
    fee_per_share: float = 0.0,
    slippage_per_volume: float = 0.0,
    order_size: float = 1.0,
    volume_units: str = "notional",
    seed: int = 0,
    periods_per_year: float | None = None,
    interval: float | None = None,
    block_seconds: float = 300.0,
) -> SnapshotBacktest:
    """Run the snapshot market-making rule of the module docstring over ``snapshots``.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        A DataFrame (or mapping of equal-length arrays) with the columns ``COLUMNS``, at
        least two rows, in time order; values finite, ``midpoint`` > 0, ``spread``, ``buys``,
        ``sells`` ≥ 0, distances > −1.
    spread_multiplier : float
        Scales the observed half-spread, > 0.
    fill_probability : float
        Probability of the fill coin, in [0, 1].
    max_inventory : float
        Caps ``|q|`` (shares, ≥ 0), in whole orders of ``order_size`` shares.
    inventory_penalty : float
        Skew of both quotes, price units per share held, ≥ 0.
    fee_per_share : float
        Fixed fee, price units per share, ≥ 0 (default 0).
    slippage_per_volume : float
        Slippage as a fraction of the traded notional, ≥ 0 (default 0).
    order_size : float
        Shares per order, > 0 (default 1).
    volume_units : str
        ``"notional"`` (default) or ``"shares"``: the units of ``buys``/``sells``.
    seed : int
        Non-negative seed of the fill coins.
    periods_per_year : float or None
        Annualises the Sharpe ratio (snapshots per year, > 0); None: inferred from a
        ``system_time`` column (:func:`infer_periods_per_year`).
    interval : float or None
        Seconds between snapshots (> 0), for the per-hour figures; None: the median spacing
        of ``system_time``, or without that column ``SECONDS_PER_YEAR /
        periods_per_year``.
    block_seconds : float
        Block length (seconds, > 0) of the P&L-per-hour standard error (default 300).

    Returns
    -------
    SnapshotBacktest
        The paths, the fills and the summary of the run.

    Raises
    ------
    ValueError
        If a parameter is out of its range, a column is missing or holds an invalid value,
        or ``periods_per_year`` is None and there is no usable ``system_time`` column.
    """
    multiplier = _validate.positive("spread_multiplier", spread_multiplier)
    p_fill = _validate.real("fill_probability", fill_probability, low=0.0, high=1.0)
    max_inventory = _validate.nonnegative("max_inventory", max_inventory)
    penalty = _validate.nonnegative("inventory_penalty", inventory_penalty)
    fee = _validate.nonnegative("fee_per_share", fee_per_share)
    slip = _validate.nonnegative("slippage_per_volume", slippage_per_volume)
    size = _validate.positive("order_size", order_size)
    volume_units = _validate.choice("volume_units", volume_units, VOLUME_UNITS)
    seed = _validate.seed("seed", seed)
    if periods_per_year is None:
        if "system_time" not in snapshots:
            _validate.fail("periods_per_year", None, "a positive number when the snapshots have "
                           "no system_time column to infer it from")
        periods_per_year = infer_periods_per_year(snapshots["system_time"])
    ppy = _validate.positive("periods_per_year", periods_per_year)
    block_seconds = _validate.positive("block_seconds", block_seconds)
    cols = _columns(snapshots)
    if interval is None:
        interval = (SECONDS_PER_YEAR / infer_periods_per_year(snapshots["system_time"])
                    if "system_time" in snapshots else SECONDS_PER_YEAR / ppy)
    interval = _validate.positive("interval", interval)

    mid = cols["midpoint"]
    n = mid.size
    max_lots = math.floor(max_inventory / size * (1.0 + 1e-12))
    equity, cash, inventory, bid, ask = (np.empty(n) for _ in range(5))
    bid_fill, ask_fill = (np.empty(n, dtype=np.bool_) for _ in range(2))
    fees, slippage, turnover = _backtest(
        mid, cols["spread"] / 2.0, mid * (1.0 + cols["bids_distance_0"]),
        mid * (1.0 + cols["asks_distance_0"]), cols["buys"], cols["sells"], multiplier, p_fill,
        max_lots, size, penalty, fee, slip, volume_units == "notional",
        rng.path_states(seed, 1)[0], equity, cash, inventory, bid, ask, bid_fill, ask_fill)

    params = dict(spread_multiplier=multiplier, fill_probability=p_fill,
                  max_inventory=max_inventory, inventory_penalty=penalty, fee_per_share=fee,
                  slippage_per_volume=slip, order_size=size, volume_units=volume_units, seed=seed)
    return SnapshotBacktest(
        params=params, mid=mid, equity=equity, cash=cash, inventory=inventory, bid=bid, ask=ask,
        bid_fill=bid_fill, ask_fill=ask_fill, final_pnl=float(equity[-1]),
        max_drawdown=equity_drawdown(equity), sharpe=sharpe_ratio(np.diff(equity), ppy),
        fees=float(fees), slippage=float(slippage), turnover=float(turnover),
        mean_abs_inventory=float(np.mean(np.abs(inventory))), periods_per_year=ppy,
        interval=interval, block_seconds=block_seconds)


@lru_cache(maxsize=8)
def _read_snapshots(path: str, mtime_ns: int) -> tuple[pd.DataFrame, float | None]:
    """An instrument's snapshots and, if they have ``system_time``, their periods per year:
    each worker process reads a file once (again if its modification time changes)."""
    frame = pd.read_parquet(path)
    ppy = infer_periods_per_year(frame["system_time"]) if "system_time" in frame else None
    return frame[list(COLUMNS)], ppy


@dataclass(frozen=True)
class SnapshotSweepTask:
    """A picklable sweep task (for :func:`mslab.sweeps.run_sweep`): backtest ``params`` (keyword
    arguments of :func:`backtest_snapshots`) on one walk-forward ``split`` of an instrument.

    Each split is backtested on its own, starting flat. Neither the files nor
    ``block_seconds`` are part of the experiment key: change the sweep's ``version`` when
    they change. Calling the task with ``(params, instrument, split)`` returns
    :meth:`SnapshotBacktest.metrics` of that run (``ValueError`` for an unknown instrument or
    split).

    Attributes
    ----------
    paths : dict
        Maps instrument names to Parquet files of cleaned snapshots (e.g. the output of the
        crypto loader).
    fractions : tuple of float
        The train/validation/test shares (:func:`mslab.selection_bias.split_slices`).
    periods_per_year : float or None
        Snapshots per year; None: inferred from each file's ``system_time``, on the whole
        file, so all splits are annualised alike. The snapshot interval (for the per-hour
        figures) is ``SECONDS_PER_YEAR / periods_per_year`` likewise.
    block_seconds : float
        Block length (seconds) of the P&L-per-hour standard error.
    """

    paths: Mapping[str, str | os.PathLike]
    fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)
    periods_per_year: float | None = None
    block_seconds: float = 300.0

    def __call__(self, params: Mapping[str, object], instrument: str,
                 split: str) -> dict[str, float | int]:
        if instrument not in self.paths:
            _validate.fail("instrument", instrument, "one of " + ", ".join(map(repr, self.paths)))
        path = str(self.paths[instrument])
        frame, file_ppy = _read_snapshots(path, os.stat(path).st_mtime_ns)
        ppy = file_ppy if self.periods_per_year is None else self.periods_per_year
        slices = split_slices(len(frame), self.fractions)
        if split not in slices:
            _validate.fail("split", split, "one of " + ", ".join(map(repr, slices)))
        part = frame.iloc[slices[split]]
        return backtest_snapshots(part, **{"periods_per_year": ppy,
                                           "interval": SECONDS_PER_YEAR / ppy if ppy else None,
                                           "block_seconds": self.block_seconds,
                                           **params}).metrics()
