"""Tests of mslab.funding.carry: hand-worked carry P&L, fees, basis, liquidation, reversal,
no look-ahead, and the grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mslab.funding.carry import carry_backtest, carry_grid


def series(values):
    idx = pd.date_range("2024-01-01", periods=len(values), freq="8h", tz="UTC")
    return pd.Series(np.asarray(values, dtype=float), index=idx)


def test_hand_worked_always_in():
    n = 10
    rate = series(np.full(n, 2e-4))
    mark = np.full(n, 100.0)
    res = carry_backtest(rate, np.full(n, 2e-4), mark, leverage=2.0, fee=5e-4, entry=1e-4,
                         exit=0.0)
    r = res.frame["returns"].to_numpy()
    cap = 1.5
    # period 1: enter (2 legs x 5 bp) and earn 2 bp; later periods earn 2 bp
    assert r[0] == 0.0
    assert r[1] == pytest.approx((2e-4 - 2 * 5e-4) / cap)
    np.testing.assert_allclose(r[2:], 2e-4 / cap)
    assert res.n_entries == 1 and res.n_liquidations == 0
    assert list(res.frame["side"]) == [0] + [1] * (n - 1)


def test_reverse_basis_and_exit():
    rate = series([-3e-4, -3e-4, -3e-4, 1e-4, 1e-4])
    forecast = np.array([np.nan, -3e-4, -3e-4, 0.0, 0.0])
    res = carry_backtest(rate, forecast, np.full(5, np.nan), leverage=1.0, fee=0.0, entry=1e-4,
                         exit=0.5e-4)
    assert list(res.frame["side"]) == [0, -1, -1, 0, 0]
    r = res.frame["returns"].to_numpy() * 2.0  # capital 1 + 1/1
    # short perp receives s*rate = -1 * -3 bp = +3 bp; at exit the basis proxy moved from
    # rate[0] = -3 bp to rate[2] = -3 bp: no basis P&L
    np.testing.assert_allclose(r, [0, 3e-4, 3e-4, 0, 0], atol=1e-15)
    # with a basis move: entered at -3 bp, exited at -1 bp: side -1 gains -1*(-3 - -1) = +2 bp
    rate2 = series([-3e-4, -3e-4, -1e-4, 1e-4, 1e-4])
    r2 = carry_backtest(rate2, forecast, np.full(5, np.nan), leverage=1.0, fee=0.0,
                        entry=1e-4, exit=0.5e-4).frame["returns"].to_numpy() * 2.0
    np.testing.assert_allclose(r2, [0, 3e-4, 1e-4, 2e-4, 0], atol=1e-15)


def test_liquidation_of_the_short_leg():
    n = 6
    rate = series(np.full(n, 1e-4))
    mark = np.array([100.0, 100.0, 120.0, 160.0, 160.0, 160.0])
    # L = 3: margin 1/3; at 160 the short loses 0.6 > 1/3 - maintenance -> liquidated
    res = carry_backtest(rate, np.full(n, 2e-4), mark, leverage=3.0, fee=0.0, entry=1e-4,
                         exit=0.0, liquidation_fee=0.01, maintenance=0.004)
    assert res.frame["liquidated"].tolist() == [False, False, False, True, False, False]
    assert res.n_liquidations == 1 and res.n_entries == 2  # re-entered after liquidation
    r = res.frame["returns"].to_numpy() * (1 + 1 / 3)
    assert r[3] == pytest.approx(1e-4 - 0.01)
    # at leverage 1 the same path is survived
    safe = carry_backtest(rate, np.full(n, 2e-4), mark, leverage=1.0, fee=0.0)
    assert safe.n_liquidations == 0


def test_no_look_ahead():
    rng = np.random.default_rng(5)
    rate = series(1e-4 + 2e-4 * rng.standard_normal(300))
    forecast = np.concatenate(([np.nan], rate.to_numpy()[:-1]))  # last rate as forecast
    mark = 100 * np.exp(np.cumsum(0.01 * rng.standard_normal(300)))
    a = carry_backtest(rate, forecast, mark).frame
    cut = 150
    rate2 = rate.copy()
    rate2.iloc[cut:] = -rate2.iloc[cut:]
    f2 = np.concatenate(([np.nan], rate2.to_numpy()[:-1]))
    mark2 = mark.copy()
    mark2[cut:] *= 3
    b = carry_backtest(rate2, f2, mark2).frame
    pd.testing.assert_frame_equal(a.iloc[:cut], b.iloc[:cut])


def test_grid_and_validation():
    rate = series(np.full(50, 2e-4))
    g = carry_grid(rate, np.full(50, 2e-4), np.full(50, 100.0), leverages=[1, 5],
                   fees=[0.0, 1e-3])
    assert len(g) == 4
    low = g[(g.leverage == 1) & (g.fee_bp == 0)].annual_return.iloc[0]
    high = g[(g.leverage == 5) & (g.fee_bp == 0)].annual_return.iloc[0]
    assert high > low  # less capital per unit notional
    with pytest.raises(ValueError, match="leverage"):
        carry_backtest(rate, np.zeros(50), np.zeros(50), leverage=0.5)
    with pytest.raises(ValueError, match="forecast"):
        carry_backtest(rate, np.zeros(49), np.zeros(50))
    with pytest.raises(ValueError, match="exit"):
        carry_backtest(rate, np.zeros(50), np.zeros(50), entry=1e-4, exit=2e-4)
