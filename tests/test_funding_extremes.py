"""Regression tests of mslab.funding at the extremes: each defect the property suite
(tests/test_properties.py) found is refused with a ValueError naming the parameter, or gives a
finite result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mslab import _validate
from mslab.funding import (FundingRule, average_premium, carry_backtest, carry_grid,
                           funding_cashflows, hac_mean, load_histories, mean_reversion,
                           monte_carlo_price, newey_west_lags, on_grid, report_table, sample_mid,
                           simulate_premium, walk_forward_ar, yearly_means)

RATE = pd.Series(1e-4 * (1 + np.sin(np.arange(30))),
                 index=pd.date_range("2024-01-01", periods=30, freq="8h", tz="UTC"))
MARK = np.full(30, 42_000.0)
MIDS = pd.Series(100.0 + np.sin(np.arange(5)), index=10**9 + np.arange(5) * 10**6)
RULE = FundingRule("test (5 min)", 1 / 12, 1e-4, 5e-4, 3e-3, sample_seconds=60.0)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: carry_backtest(RATE, "abc", MARK), "^forecast="),
    (lambda: carry_backtest(RATE, RATE.to_numpy(), [[1.0], [2.0, 3.0]]), "^mark="),
    (lambda: carry_backtest(RATE, RATE.to_numpy(), MARK, entry=0.0), "entry = 0.0"),
    (lambda: carry_grid(RATE, RATE.to_numpy(), MARK, leverages=[1.0, 200.0], fees=[0.0]),
     "^leverages="),
    (lambda: carry_grid(RATE, RATE.to_numpy(), MARK, leverages=[1.0], fees=[0.5]), "^fees="),
    (lambda: funding_cashflows([1e308], [1e308], [1.0]), "^position, mark, rate:"),
    (lambda: on_grid(RATE, 1e308), "^interval_hours="),
    (lambda: on_grid(0, 8.0), "^rate="),
    (lambda: yearly_means(0, 8.0), "^rate="),
    (lambda: newey_west_lags([]), "^n="),
    (lambda: report_table(0), "^histories="),
    (lambda: sample_mid(0, np.arange(3)), "^mid="),
    (lambda: sample_mid(MIDS, 0), "^grid_ns="),
    (lambda: sample_mid(MIDS.iloc[::-1], np.arange(3)), "^mid="),
    (lambda: walk_forward_ar([[1.0], [2.0, 3.0]]), "^rate="),
    (lambda: mean_reversion("abc", 1.0), "^basis="),
    (lambda: monte_carlo_price(0.3, -6.85e165, 0.05, 0.01, n_paths=100), "iota"),
    (lambda: hac_mean([2.3e188, -1e188, 3e188, 0.0]), "^values:"),
    (lambda: simulate_premium(RULE, 2, vol_per_sqrt_hour=1.7e308), "vol_per_sqrt_hour"),
    (lambda: average_premium([1e-4, 2e-4, 0.0, -1e-4], 3), "^samples_per_interval="),
    (lambda: load_histories([3.0]), "^paths="),
])
def test_extremes_are_refused_naming_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_an_integer_kappa_beyond_int64_gives_a_finite_price():
    res = monte_carlo_price(2**70, 0.0, 0.05, 0.01, n_paths=100)
    assert np.isfinite([res.ratio, res.standard_error, res.closed_form]).all()


def test_grid_and_forecast_work_are_bounded(monkeypatch):
    monkeypatch.setattr(_validate, "MAX_ELEMENTS", 100)
    with pytest.raises(ValueError, match="^rate, interval_hours: .*MAX_ELEMENTS"):
        on_grid(RATE, 1 / 60)
    monkeypatch.setattr(_validate, "MAX_WORK", 100)
    with pytest.raises(ValueError, match="^rate, order, refit: .*MAX_WORK"):
        walk_forward_ar(RATE.to_numpy(), order=1, refit=1, min_train=3)
