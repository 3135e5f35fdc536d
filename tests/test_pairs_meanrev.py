"""Tests of mslab.pairs.meanrev: OU fit against statsmodels AutoReg/OLS and the simulated
truth, rolling z- and s-scores, the position state machine, and causality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.tsa.ar_model import AutoReg

from mslab.pairs import (
    fit_ou,
    make_synthetic_universe,
    rolling_sscore,
    rolling_zscore,
    score_positions,
)


@pytest.fixture(scope="module")
def ou_pair():
    u = make_synthetic_universe(1, 0, 20_000, seed=4, half_life_range=(10.0, 10.0),
                                sigma_eq_range=(0.05, 0.05))
    return u.pairs[0], u.spreads.iloc[:, 0]


def test_fit_ou_matches_autoreg_and_ols(ou_pair):
    _, spread = ou_pair
    x = spread.to_numpy()[:3000]
    fit = fit_ou(spread.iloc[:3000])
    ar = AutoReg(x, lags=1, trend="c").fit()
    ols = sm.OLS(x[1:], sm.add_constant(x[:-1])).fit()
    np.testing.assert_allclose([fit.a, fit.b], ar.params, rtol=1e-10)
    np.testing.assert_allclose([fit.a, fit.b], ols.params, rtol=1e-10)
    assert fit.resid_var == pytest.approx(ols.scale, rel=1e-10)
    assert fit.resid_var == pytest.approx(ar.sigma2 * ar.nobs / (ar.nobs - 2), rel=1e-10)
    assert fit.n_obs == 2999 and fit.mean_reverting
    # the OU inversion
    assert fit.kappa == pytest.approx(-np.log(fit.b), rel=1e-14)
    assert fit.mean == pytest.approx(fit.a / (1 - fit.b), rel=1e-14)
    assert fit.sigma_eq == pytest.approx(np.sqrt(fit.resid_var / (1 - fit.b**2)), rel=1e-14)
    assert fit.sigma == pytest.approx(fit.sigma_eq * np.sqrt(2 * fit.kappa), rel=1e-14)
    assert fit.half_life == pytest.approx(np.log(2) / fit.kappa, rel=1e-14)


def test_fit_ou_recovers_the_simulated_parameters(ou_pair):
    """20 000 days of an OU with half-life 10 days: the standard error of b is
    √((1 − b²)/n) ≈ 0.0026, i.e. about 4 % on κ ≈ 0.069."""
    p, spread = ou_pair
    fit = fit_ou(spread)
    se_b = np.sqrt((1 - fit.b**2) / fit.n_obs)
    assert abs(fit.b - np.exp(-p.kappa)) < 4 * se_b
    assert fit.half_life == pytest.approx(10.0, rel=0.15)
    assert fit.sigma_eq == pytest.approx(0.05, rel=0.05)
    assert fit.sigma == pytest.approx(p.sigma, rel=0.1)
    assert fit.mean == pytest.approx(p.mean, abs=4 * 0.05 * np.sqrt(2 / (p.kappa * 20_000)))


def test_fit_ou_time_unit(ou_pair):
    _, spread = ou_pair
    daily, yearly = fit_ou(spread), fit_ou(spread, dt=1 / 252)
    assert yearly.kappa == pytest.approx(252 * daily.kappa, rel=1e-12)
    assert yearly.half_life == pytest.approx(daily.half_life / 252, rel=1e-12)
    assert yearly.sigma == pytest.approx(np.sqrt(252) * daily.sigma, rel=1e-12)
    assert yearly.sigma_eq == pytest.approx(daily.sigma_eq, rel=1e-12)


def test_fit_ou_on_non_mean_reverting_series_gives_nan():
    idx = pd.bdate_range("2000-01-03", periods=500)
    trend = pd.Series(np.exp(np.linspace(0, 3, 500)), index=idx)  # explosive: b > 1
    fit = fit_ou(trend)
    assert fit.b > 1 and not fit.mean_reverting
    assert all(np.isnan(v) for v in (fit.kappa, fit.mean, fit.sigma, fit.sigma_eq, fit.half_life))
    alternating = pd.Series(np.tile([1.0, -1.0], 250) + np.linspace(0, 0.1, 500), index=idx)
    assert fit_ou(alternating).b < 0 and np.isnan(fit_ou(alternating).kappa)
    with pytest.raises(ValueError, match="constant"):
        fit_ou(pd.Series(np.ones(10), index=idx[:10]))
    with pytest.raises(ValueError, match="spread at .* is nan"):
        fit_ou(pd.Series([1.0, 2.0, np.nan, 1.0, 0.5], index=idx[:5]))
    with pytest.raises(ValueError, match="dt=0"):
        fit_ou(trend, dt=0)


def test_rolling_sscore_equals_fit_ou_on_each_window(ou_pair):
    _, spread = ou_pair
    s = spread.iloc[:400]
    ss = rolling_sscore(s, window=60, min_kappa=1 / 30)
    assert ss.iloc[:59].drop(columns="tradable").isna().all().all()
    assert not ss["tradable"].iloc[:59].any()
    for t in (59, 60, 123, 399):
        fit = fit_ou(s.iloc[t - 59:t + 1])
        row = ss.iloc[t]
        np.testing.assert_allclose(
            [row.a, row.b, row.kappa, row["mean"], row.sigma_eq],
            [fit.a, fit.b, fit.kappa, fit.mean, fit.sigma_eq], rtol=1e-12)
        assert row.sscore == pytest.approx((s.iloc[t] - fit.mean) / fit.sigma_eq, rel=1e-12)
        assert row.tradable == (fit.kappa > 1 / 30)
    # 60-day windows over-estimate κ (the AR(1) coefficient is biased down in short samples):
    # true κ = ln2/10 = 0.069, mean estimate well above
    assert ss["kappa"].iloc[59:].median() > 1.3 * np.log(2) / 10


def test_rolling_zscore_matches_definition(ou_pair):
    _, spread = ou_pair
    s = spread.iloc[:200]
    z = rolling_zscore(s, 20)
    assert z.iloc[:19].isna().all()
    for t in (19, 100, 199):
        w = s.iloc[t - 19:t + 1]
        assert z.iloc[t] == pytest.approx((s.iloc[t] - w.mean()) / w.std(ddof=1), rel=1e-10)


def _series(values):
    return pd.Series(values, index=pd.bdate_range("2020-01-01", periods=len(values)), dtype=float)


def test_positions_follow_avellaneda_lee_rules():
    s = _series([0.0, -1.3, -1.0, -0.6, -0.4, 0.5, 1.3, 1.0, 0.8, 0.7, 0.0, 2.0, -1.3, np.nan, 0.0])
    expected = [0, 1, 1, 1, 0, 0, -1, -1, -1, 0, 0, -1, 1, 1, 0]
    # open long < -1.25; hold until > -0.50; open short > 1.25; hold until < 0.75;
    # day 12: short closes (-1.3 < 0.75) and flips long at once; NaN holds
    assert score_positions(s).tolist() == expected
    assert score_positions(s).dtype == np.int8 and score_positions(s).name == "position"


def test_positions_tradable_gates_entries_only():
    s = _series([-1.5, -1.0, -0.3, -1.5, -1.5])
    tradable = pd.Series([False, True, True, True, False], index=s.index)
    assert score_positions(s, tradable).tolist() == [0, 0, 0, 1, 1]
    held = pd.Series([True, False, False, False, False], index=s.index)
    assert score_positions(s, held).tolist() == [1, 1, 0, 0, 0]


def test_positions_stop_loss_blocks_reentry_until_back_inside():
    s = _series([-1.5, -2.5, -3.2, -2.0, -1.3, -1.0, -1.4, 1.5, 3.5, 2.0, 1.0, 1.6])
    pos = score_positions(s, stop=3.0)
    assert pos.tolist() == [1, 1, 0, 0, 0, 0, 1, -1, 0, 0, 0, -1]
    assert score_positions(s).tolist()[:4] == [1, 1, 1, 1]  # no stop by default


def test_positions_gatev_and_chan_rules():
    z = _series([0.0, 2.1, 1.0, 0.1, -0.1, -2.2, -0.5, 0.3])
    ggr = score_positions(z, open_long=-2, close_long=0, open_short=2, close_short=0)
    assert ggr.tolist() == [0, -1, -1, -1, 0, 1, 1, 0]
    e = _series([0.0, -1.1, -1.05, -0.9, 1.2, 0.99])
    chan = score_positions(e, open_long=-1, close_long=-1, open_short=1, close_short=1)
    assert chan.tolist() == [0, 1, 1, 0, -1, 0]


def test_signals_are_causal(ou_pair):
    """Changing the spread after day t leaves every score and position up to t unchanged."""
    _, spread = ou_pair
    s = spread.iloc[:1500]
    t = 900
    moved = s.copy()
    moved.iloc[t + 1:] = moved.iloc[t + 1:] * -3 + 0.2
    for fn in (lambda x: rolling_sscore(x), lambda x: rolling_zscore(x, 60).to_frame()):
        a, b = fn(s), fn(moved)
        pd.testing.assert_frame_equal(a.iloc[:t + 1], b.iloc[:t + 1])
        assert not a.iloc[t + 1:].equals(b.iloc[t + 1:])
    ss, ss_m = rolling_sscore(s), rolling_sscore(moved)
    pos = score_positions(ss["sscore"], ss["tradable"], stop=4.0)
    pos_m = score_positions(ss_m["sscore"], ss_m["tradable"], stop=4.0)
    pd.testing.assert_series_equal(pos.iloc[:t + 1], pos_m.iloc[:t + 1])
    assert set(pos.unique()) == {-1, 0, 1}


@pytest.mark.parametrize("kwargs, match", [
    (dict(open_long=-0.4), "close_long=-0.5"),
    (dict(close_short=1.5), "close_short=1.5"),
    (dict(open_long=-1.0, close_long=2.0, open_short=-1.5, close_short=-2.0), "open_short=-1.5"),
    (dict(stop=1.0), "stop=1.0"),
    (dict(open_long=np.nan), "open_long=nan"),
])
def test_positions_reject_inconsistent_thresholds(kwargs, match):
    with pytest.raises(ValueError, match=match):
        score_positions(_series([0.0, 1.0]), **kwargs)


def test_scores_reject_bad_input():
    s = _series([0.0, 1.0, np.inf])
    with pytest.raises(ValueError, match="score at .* is inf"):
        score_positions(s)
    with pytest.raises(ValueError, match="misaligned"):
        score_positions(_series([0.0, 1.0]), pd.Series([True, True]))
    with pytest.raises(ValueError, match="tradable="):
        score_positions(_series([0.0, 1.0]), _series([1.0, 0.0]))
    with pytest.raises(ValueError, match="window=3"):
        rolling_sscore(_series(np.arange(10.0)), window=3)
    with pytest.raises(ValueError, match=r"len\(spread\)=10"):
        rolling_sscore(_series(np.arange(10.0)), window=60)
    with pytest.raises(ValueError, match="spread='ndarray'"):
        rolling_zscore(np.arange(10.0), 5)
