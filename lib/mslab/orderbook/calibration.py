"""Calibration of the Cont–Stoikov–Talreja flow (:mod:`mslab.orderbook.cst_flow`) to observed
order-flow statistics (:mod:`mslab.orderbook.flow_measures`).

μ follows from the trade rate (2μ market orders per second); (k, α, θ) with θ constant are
then tuned by Nelder–Mead on log k, α, log θ to minimise the squared log-errors of the mean
spread, of the depth profile and (optionally) of the limit-order rate, the simulated statistics
being computed with common random numbers (a fixed seed) so that the objective is
deterministic. Depth fixes k/θ and α; without the limit-order rate the remaining scale of k and
θ rests on the spread alone, which is nearly flat when the spread is close to one tick, so k
and θ then come out only roughly (the statistics still match).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.orderbook.cst_flow import GRID, CSTParams, check_work, run_cst
from mslab.orderbook.flow_measures import FlowStatistics

MAX_EVALUATIONS = 100_000  # simulations per calibration


@dataclass(frozen=True)
class CalibrationTargets:
    """What the calibration aims at (the statistics of :class:`FlowStatistics`).

    Without ``limit_orders_per_minute`` the overall speed of the book (k and θ together at
    fixed k/θ) is only weakly pinned down by the spread.

    Attributes
    ----------
    mean_spread : float
        Time-averaged spread in ticks, ≥ 1.
    depth : tuple of float
        Mean shares at occupied levels 1..n (averaged over both sides), each > 0; at least
        one level. A list or array is accepted and stored as a tuple.
    trades_per_minute : float
        Market orders per minute (both sides), > 0.
    limit_orders_per_minute : float or None
        New limit orders per minute (both sides), > 0; ``None`` (default): not a target.

    Raises
    ------
    ValueError
        If a field is out of its range (on construction).
    """

    mean_spread: float
    depth: tuple[float, ...]
    trades_per_minute: float
    limit_orders_per_minute: float | None = None

    def __post_init__(self) -> None:
        _validate.real("mean_spread", self.mean_spread, low=1.0)
        depth = self.depth
        if not isinstance(depth, (list, tuple, np.ndarray)) or len(depth) < 1:
            _validate.fail("depth", depth, "a non-empty sequence of positive numbers")
        object.__setattr__(self, "depth", tuple(_validate.positive(f"depth[{j}]", x)
                                                for j, x in enumerate(depth)))
        _validate.positive("trades_per_minute", self.trades_per_minute)
        if self.limit_orders_per_minute is not None:
            _validate.positive("limit_orders_per_minute", self.limit_orders_per_minute)


@dataclass(frozen=True, eq=False)
class Calibration:
    """Result of :func:`calibrate`.

    Attributes
    ----------
    params : CSTParams
        The fitted parameters (θ constant).
    targets : CalibrationTargets
        The targets of the fit.
    achieved : FlowStatistics
        The statistics the fitted model achieves (same seed, duration and warm-up as the fit).
    n_evaluations : int
        Simulations run: the initial scan over θ, Nelder–Mead's, and the final one of
        ``achieved`` (points outside the search box or beyond the work bounds are not
        simulated and not counted).
    converged : bool
        Whether Nelder–Mead met its tolerance within its evaluation budget.
    loss : float
        The final loss: the sum of squared log-errors (see :func:`calibrate`).
    """

    params: CSTParams
    targets: CalibrationTargets
    achieved: FlowStatistics
    n_evaluations: int
    converged: bool
    loss: float

    def table(self) -> pd.DataFrame:
        """Target against achieved for every calibrated statistic.

        Returns
        -------
        pandas.DataFrame
            :func:`calibration_table` of ``targets`` and ``achieved``.
        """
        return calibration_table(self.targets, self.achieved)


def calibration_table(targets: CalibrationTargets, stats: FlowStatistics) -> pd.DataFrame:
    """Target against achieved for every calibrated statistic, with the relative error.

    Parameters
    ----------
    targets : CalibrationTargets
        The calibration targets.
    stats : FlowStatistics
        The statistics achieved (e.g. by a simulation or measured on data); its depth must
        have at least as many levels as ``targets.depth``.

    Returns
    -------
    pandas.DataFrame
        One row per statistic, indexed by ``statistic`` (the mean spread in ticks, the depth
        of each target level in shares, trades per minute, and limit orders per minute when
        targeted), with columns ``target``, ``achieved`` and ``relative_error``
        (achieved / target − 1).
    """
    names = ["mean spread (ticks)"] + [f"depth level {j + 1} (shares)"
                                       for j in range(len(targets.depth))] + ["trades per minute"]
    target = [targets.mean_spread, *targets.depth, targets.trades_per_minute]
    got = [stats.mean_spread, *np.asarray(stats.depth)[:len(targets.depth)],
           stats.trades_per_minute]
    if targets.limit_orders_per_minute is not None:
        names.append("limit orders per minute")
        target.append(targets.limit_orders_per_minute)
        got.append(stats.limit_orders_per_minute)
    frame = pd.DataFrame({"target": target, "achieved": got}, index=pd.Index(names,
                                                                            name="statistic"))
    frame["relative_error"] = frame["achieved"] / frame["target"] - 1.0
    return frame


def _loss(stats: FlowStatistics, targets: CalibrationTargets) -> float:
    if not stats.mean_spread > 0 or np.any(stats.depth[:len(targets.depth)] <= 0):
        return 1e6
    e_spread = math.log(stats.mean_spread / targets.mean_spread)
    e_depth = np.log(stats.depth[:len(targets.depth)] / np.array(targets.depth))
    loss = e_spread**2 + float(np.mean(e_depth**2))
    if targets.limit_orders_per_minute is not None:
        loss += math.log(stats.limit_orders_per_minute / targets.limit_orders_per_minute)**2
    return loss


def calibrate(targets: CalibrationTargets, *, max_distance: int = 10, lot: int = 100,
              mean_lots: float = 1.0, partial_cancel: float = 0.0, duration: float = 3600.0,
              warmup: float = 300.0, seed: int = 0, max_evaluations: int = 400) -> Calibration:
    """Fit (k, α, μ, θ) — θ constant — to ``targets`` by simulation.

    μ = trades_per_minute / 120 (buy and sell market orders each arrive at rate μ). Starting
    from the mean-field depth profile (queue at distance i ≈ λ(i)/θ orders), a scan over θ at
    fixed k/θ and then Nelder–Mead on (log k, α, log θ) minimise
    (log spread/target)² + mean over levels of (log depth/target)²
    [+ (log limit-order rate/target)² when that target is given], every evaluation being a
    ``duration``-second simulation with the same ``seed`` (common random numbers).

    Parameters
    ----------
    targets : CalibrationTargets
        The statistics to match.
    max_distance : int
        D, the farthest distance (ticks) of limit-order arrivals (fixed :class:`CSTParams`
        field, validated as there).
    lot : int
        Shares per lot (fixed :class:`CSTParams` field).
    mean_lots : float
        Mean order size in lots (fixed :class:`CSTParams` field).
    partial_cancel : float
        Probability that a cancellation is partial (fixed :class:`CSTParams` field).
    duration : float
        Simulated seconds of each evaluation after the warm-up, > 0 (default one hour).
    warmup : float
        Seconds simulated before each measurement window, ≥ 0.
    seed : int
        Non-negative seed shared by every evaluation.
    max_evaluations : int
        Evaluation budget of Nelder–Mead (scipy's ``maxfev``), in [10, 100 000]; the scan
        over θ (up to 9 simulations) and the final simulation come on top.

    Returns
    -------
    Calibration
        The fitted parameters with the targets, the achieved statistics and the fit's
        diagnostics.

    Raises
    ------
    ValueError
        If ``targets`` is not a :class:`CalibrationTargets`, an argument is out of its range,
        or ``warmup`` / ``duration`` ask for more simulation work than
        :func:`~mslab.orderbook.cst_flow.check_work` allows (market orders alone); or, after
        the search, if it ends on a point that cannot be simulated (outside the search box
        1e-6 < k, θ < 1e5, 0 ≤ α ≤ 5, or beyond the work bound), which happens only when no
        point tried was simulated to a better loss: the targets are then out of the model's
        reach with these settings, and there are no achieved statistics to return.
    """
    from scipy.optimize import minimize

    if not isinstance(targets, CalibrationTargets):
        _validate.fail("targets", targets, "a CalibrationTargets instance")
    duration = _validate.positive("duration", duration)
    warmup = _validate.nonnegative("warmup", warmup)
    seed = _validate.seed("seed", seed)
    max_evaluations = _validate.integer("max_evaluations", max_evaluations, low=10,
                                        high=MAX_EVALUATIONS)
    fixed = dict(max_distance=max_distance, lot=lot, mean_lots=mean_lots,
                 partial_cancel=partial_cancel)
    mu = float(targets.trades_per_minute) / 120.0
    # validates the fixed parameters; market orders alone set a floor to every simulation's work
    check_work(CSTParams(k=1e-300, alpha=0.5, mu=mu, theta=1.0, **fixed), warmup, duration)
    levels = len(targets.depth)
    mean_size = lot * mean_lots
    n_eval = 0

    def in_box(k: float, alpha: float, theta: float) -> bool:
        return 0.0 <= alpha <= 5.0 and 1e-6 < k < 1e5 and 1e-6 < theta < 1e5

    def simulate(k: float, alpha: float, theta: float) -> FlowStatistics | None:
        nonlocal n_eval
        if not in_box(k, alpha, theta):
            return None
        params = CSTParams(k=k, alpha=alpha, mu=mu, theta=theta, **fixed)
        try:
            check_work(params, warmup, duration)
        except ValueError:  # too much work: infeasible
            return None
        n_eval += 1
        return run_cst(params, duration=duration, warmup=warmup, levels=levels,
                       base=10**6 - GRID // 2, tick=1, start=0.0, seed=seed, record=False)[0]

    def objective(x: np.ndarray) -> float:
        stats = simulate(math.exp(x[0]), float(x[1]), math.exp(x[2]))
        return 1e6 if stats is None else _loss(stats, targets)

    # Mean-field start: depth_j ≈ mean_size · (k/θ) / j^α.
    j = np.arange(1, levels + 1, dtype=np.float64)
    if levels >= 2:
        slope, intercept = np.polyfit(np.log(j), np.log(np.array(targets.depth) / mean_size), 1)
        alpha0 = float(np.clip(-slope, 0.0, 3.0))
    else:
        alpha0, intercept = 0.5, math.log(targets.depth[0] / mean_size)
    ratio = math.exp(intercept)
    thetas = np.exp(np.linspace(math.log(0.02), math.log(20.0), 9)) * max(mu, 0.01)
    scan = [objective(np.array([math.log(ratio * th), alpha0, math.log(th)])) for th in thetas]
    th0 = float(thetas[int(np.argmin(scan))])
    x0 = np.array([math.log(ratio * th0), alpha0, math.log(th0)])
    simplex = np.array([x0, x0 + [0.3, 0.0, 0.0], x0 + [0.0, 0.2, 0.0], x0 + [0.0, 0.0, 0.3]])
    res = minimize(objective, x0, method="Nelder-Mead",
                   options=dict(maxfev=max_evaluations, xatol=2e-3, fatol=1e-5,
                                initial_simplex=simplex))
    k, alpha, theta = math.exp(res.x[0]), float(res.x[1]), math.exp(res.x[2])
    achieved = simulate(k, alpha, theta)
    if achieved is None:  # every point tried was infeasible (or no better): nothing fitted
        where = ("lies outside the search box (1e-6 < k < 1e5, 0 <= alpha <= 5, "
                 "1e-6 < theta < 1e5)" if not in_box(k, alpha, theta) else
                 f"asks for more simulation work than check_work allows with warmup={warmup}, "
                 f"duration={duration}")
        raise ValueError(f"targets: no feasible fit found; the best point of the search "
                         f"(k={k:.4g}, alpha={alpha:.4g}, theta={theta:.4g}) {where}, and no "
                         f"point simulated did better ({n_eval} simulations); the targets are "
                         "out of the model's reach with these settings")
    params = CSTParams(k=k, alpha=alpha, mu=mu, theta=theta, **fixed)
    return Calibration(params=params, targets=targets, achieved=achieved,
                       n_evaluations=n_eval, converged=bool(res.success), loss=float(res.fun))
