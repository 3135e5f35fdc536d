"""Tests of mslab.funding.facts, .forecast and .basis: the reference file's 2020–2023 BTC facts,
HAC standard errors, gaps left missing, and a forecast that cannot look ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from mslab.data.funding import load_funding
from mslab.funding.basis import basis_series, mean_reversion
from mslab.funding.facts import (autocorrelations, hac_mean, on_grid, stylized_facts,
                                 yearly_means)
from mslab.funding.forecast import walk_forward_ar


@pytest.fixture(scope="module")
def btc():
    return load_funding(REPO / "data" / "funding" / "BTCUSDT_funding.parquet")


def value(table, stat):
    return float(table.loc[table["statistic"] == stat, "value"].iloc[0])


def test_reference_facts_2020_2023(btc):
    r = btc.rate["2020-01-01":"2023-12-31 23:59"]
    t = stylized_facts(r, 8.0)
    assert value(t, "settlements") == 4383
    assert value(t, "mean") == pytest.approx(1.37, abs=0.005)
    assert value(t, "median") == pytest.approx(1.00, abs=1e-9)
    assert value(t, "std") == pytest.approx(2.57, abs=0.005)
    assert value(t, "share positive") == pytest.approx(0.865, abs=0.0005)
    assert value(t, "share at interest") == pytest.approx(0.407, abs=0.0005)
    for q, ref in (("p5", -0.69), ("p95", 6.19), ("p99", 12.27)):
        assert value(t, q) == pytest.approx(ref, abs=0.02)
    assert value(t, "p1") == pytest.approx(-2.32, abs=0.05)
    assert value(t, "max") == 30.0 and value(t, "min") == -30.0  # the +-0.3 % cap
    for lag, ref in (("8 h", 0.79), ("1 day", 0.68), ("1 week", 0.44), ("30 days", 0.31)):
        assert value(t, f"autocorrelation {lag}") == pytest.approx(ref, abs=0.005)
    y = yearly_means(r, 8.0).set_index("year")["mean (bp)"]
    np.testing.assert_allclose(y.loc[[2020, 2021, 2022, 2023]], [1.57, 2.80, 0.38, 0.72],
                               atol=0.005)
    # the HAC se exceeds the iid one for this autocorrelated series
    row = t.set_index("statistic")
    assert row.loc["mean", "se"] > 2 * row.loc["mean (iid se)", "se"]


def test_eth_reference(btc):
    eth = load_funding(REPO / "data" / "funding" / "ETHUSDT_funding.parquet")
    t = stylized_facts(eth.rate["2020-01-01":"2023-12-31 23:59"], 8.0)
    assert value(t, "mean") == pytest.approx(1.69, abs=0.005)
    assert value(t, "share positive") == pytest.approx(0.875, abs=0.0005)
    assert value(t, "autocorrelation 8 h") == pytest.approx(0.78, abs=0.005)


def test_hac_mean_against_hand_formula():
    rng = np.random.default_rng(0)
    e = rng.standard_normal(2000)
    y = np.empty_like(e)
    y[0] = e[0]
    for i in range(1, y.size):
        y[i] = 0.8 * y[i - 1] + e[i]
    est = hac_mean(y, maxlags=5)
    u = y - y.mean()
    s = u @ u / y.size
    for k in range(1, 6):
        s += 2 * (1 - k / 6) * (u[k:] @ u[:-k]) / y.size
    assert est.se_hac == pytest.approx(np.sqrt(s / y.size), rel=1e-10)
    assert est.se_iid == pytest.approx(y.std(ddof=1) / np.sqrt(y.size))


def test_gaps_are_left_missing():
    idx = pd.date_range("2024-01-01", periods=200, freq="8h", tz="UTC")
    r = pd.Series(np.sin(np.arange(200) / 5.0) * 1e-4, index=idx)
    gappy = r.drop(idx[50:60])
    g = on_grid(gappy, 8.0)
    assert len(g) == 200 and g.isna().sum() == 10
    assert value(stylized_facts(gappy, 8.0), "missing settlements") == 10
    assert autocorrelations(gappy, 8.0)["8 h"] > 0.9


def test_a_nan_rate_is_refused_naming_rate():
    # a missing settlement is an absent row; a NaN rate (e.g. the grid of on_grid) is refused
    idx = pd.date_range("2023-12-01", periods=200, freq="8h", tz="UTC")
    gappy = on_grid(pd.Series(np.sin(np.arange(200) / 5.0) * 1e-4, index=idx).drop(idx[50:60]),
                    8.0)
    for call in (lambda: stylized_facts(gappy, 8.0), lambda: yearly_means(gappy, 8.0)):
        with pytest.raises(ValueError, match=r"^rate='<Series with 10 NaN rate\(s\)>'"):
            call()
    assert value(stylized_facts(gappy.dropna(), 8.0), "missing settlements") == 10


def test_forecast_uses_no_future_information():
    rng = np.random.default_rng(1)
    r = np.empty(1500)
    r[0] = 1e-4
    for i in range(1, r.size):
        r[i] = 2e-5 + 0.8 * r[i - 1] + 1e-5 * rng.standard_normal()
    f = walk_forward_ar(r, order=2, refit=50, min_train=200)
    assert np.isnan(f[:201]).all() and np.isfinite(f[300:]).all()
    for cut in (400, 777, 1200):
        changed = r.copy()
        changed[cut:] = rng.standard_normal(r.size - cut)  # rewrite the future
        g = walk_forward_ar(changed, order=2, refit=50, min_train=200)
        np.testing.assert_array_equal(f[:cut + 1], g[:cut + 1])  # f[cut] uses r up to cut-1
        assert not np.array_equal(f[cut + 1:], g[cut + 1:])
    # it learns the AR(1): forecast errors near the innovation scale
    assert np.std(r[300:] - f[300:]) < 1.2e-5
    with pytest.raises(ValueError, match="order"):
        walk_forward_ar(r, order=0)


def test_forecast_skips_missing_lags():
    r = np.full(600, 1e-4) + 1e-6 * np.arange(600) % 7
    r[400] = np.nan
    f = walk_forward_ar(r, order=3, refit=20, min_train=100)
    assert np.isnan(f[401:404]).all() and np.isfinite(f[404])


def test_basis_and_half_life_of_an_ou_path():
    dt, theta, n = 0.1, 2.0, 20_000
    rng = np.random.default_rng(3)
    phi = np.exp(-theta * dt)
    b = np.empty(n)
    b[0] = 0.0
    for i in range(1, n):
        b[i] = phi * b[i - 1] + rng.standard_normal()
    mr = mean_reversion(pd.Series(b - 3.0), dt)
    assert mr.half_life_s == pytest.approx(np.log(2) / theta, rel=0.05)
    assert mr.mu == pytest.approx(-3.0, abs=0.2)
    t = np.arange(0, 10_000_000_000, 250_000_000, dtype=np.int64)  # 10 s every 250 ms
    spot = pd.Series(100.0 + np.zeros(t.size), index=t)
    perp = pd.Series(100.05 + np.zeros(t.size), index=t + 100_000_000)
    s = basis_series(perp, spot, step_ms=1000)
    np.testing.assert_allclose(s.to_numpy(), 5.0, rtol=1e-9)
    with pytest.raises(ValueError, match="step_ms"):
        basis_series(perp, spot, step_ms=0)


def test_histories_report_gaps_and_irregular_spacing(tmp_path):
    from mslab.funding.history import grid_frame, load_histories, report_table

    frame = pd.read_parquet(REPO / "data" / "funding" / "ETHUSDT_funding.parquet")
    frame = frame.drop(index=frame.index[[100, 101, 102, 500]])
    frame.loc[frame.index[1000], "fundingTime"] += 2 * 3_600_000  # 2 h late: irregular
    path = tmp_path / "ETH_gappy.csv"
    frame.to_csv(path, index=False)
    h = load_histories([path, REPO / "data" / "funding" / "ETHUSDT_funding.parquet"])
    assert list(h) == ["ETH_gappy", "ETHUSDT"]
    t = report_table(h).set_index("file")
    assert t.loc["ETH_gappy", "missing settlements"] == 4
    assert t.loc["ETH_gappy", "irregular intervals"] == 2
    assert t.loc["ETHUSDT", "missing settlements"] == 0
    g = grid_frame(h["ETH_gappy"])
    assert g["rate"].isna().sum() == 4 and len(g) == len(grid_frame(h["ETHUSDT"]))
    with pytest.raises(ValueError, match="funding_files"):
        load_histories(str(path))
