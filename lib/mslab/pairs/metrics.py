"""Performance metrics of a periodic return series, and a bootstrap test of its Sharpe ratio.

Conventions (A = ``periods_per_year``, 252 for daily data). ``returns`` are simple returns per
period; a pairs portfolio is self-financing, so they are already *excess* returns and no
risk-free rate is subtracted.

* annual return ``A·mean(r)`` (arithmetic) and annual volatility ``√A·std(r)`` (ddof = 1);
* Sharpe ``√A·mean(r)/std(r)``; Sortino ``√A·mean(r)/DD`` with the downside deviation
  ``DD = √(mean(min(r, 0)²))`` over all periods (target 0);
* wealth ``W_t = Π_{s≤t}(1 + r_s)`` from ``W_0 = 1`` (reinvested returns); CAGR
  ``W_n^{A/n} − 1``; max drawdown ``max_t (1 − W_t / max_{s≤t} W_s)`` as a positive fraction
  (the start counts as a peak); Calmar = CAGR / max drawdown;
* turnover: ``A·mean`` of the per-period traded notional over capital (annual turnover);
* per trade: hit rate = share of trades with net P&L > 0; average cost in bps = total cost
  over total traded notional × 10⁴.

Undefined values are NaN, never an error: Sharpe and Sortino when the returns are constant
(range ≤ 10⁻¹² of their largest magnitude) or have no downside, Calmar without a drawdown,
turnover without a turnover series, hit rate and cost without trades.

Bootstrap test (:func:`sharpe_pvalue`). H0: Sharpe ≤ 0. The returns are centred (mean 0, the
boundary of H0) and resampled with the stationary bootstrap of Politis & Romano (1994)
(``arch.bootstrap.StationaryBootstrap``), which keeps serial dependence through blocks of
geometric length; the expected block length defaults to the Politis & White (2004) automatic
choice with the Patton, Politis & White (2009) correction
(``arch.bootstrap.optimal_block_length``, at least 1). The p-value is
``(1 + #{SR*_b ≥ SR}) / (1 + B)``, SR*_b being the Sharpe ratio of resample b: a studentised
statistic, so the resamples need not match the variance of the original.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from arch.bootstrap import StationaryBootstrap, optimal_block_length

from mslab import _validate

_FLAT_RTOL = 1e-12


@dataclass(frozen=True)
class Performance:
    """Metrics of one return series (see the module docstring); NaN where undefined."""

    n_periods: int
    annual_return: float
    annual_volatility: float
    sharpe: float
    sortino: float
    max_drawdown: float
    calmar: float
    cagr: float
    turnover: float
    n_trades: int
    hit_rate: float
    avg_cost_bps: float

    def to_series(self) -> pd.Series:
        return pd.Series(asdict(self), name="performance")


@dataclass(frozen=True)
class SharpeTest:
    """Annualised Sharpe ratio, its stationary-bootstrap p-value under H0: Sharpe ≤ 0, the
    expected block length used, the number of resamples and the seed."""

    sharpe: float
    p_value: float
    block_length: float
    n_boot: int
    seed: int


def performance(returns: object, *, turnover: object = None, trades: pd.DataFrame | None = None,
                periods_per_year: int = 252) -> Performance:
    """Metrics of ``returns``; ``turnover`` (traded notional / capital, one per period) and
    ``trades`` (a table with columns ``pnl``, ``cost``, ``traded_notional``, as in
    :class:`mslab.pairs.backtest.BacktestResult`) are optional."""
    r = _returns(returns)
    ann = _validate.integer("periods_per_year", periods_per_year, low=1)
    mean, sd = r.mean(), r.std(ddof=1)
    to = float("nan")
    if turnover is not None:
        tv = _returns(turnover, "turnover")
        if tv.size != r.size:
            raise ValueError(f"turnover has {tv.size} values but returns has {r.size}: one per "
                             "period is needed")
        to = float(tv.mean() * ann)
    n_trades, hit, cost_bps = 0, float("nan"), float("nan")
    if trades is not None:
        missing = {"pnl", "cost", "traded_notional"} - set(trades.columns)
        if missing:
            _validate.fail("trades", f"<table with columns {list(trades.columns)}>",
                           f"a table with columns pnl, cost, traded_notional (missing "
                           f"{sorted(missing)})")
        n_trades = len(trades)
        if n_trades:
            hit = float((trades["pnl"].to_numpy() > 0).mean())
            traded = float(trades["traded_notional"].sum())
            if traded > 0:
                cost_bps = float(trades["cost"].sum() / traded * 1e4)
    mdd = max_drawdown(r)
    growth = cagr(r, periods_per_year=ann)
    return Performance(
        n_periods=int(r.size),
        annual_return=float(mean * ann),
        annual_volatility=float(sd * np.sqrt(ann)),
        sharpe=sharpe_ratio(r, periods_per_year=ann),
        sortino=sortino_ratio(r, periods_per_year=ann),
        max_drawdown=mdd,
        calmar=growth / mdd if mdd > 0 else float("nan"),
        cagr=growth,
        turnover=to,
        n_trades=n_trades,
        hit_rate=hit,
        avg_cost_bps=cost_bps,
    )


def sharpe_ratio(returns: object, *, periods_per_year: int = 252) -> float:
    """√A·mean/std (ddof = 1); NaN for constant returns."""
    r = _returns(returns)
    if _flat(r):
        return float("nan")
    return float(np.sqrt(periods_per_year) * r.mean() / r.std(ddof=1))


def sortino_ratio(returns: object, *, periods_per_year: int = 252) -> float:
    """√A·mean/DD with DD = √(mean(min(r, 0)²)); NaN without downside or for constant returns."""
    r = _returns(returns)
    dd = np.sqrt(np.mean(np.minimum(r, 0.0) ** 2))
    if _flat(r) or dd == 0.0:
        return float("nan")
    return float(np.sqrt(periods_per_year) * r.mean() / dd)


def max_drawdown(returns: object) -> float:
    """Largest fall of the wealth W_t = Π(1 + r) from its running peak (W_0 = 1 included), as
    a positive fraction (1 = ruin)."""
    r = _returns(returns)
    wealth = np.concatenate(([1.0], np.cumprod(1.0 + r)))
    peak = np.maximum.accumulate(wealth)
    return float(min(1.0, np.max(1.0 - wealth / peak)))


def cagr(returns: object, *, periods_per_year: int = 252) -> float:
    """Compound annual growth W_n^{A/n} − 1 (−1 after ruin)."""
    r = _returns(returns)
    final = float(np.prod(1.0 + r))
    if final <= 0.0:
        return -1.0
    return float(final ** (periods_per_year / r.size) - 1.0)


def sharpe_pvalue(returns: object, *, n_boot: int = 999, seed: int = 0,
                  block_length: float | None = None, periods_per_year: int = 252) -> SharpeTest:
    """Stationary-bootstrap p-value of the Sharpe ratio under H0: Sharpe ≤ 0 (module
    docstring). Reproducible for a given ``seed``; NaN p-value (and block length, unless
    given) for constant returns."""
    r = _returns(returns)
    n_boot = _validate.integer("n_boot", n_boot, low=1)
    seed = _validate.seed("seed", seed)
    ann = _validate.integer("periods_per_year", periods_per_year, low=1)
    if block_length is not None:
        block_length = _validate.real("block_length", block_length, low=1.0)
    sr = sharpe_ratio(r, periods_per_year=ann)
    if not np.isfinite(sr):
        return SharpeTest(sharpe=sr, p_value=float("nan"), block_length=float("nan")
                          if block_length is None else block_length, n_boot=n_boot, seed=seed)
    block = (max(1.0, float(optimal_block_length(r)["stationary"].iloc[0]))
             if block_length is None else block_length)
    boot = StationaryBootstrap(block, r - r.mean(), seed=np.random.default_rng(seed))
    stats = boot.apply(_raw_sharpe, n_boot).ravel() * np.sqrt(ann)
    p = (1.0 + np.count_nonzero(stats >= sr)) / (1.0 + n_boot)
    return SharpeTest(sharpe=sr, p_value=float(p), block_length=block, n_boot=n_boot, seed=seed)


def _raw_sharpe(z: np.ndarray) -> float:
    """Per-period Sharpe of a resample; −inf for a constant one (never counted as ≥ SR)."""
    return -np.inf if _flat(z) else z.mean() / z.std(ddof=1)


def _flat(r: np.ndarray) -> bool:
    scale = np.max(np.abs(r))
    return bool(np.ptp(r) <= _FLAT_RTOL * scale) if scale > 0 else True


def _returns(returns: object, name: str = "returns") -> np.ndarray:
    r = np.asarray(returns, dtype=float)
    if r.ndim != 1 or r.size < 2:
        _validate.fail(f"{name}.shape", r.shape, "(n,) with n >= 2: one value per period")
    bad = ~np.isfinite(r)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = f" ({returns.index[i]})" if isinstance(returns, pd.Series) else ""
        raise ValueError(f"{name}[{i}]{where} is {float(r[i])!r}: every value must be finite "
                         f"({int(bad.sum())} bad value(s) in all)")
    return r
