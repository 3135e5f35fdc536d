"""Property-based extremes (hypothesis) for the performance metrics, the pairs library, the
selection-bias helpers, the sweeps and the order-book metrics/snapshot backtest.

Every public function is called with one parameter replaced by an extreme or malformed value
(NaN, ±inf, huge and tiny numbers, wrong types, empty containers, ...). The promise checked:
a ``ValueError`` whose message names that parameter, or a result whose numbers are finite (or
NaN exactly where :mod:`mslab.performance` defines a metric as undefined), within a time bound.
"""

from __future__ import annotations

import math
import time
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mslab import performance as perf
from mslab import selection_bias, sweeps
from mslab.orderbook import MarketMakingResult, Fills, compute_metrics
from mslab.orderbook.snapshot import backtest_snapshots, infer_periods_per_year
from mslab.pairs import (
    backtest_pair,
    check_prices,
    cointegration_rule,
    distance_pairs,
    fit_ou,
    gatev_rule,
    kalman_hedge,
    kalman_trading,
    choose_pairs,
    describe_pairs,
    load_prices,
    make_synthetic_universe,
    read_prices,
    require_universe,
    memoised,
    ols_hedge,
    pair_prices,
    rolling_ols_hedge,
    rolling_sscore,
    rolling_zscore,
    score_positions,
    selection_power,
    summary_table,
    walk_forward,
    year_blocks,
)
from mslab.pairs.allocation import (
    allocate,
    kelly_weights,
    mean_variance_weights,
    risk_parity_weights,
    weight_bootstrap,
)

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,  # time bound: _check
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TIME_BOUND = 10.0  # seconds for any single call

EXTREME = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2, 10**9, 10**12, 10**18]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, -1e-300, 1e300, float("nan"), float("inf"), 0.5, 1.5]),
    st.text(max_size=5), st.sampled_from(["", "nan", "2020-01-01", "NaT", "abc"]),
    st.lists(st.floats(allow_nan=True), max_size=4), st.just([]), st.just({}),
    st.just(pd.DataFrame()), st.just(np.array([np.nan])), st.just(object()),
)


def _prices(n: int = 300, seed: int = 0) -> pd.DataFrame:
    g = np.random.default_rng(seed)
    common = np.cumsum(g.normal(0, 0.01, n))
    logp = common[:, None] + np.cumsum(g.normal(0, 0.005, (n, 3)), axis=0)
    return pd.DataFrame(50 * np.exp(logp), index=pd.bdate_range("2010-01-04", periods=n),
                        columns=["A", "B", "C"])


PRICES = _prices()
STRATEGY_RETURNS = pd.DataFrame(np.random.default_rng(5).normal(0.0005, 0.01, (150, 3)),
                                index=pd.bdate_range("2010-01-04", periods=150))
COV = np.array([[1e-4, 2e-5], [2e-5, 4e-4]])
Y, X = PRICES["A"], PRICES["B"]
SPREAD = np.log(Y) - np.log(X)
RETURNS = np.random.default_rng(3).normal(0.0005, 0.01, 200)
SNAPSHOTS = pd.DataFrame({
    "midpoint": 100 + np.cumsum(np.random.default_rng(4).normal(0, 0.05, 60)),
    "spread": np.full(60, 0.02), "buys": np.full(60, 500.0), "sells": np.full(60, 500.0),
    "bids_distance_0": np.full(60, -1e-4), "asks_distance_0": np.full(60, 1e-4)})
SWEEP_TABLE = pd.DataFrame({
    "instrument": ["X"] * 6, "split": ["validation", "test"] * 3,
    "params_json": ['{"a":1}', '{"a":1}', '{"a":2}', '{"a":2}', '{"a":3}', '{"a":3}'],
    "sharpe": [0.1, 0.2, 0.5, -0.1, 0.3, 0.0], "n_periods": [100] * 6,
    "periods_per_year": [252.0] * 6})


def _backtest_result() -> MarketMakingResult:
    """A small order-book backtest result (equity path, no fills) for compute_metrics."""
    equity = np.array([0.0, 2.0, 1.0, 4.0, 2.5, 3.0])
    empty = np.zeros(0)
    fills = Fills(time=empty, side=empty.astype(int), price=empty, qty=empty.astype(int),
                  maker=empty.astype(bool), fee=empty, sent=empty, message=empty.astype(int))
    return MarketMakingResult(params={"sample_interval": 1.0}, times=np.arange(6.0), equity=equity,
                          cash=equity, inventory=np.zeros(6, np.int64), mid=np.ones(6),
                          fees=np.zeros(6), fills=fills)


def _finite(value: object) -> bool:
    """Every number in ``value`` is finite, or NaN where a metric is documented as undefined
    (NaN is accepted in results: each module documents when it returns it)."""
    if isinstance(value, (bool, np.bool_, str)) or value is None:
        return True
    if isinstance(value, (int, np.integer)):
        return True
    if isinstance(value, (float, np.floating)):
        return not math.isinf(value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "fc" or not np.isinf(value).any()
    if isinstance(value, (pd.Series, pd.DataFrame)):
        num = value.select_dtypes("number") if isinstance(value, pd.DataFrame) else value
        return not (pd.api.types.is_numeric_dtype(num.to_numpy().dtype)
                    and np.isinf(num.to_numpy(dtype=float, na_value=np.nan)).any())
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return all(_finite(getattr(value, f)) for f in value.__dataclass_fields__)
    return True


_WARM: set[str] = set()


def _check(func, kwargs: dict, name: str, value: object) -> None:
    if func.__name__ not in _WARM:      # compile the kernels outside the time bound
        _WARM.add(func.__name__)
        try:
            func(**kwargs)
        except ValueError:
            pass
    start = time.monotonic()
    try:
        result = func(**{**kwargs, name: value})
    except ValueError as exc:
        message = str(exc)
        assert name.split(".")[0] in message, f"{func.__name__}({name}={value!r}): {message}"
    else:
        assert _finite(result), f"{func.__name__}({name}={value!r}) returned {result!r}"
    assert time.monotonic() - start < TIME_BOUND, f"{func.__name__}({name}={value!r}) too slow"


# One row per public function: the function, valid keyword arguments, the parameters to attack.
CASES = {
    "sharpe_ratio": (perf.sharpe_ratio, dict(returns=RETURNS, periods_per_year=252),
                     ["returns", "periods_per_year"]),
    "sortino_ratio": (perf.sortino_ratio, dict(returns=RETURNS, periods_per_year=252),
                      ["returns", "periods_per_year"]),
    "sharpe_standard_error": (perf.sharpe_standard_error,
                              dict(returns=RETURNS, periods_per_year=252, method="lo"),
                              ["returns", "periods_per_year", "method"]),
    "sharpe_se_formula": (perf.sharpe_se_formula, dict(sharpe=1.0, n_periods=100,
                                                       periods_per_year=252),
                          ["n_periods", "periods_per_year"]),
    "annual_volatility": (perf.annual_volatility, dict(returns=RETURNS), ["returns",
                                                                         "periods_per_year"]),
    "max_drawdown": (perf.max_drawdown, dict(returns=RETURNS), ["returns"]),
    "equity_drawdown": (perf.equity_drawdown, dict(equity=np.cumsum(RETURNS)), ["equity"]),
    "cagr": (perf.cagr, dict(returns=RETURNS), ["returns", "periods_per_year"]),
    "calmar_ratio": (perf.calmar_ratio, dict(returns=RETURNS), ["returns", "periods_per_year"]),
    "hit_rate": (perf.hit_rate, dict(pnl=RETURNS), ["pnl"]),
    "breakeven_cost_bps": (perf.breakeven_cost_bps, dict(gross_annual_return=0.05,
                                                         annual_turnover=10.0),
                           ["gross_annual_return"]),
    "performance": (perf.performance, dict(returns=RETURNS), ["returns", "turnover", "trades",
                                                              "periods_per_year"]),
    "sharpe_pvalue": (perf.sharpe_pvalue, dict(returns=RETURNS, n_boot=9),
                      ["returns", "n_boot", "seed", "block_length", "periods_per_year"]),
    "split_slices": (selection_bias.split_slices, dict(n=100), ["n", "fractions"]),
    "expected_max_normal": (selection_bias.expected_max_normal, dict(n=10), ["n"]),
    "select_best": (selection_bias.select_best, dict(table=SWEEP_TABLE),
                    ["table", "metric", "select_on", "report_on"]),
    "selection_bias": (selection_bias.selection_bias, dict(table=SWEEP_TABLE),
                       ["table", "metric"]),
    "expand_grid": (sweeps.expand_grid, dict(grid={"a": [1, 2]}, fixed={"b": 1.0}),
                    ["grid", "fixed"]),
    "stratified_sample": (sweeps.stratified_sample,
                          dict(configs=[{"a": i % 2, "b": i} for i in range(6)], n=2, by="a"),
                          ["configs", "n", "by", "seed"]),
    "task_key": (sweeps.task_key, dict(function="f", version="1", instrument="X",
                                       split="test", params={"a": 1}), ["params"]),
    "compute_metrics": (compute_metrics, dict(result=_backtest_result()),
                        ["result", "seconds_per_year"]),
    "backtest_snapshots": (backtest_snapshots, dict(
        snapshots=SNAPSHOTS, spread_multiplier=1.0, fill_probability=0.7, max_inventory=5.0,
        inventory_penalty=0.001, periods_per_year=525960.0),
        ["snapshots", "spread_multiplier", "fill_probability", "max_inventory",
         "inventory_penalty", "fee_per_share", "slippage_per_volume", "order_size",
         "volume_units", "seed", "periods_per_year", "interval", "block_seconds"]),
    "infer_periods_per_year": (infer_periods_per_year,
                               dict(system_time=pd.date_range("2020", periods=5, freq="s")),
                               ["system_time"]),
    "check_prices": (check_prices, dict(prices=PRICES), ["prices", "min_rows", "positive"]),
    "pair_prices": (pair_prices, dict(y=Y, x=X), ["y", "x", "positive", "min_rows"]),
    "load_prices": (load_prices, dict(tickers=["KO", "PEP"]), ["tickers", "start", "end", "path"]),
    "read_prices": (read_prices, dict(), ["min_coverage", "strict"]),
    "choose_pairs": (choose_pairs, dict(prices=PRICES, wanted=[list(PRICES.columns[:2])]),
                     ["prices", "wanted", "n", "formation"]),
    "describe_pairs": (describe_pairs, dict(pairs=[["A", "B"]], values=["1"]), ["pairs", "values"]),
    "require_universe": (require_universe, dict(prices=PRICES, tickers={"pairs": 2}),
                         ["prices", "tickers", "days"]),
    "year_blocks": (year_blocks, dict(index=PRICES.index, years=1),
                    ["index", "years", "first_year", "min_days"]),
    "ols_hedge": (ols_hedge, dict(y=Y, x=X), ["y", "x", "intercept"]),
    "rolling_ols_hedge": (rolling_ols_hedge, dict(y=Y, x=X, window=20), ["y", "x", "window",
                                                                          "step"]),
    "kalman_hedge": (kalman_hedge, dict(y=SPREAD, x=np.log(X)),
                     ["y", "x", "delta", "obs_var", "initial_state", "initial_cov"]),
    "kalman_trading": (kalman_trading, dict(y=Y, x=X, delta=1e-5, obs_var=1e-4, burn_in=20),
                       ["y", "x", "delta", "obs_var", "entry", "cost_bps", "burn_in"]),
    "fit_ou": (fit_ou, dict(spread=SPREAD), ["spread", "dt"]),
    "rolling_zscore": (rolling_zscore, dict(spread=SPREAD, window=20), ["spread", "window"]),
    "rolling_sscore": (rolling_sscore, dict(spread=SPREAD, window=30),
                       ["spread", "window", "min_kappa"]),
    "score_positions": (score_positions, dict(score=SPREAD / SPREAD.std()),
                        ["score", "open_long", "close_long", "open_short", "close_short"]),
    "backtest_pair": (backtest_pair, dict(y=Y, x=X, signal=np.sign(np.sin(np.arange(300) / 9)),
                                          hedge=1.0),
                      ["y", "x", "signal", "hedge", "capital", "periods_per_year", "rehedge"]),
    "distance_pairs": (distance_pairs, dict(prices=PRICES), ["prices", "top_n"]),
    "make_synthetic_universe": (make_synthetic_universe, dict(n_pairs_coint=1, n_random_walks=1,
                                                              n_days=50),
                                ["n_pairs_coint", "n_random_walks", "n_days", "n_factors",
                                 "factor_vol", "idio_vol", "drift", "beta_range",
                                 "half_life_range", "sigma_eq_range", "seed", "start"]),
    "selection_power": (selection_power, dict(n_days=[60], n_universes=1, n_pairs_coint=1,
                                              n_stocks=3),
                        ["n_days", "n_universes", "n_pairs_coint", "n_stocks", "seed"]),
    "gatev_rule": (gatev_rule, dict(), ["top_n", "threshold"]),
    "cointegration_rule": (cointegration_rule, dict(), ["alpha", "top_n", "correction", "window",
                                                        "thresholds"]),
    "memoised": (memoised, dict(rule=gatev_rule()), ["rule"]),
    "walk_forward": (walk_forward, dict(prices=PRICES, rule=gatev_rule(top_n=1), formation=100,
                                        trading=60),
                     ["prices", "rule", "formation", "trading", "step", "capital"]),
    "summary_table": (summary_table, dict(runs={}), ["runs"]),
    "allocate": (allocate, dict(returns=STRATEGY_RETURNS, rule="risk_parity", lookback=60,
                                rebalance=20, min_history=20),
                 ["returns", "rule", "lookback", "rebalance", "min_history", "covariance_method",
                  "kelly_fraction", "max_leverage", "active"]),
    "risk_parity_weights": (risk_parity_weights, dict(cov=COV), ["cov", "tol", "max_iter"]),
    "kelly_weights": (kelly_weights, dict(mu=[1e-3, 2e-3], cov=COV),
                      ["mu", "cov", "fraction", "max_leverage"]),
    "mean_variance_weights": (mean_variance_weights, dict(mu=[1e-3, 2e-3], cov=COV), ["mu", "cov"]),
    "weight_bootstrap": (weight_bootstrap, dict(window=STRATEGY_RETURNS.to_numpy()[:60],
                                                rule="mean_variance", n_boot=20),
                         ["window", "rule", "n_boot", "seed", "covariance_method"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
@SETTINGS
@given(data=st.data())
def test_extreme_values_get_a_named_error_or_a_finite_result(case, data):
    func, kwargs, names = CASES[case]
    name = data.draw(st.sampled_from(names), label="parameter")
    value = data.draw(EXTREME, label="value")
    _check(func, kwargs, name, value)


@SETTINGS
@given(r=st.lists(st.floats(min_value=-0.5, max_value=0.5), min_size=0, max_size=40),
       scale=st.floats(min_value=1e-6, max_value=1e6))
def test_sharpe_is_scale_free_and_nan_only_when_undefined(r, scale):
    r = np.asarray(r)
    sr = perf.sharpe_ratio(r)
    assert math.isnan(sr) == perf.is_flat(r)
    if not math.isnan(sr):
        assert perf.sharpe_ratio(r * scale) == pytest.approx(sr, rel=1e-6, abs=1e-9)
        assert perf.sharpe_standard_error(r) >= 0.0
    assert 0.0 <= perf.max_drawdown(r) <= 1.0


@SETTINGS
@given(n=st.integers(min_value=-5, max_value=10**6),
       f=st.lists(st.floats(min_value=-1, max_value=2), min_size=0, max_size=4))
def test_split_slices_partition_or_refuse(n, f):
    try:
        slices = selection_bias.split_slices(n, f)
    except ValueError as exc:
        assert str(exc).startswith(("n=", "fractions="))
    else:
        covered = np.concatenate([np.arange(n)[s] for s in slices.values()])
        np.testing.assert_array_equal(covered, np.arange(n))
        assert all(s.stop - s.start >= 2 for s in slices.values())


@pytest.mark.parametrize("call,match", [
    (lambda: compute_metrics(3), r"^result='int' is not allowed"),
    (lambda: selection_bias.split_slices(100, 0.5), r"^fractions=0\.5 is not allowed"),
    (lambda: selection_bias.select_best(None), r"^table='NoneType' is not allowed"),
    (lambda: selection_bias.selection_bias(SWEEP_TABLE, metric="pnl"), r"^metric='pnl'"),
    (lambda: load_prices(path=3), r"^path=3 is not allowed"),
    (lambda: load_prices(["KO"], end=float("nan")), r"^end=nan is not allowed"),
    (lambda: check_prices(PRICES * -1, positive=None), r"^positive=None is not allowed"),
    (lambda: sweeps.expand_grid({"a": [1]}, fixed=1.0), r"^fixed=1\.0 is not allowed"),
    (lambda: make_synthetic_universe(n_days=10**12), r"^n_days=1000000000000 is not allowed"),
])
def test_reported_extremes(call, match):
    """The cases of issue 7 §5, each with the ValueError that names its parameter."""
    with pytest.raises(ValueError, match=match):
        call()
