"""Roll's spread and Kyle's lambda recover the parameters of simulated markets."""

import numpy as np
import pytest

from mslab.execution.estimators import kyle_lambda, roll_spread
from mslab.execution.tca import TradeTape


def _tape(time, price, size, side, qt, mid):
    return TradeTape(name="sim", time=time, price=price, size=size, side=side,
                     arrival_mid=np.interp(time, qt, mid), quote_time=qt, mid=mid, unit=1.0,
                     hidden=np.zeros(time.size, dtype=bool))


def test_roll_recovers_bid_ask_bounce():
    rng = np.random.default_rng(1)
    n, s, m0 = 200_000, 0.10, 100.0
    mid = m0 + np.cumsum(rng.normal(0, 0.01, n))
    side = rng.choice([-1.0, 1.0], n)
    t = np.arange(n, dtype=float)
    tape = _tape(t, mid + side * s / 2, np.ones(n), side, t, mid)
    assert roll_spread(tape) == pytest.approx(s / m0 * 1e4, rel=0.05)
    trend = _tape(t, np.arange(n, dtype=float) + 1.0, np.ones(n), side, t, mid)
    assert np.isnan(roll_spread(trend))  # autocovariance >= 0: undefined


def test_kyle_lambda_recovers_slope():
    rng = np.random.default_rng(2)
    n_int, per, lam = 2_000, 20, 0.05  # bps per sqrt($)
    t = np.sort(rng.uniform(0, n_int, n_int * per))
    side = rng.choice([-1.0, 1.0], t.size)
    size = rng.integers(1, 50, t.size).astype(float)
    price = np.full(t.size, 100.0)
    s = np.bincount(t.astype(int), weights=side * np.sqrt(price * size), minlength=n_int)
    ret = lam * s + rng.normal(0, 5.0, n_int)
    mid = 100.0 * np.cumprod(np.concatenate([[1.0], 1 + ret * 1e-4]))
    qt = np.arange(n_int + 1, dtype=float)
    est = kyle_lambda(_tape(t, price, size, side, qt, mid), 1.0)
    assert est.intervals == n_int and abs(est.slope - lam) < 4 * est.se
    # mid returns are compounded: the slope holds to first order
    assert est.slope == pytest.approx(lam, rel=0.1)
    with pytest.raises(ValueError, match="interval_s"):
        kyle_lambda(_tape(t, price, size, side, qt, mid), 1e6)
