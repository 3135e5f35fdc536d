"""Tests of mslab.funding.venues and mslab.funding.premium: hand-worked settlements and the
published rules."""

from __future__ import annotations

import numpy as np
import pytest

from mslab.funding.premium import (average_premium, funding_cashflows, premium_index,
                                   simulate_premium)
from mslab.funding.venues import (BINANCE_USDM, BINANCE_USDM_1H, BITMEX, DYDX_V4, HYPERLIQUID,
                                  FundingRule, rule_table)


def test_binance_rate_hand_worked():
    # dead zone [-0.04 %, 0.06 %] gives exactly the interest 0.01 %
    r = BINANCE_USDM.rate([-4e-4, 0.0, 6e-4])
    np.testing.assert_array_equal(r, [1e-4, 1e-4, 1e-4])
    # outside: F = P + clamp(I - P): 0.08 % -> 0.08 - 0.05 = 0.03 %; -0.1 % -> -0.05 %
    np.testing.assert_allclose(BINANCE_USDM.rate([8e-4, -1e-3]), [3e-4, -5e-4], rtol=1e-12)
    # cap +-0.3 %
    np.testing.assert_allclose(BINANCE_USDM.rate([0.02, -0.02]), [3e-3, -3e-3])
    assert BINANCE_USDM.dead_zone == pytest.approx((-4e-4, 6e-4))


def test_hourly_rules_pay_an_eighth_of_the_8h_rate():
    p = np.array([-0.02, -1e-3, 0.0, 8e-4, 0.02])
    np.testing.assert_allclose(BINANCE_USDM_1H.rate(p), BINANCE_USDM.rate(p) / 8)
    # Hyperliquid: interest 0.00125 %/h = 0.01 %/8 h; P = 0 -> 0.00125 % per hour
    assert HYPERLIQUID.rate(0.0) == pytest.approx(1.25e-5)
    # dYdX v4: no clamp, premium/8 + interest (0): P = 0.02 % -> 0.0025 %/h; cap 12 %/8 h
    assert DYDX_V4.rate(2e-4) == pytest.approx(2.5e-5)
    assert DYDX_V4.rate(1.0) == pytest.approx(0.12 / 8)


def test_bitmex_rule_and_schedules():
    assert BITMEX.cap == pytest.approx(0.004875)
    assert list(BITMEX.settlement_hours()) == [4.0, 12.0, 20.0]
    assert list(BINANCE_USDM.settlement_hours()) == [0.0, 8.0, 16.0]
    assert BINANCE_USDM.samples_per_interval == 5760
    assert len(rule_table()) == 5


def test_rule_validation():
    with pytest.raises(ValueError, match="cap"):
        FundingRule("x", 8.0, 1e-4, 5e-4, 0.0)
    with pytest.raises(ValueError, match="interval_hours"):
        FundingRule("x", 0.0, 1e-4, 5e-4, 1e-3)
    with pytest.raises(ValueError, match="premium"):
        BINANCE_USDM.rate([np.nan])


def test_premium_index_hand_worked():
    index = np.array([100.0, 100.0, 100.0])
    bid = np.array([100.05, 99.9, 99.8])
    ask = np.array([100.10, 100.1, 99.95])
    np.testing.assert_allclose(premium_index(index, bid, ask), [5e-4, 0.0, -5e-4], atol=1e-15)
    with pytest.raises(ValueError, match="impact_bid"):
        premium_index(index, ask, bid)


def test_linearly_weighted_average():
    # weights 1, 2, 3 -> (1*1 + 2*2 + 3*3)/6 = 14/6; second block (4+10+18)/6
    np.testing.assert_allclose(average_premium([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3),
                               [14 / 6, 32 / 6])
    with pytest.raises(ValueError, match="premium"):
        average_premium([1.0, 2.0], 3)


def test_simulator_reproduces_rule_and_is_deterministic():
    a = simulate_premium(BINANCE_USDM, 20, mean=2e-4, seed=3)
    b = simulate_premium(BINANCE_USDM, 20, mean=2e-4, seed=3)
    np.testing.assert_array_equal(a.rate, b.rate)
    np.testing.assert_array_equal(a.rate, BINANCE_USDM.rate(a.average_premium))
    # a large premium far outside the dead zone pays P - 0.05 % on average
    c = simulate_premium(BINANCE_USDM, 50, mean=2e-3, half_spread=0.0, vol_per_sqrt_hour=1e-5,
                         seed=1)
    assert np.mean(c.rate) == pytest.approx(2e-3 - 5e-4 + 0.0, rel=2e-2)
    # stationary OU with zero mean and no impact spread: average premium near 0
    d = simulate_premium(BINANCE_USDM, 200, mean=0.0, half_spread=0.0, seed=2)
    assert abs(d.average_premium.mean()) < 4 * d.average_premium.std() / np.sqrt(200) + 1e-9
    with pytest.raises(ValueError, match="n_intervals"):
        simulate_premium(BINANCE_USDM, 10**6)


def test_cashflows_sign():
    # a long of 2 BTC at 50,000 pays 0.01 % = 10 USDT; a short receives it
    np.testing.assert_allclose(funding_cashflows([2.0, -2.0], 50_000.0, 1e-4), [-10.0, 10.0])
    with pytest.raises(ValueError, match="mark"):
        funding_cashflows(1.0, -1.0, 1e-4)


def test_hand_worked_binance_settlement_from_impact_prices():
    n = BINANCE_USDM.samples_per_interval
    index = np.full(n, 100.0)
    # impact bid 0.08 % above the index in the second half of the interval only
    bid = np.where(np.arange(n) >= n // 2, 100.08, 99.99)
    ask = bid + 0.02
    p = premium_index(index, bid, ask)
    pbar = average_premium(p, n)[0]
    # linear weights: the second half carries 1 - (n/2)(n/2 + 1)/(n(n + 1)) of the weight
    w = 1 - (n // 2) * (n // 2 + 1) / (n * (n + 1))
    assert pbar == pytest.approx(8e-4 * w, rel=1e-9)  # 0.05999 % (the plain mean: 0.04 %)
    assert BINANCE_USDM.rate(pbar) == 1e-4  # just inside the dead zone: exactly the interest
    bid = np.where(np.arange(n) >= n // 2, 100.10, 99.99)
    pbar = average_premium(premium_index(index, bid, bid + 0.02), n)[0]
    rate = BINANCE_USDM.rate(pbar)
    assert rate == pytest.approx(1e-3 * w - 5e-4, rel=1e-9)  # 0.075 % − 0.05 % clamp
    # a long of 2 BTC marked at 100 pays 2 * 100 * rate
    assert funding_cashflows(2.0, 100.0, rate) == pytest.approx(-200.0 * rate)
