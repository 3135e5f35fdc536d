"""Tests of mslab.pairs.data (stored S&P 500 prices, arch's crude oil, price checks) and
mslab.pairs.synthetic (the universe with known cointegrated pairs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.stattools import coint

from mslab.pairs import check_prices, load_crude, load_prices, make_synthetic_universe, pair_prices
from mslab.pairs.data import SP500_FILE, SP500_TICKERS

from conftest import REPO


@pytest.fixture(scope="module")
def sp500():
    return load_prices()


def test_sp500_file_is_the_skfolio_data_set(sp500):
    assert SP500_FILE.stat().st_size < 1_000_000
    assert sp500.shape == (8313, 20)
    assert tuple(sp500.columns) == SP500_TICKERS
    assert sp500.index[0] == pd.Timestamp("1990-01-02")
    assert sp500.index[-1] == pd.Timestamp("2022-12-28")
    assert sp500.index.is_monotonic_increasing and sp500.index.is_unique
    assert (sp500.dtypes == np.float64).all()
    assert np.isfinite(sp500.to_numpy()).all() and (sp500.to_numpy() > 0).all()
    # values printed in skfolio's own docstring example
    first = sp500.iloc[0]
    assert (first["AAPL"], first["AMD"], first["BAC"], first["XOM"]) == (0.264, 4.125, 4.599, 4.068)
    assert sp500.loc["1990-01-08", "BBY"] == 0.147
    # prices are stored as rounded to 0.001 $
    assert np.allclose(sp500.to_numpy() * 1000, np.round(sp500.to_numpy() * 1000), atol=1e-6)


def test_sp500_licence_and_readme_ship_with_the_data():
    licence = (REPO / "data" / "pairs" / "LICENSE-skfolio-data.txt").read_text()
    assert "BSD 3-Clause License" in licence and "skfolio developers" in licence
    assert "sp500_prices.parquet" in (REPO / "data" / "pairs" / "README.md").read_text()


def test_sp500_subset_and_dates(sp500):
    sub = load_prices(["PG", "JNJ"], start="2020-01-01", end="2021-12-31")
    assert list(sub.columns) == ["PG", "JNJ"]
    assert sub.index[0] == pd.Timestamp("2020-01-02")
    assert sub.index[-1] == pd.Timestamp("2021-12-31")
    pd.testing.assert_frame_equal(sub, sp500.loc["2020":"2021", ["PG", "JNJ"]])


@pytest.mark.parametrize("kwargs, match", [
    (dict(tickers=["PG", "XXX"]), "tickers="),
    (dict(tickers="PG"), "tickers="),
    (dict(tickers=["PG", "PG"]), "tickers="),
    (dict(start="2021-01-01", end="2020-01-01"), "end="),
    (dict(start="not a date"), "start="),
    (dict(start="2030-01-01"), "start="),
])
def test_sp500_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_prices(**kwargs)


def test_sp500_missing_file_names_the_regeneration_script(tmp_path):
    with pytest.raises(FileNotFoundError, match="extract_sp500.py"):
        load_prices(path=tmp_path / "nope.parquet")


def test_crude_is_clean_and_cointegrated():
    crude = load_crude()
    assert list(crude.columns) == ["Brent", "WTI"] and crude.shape == (393, 2)
    assert crude.index[0] == pd.Timestamp("1987-05-15")
    assert crude.index[-1] == pd.Timestamp("2020-01-15")
    assert crude.loc["1987-05-15", "WTI"] == 19.44
    stat, p, _ = coint(np.log(crude["WTI"]), np.log(crude["Brent"]))
    assert stat == pytest.approx(-5.539573345785635, abs=1e-9)
    assert p < 1e-4


def _table():
    idx = pd.bdate_range("2020-01-01", periods=5, name="date")
    return pd.DataFrame({"A": [1.0, 2, 3, 4, 5], "B": [5.0, 4, 3, 2, 1]}, index=idx)


def test_check_prices_names_column_and_date_of_a_missing_price():
    t = _table()
    t.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"prices\['B'\] on 2020-01-06 is missing \(NaN\)"):
        check_prices(t)
    t.iloc[3, 1] = -1.0
    with pytest.raises(ValueError, match=r"prices\['B'\] on 2020-01-06 is -1.0"):
        check_prices(t)
    # log-prices may be negative but not missing
    assert check_prices(t, positive=False).iloc[3, 1] == -1.0


@pytest.mark.parametrize("mutate, match", [
    (lambda t: t.iloc[[0, 2, 1, 3, 4]], r"dates out of order: row 2 \(2020-01-02\)"),
    (lambda t: t.iloc[[0, 1, 1, 2, 3]], r"duplicate date: row 2 \(2020-01-02\)"),
    (lambda t: t.reset_index(drop=True), r"prices.index='RangeIndex'"),
    (lambda t: t.set_axis(["A", "A"], axis=1), "'A' appears more than once"),
    (lambda t: t.assign(B=["x"] * 5), r"prices\['B'\].dtype"),
    (lambda t: t.iloc[:1], r"len\(prices\)=1"),
    (lambda t: t["A"], "prices='Series'"),
])
def test_check_prices_rejects_malformed_tables(mutate, match):
    with pytest.raises(ValueError, match=match):
        check_prices(mutate(_table()))


def test_pair_prices_reports_misaligned_dates():
    t = _table()
    y, x = t["A"], t["B"].drop(t.index[2])
    with pytest.raises(ValueError, match="misaligned: y has a price on 2020-01-03 but x does not"):
        pair_prices(y, x)
    with pytest.raises(ValueError, match="x has a price on 2020-01-06 but y does not"):
        pair_prices(t["A"].iloc[:3], t["B"].iloc[:4])
    ok = pair_prices(y, t["B"].drop(t.index[2]).reindex(y.index).fillna(3.0))
    assert list(ok.columns) == ["A", "B"]
    with pytest.raises(ValueError, match=r"prices\['B'\] on 2020-01-03 is missing"):
        pair_prices(y, t["B"].drop(t.index[2]).reindex(y.index))
    with pytest.raises(ValueError, match="y='ndarray'"):
        pair_prices(y.to_numpy(), x)


# --- synthetic universe -------------------------------------------------------------------

def test_synthetic_universe_ground_truth_is_exact():
    u = make_synthetic_universe(n_pairs_coint=3, n_random_walks=4, n_days=500, seed=7)
    assert u.prices.shape == (500, 10)
    assert list(u.prices.columns) == ["Y00", "X00", "Y01", "X01", "Y02", "X02",
                                      "R00", "R01", "R02", "R03"]
    assert u.true_pairs == {frozenset(("Y00", "X00")), frozenset(("Y01", "X01")),
                            frozenset(("Y02", "X02"))}
    logp = np.log(u.prices)
    for p in u.pairs:
        spread = logp[p.y] - p.beta * logp[p.x]
        np.testing.assert_allclose(spread, u.spreads[f"{p.y}/{p.x}"], rtol=0, atol=1e-12)
        assert 0.5 <= p.beta <= 1.5 and 5.0 <= p.half_life <= 60.0 and 0.02 <= p.sigma_eq <= 0.08
        assert p.sigma_eq == pytest.approx(p.sigma / np.sqrt(2 * p.kappa), rel=1e-14)
    assert u.prices.index[0] == pd.Timestamp("2000-01-03") and u.prices.index.freqstr == "B"


def test_synthetic_universe_is_seeded_and_streams_are_stable():
    a = make_synthetic_universe(2, 3, 300, seed=11)
    b = make_synthetic_universe(2, 3, 300, seed=11)
    pd.testing.assert_frame_equal(a.prices, b.prices)
    assert not np.allclose(make_synthetic_universe(2, 3, 300, seed=12).prices, a.prices)
    # more random walks and more days leave the pairs already drawn unchanged
    c = make_synthetic_universe(2, 6, 400, seed=11)
    assert c.pairs == a.pairs
    np.testing.assert_allclose(c.prices.iloc[:300, :7], a.prices.iloc[:, :7], rtol=1e-14)


def test_synthetic_spread_has_its_ou_law():
    """Long sample: the spread's mean, stationary sd and lag-1 autocorrelation match m,
    σ_eq and e^{−κ} within sampling error (AR(1) with ρ ≈ 0.98: n_eff ≈ n(1−ρ)/(1+ρ))."""
    u = make_synthetic_universe(1, 1, 40_000, seed=3, half_life_range=(20.0, 20.0),
                                sigma_eq_range=(0.05, 0.05))
    p = u.pairs[0]
    s = u.spreads.iloc[:, 0].to_numpy()
    rho = np.exp(-p.kappa)
    n_eff = s.size * (1 - rho) / (1 + rho)
    assert abs(s.mean() - p.mean) < 4 * p.sigma_eq / np.sqrt(n_eff)
    assert s.std() == pytest.approx(p.sigma_eq, rel=4 / np.sqrt(2 * n_eff))
    lag1 = np.corrcoef(s[1:], s[:-1])[0, 1]
    assert lag1 == pytest.approx(rho, abs=4 * (1 - rho**2) / np.sqrt(s.size))


def test_synthetic_free_stocks_follow_the_factor_model():
    u = make_synthetic_universe(0, 30, 4000, seed=5, factor_vol=0.01, idio_vol=0.01, drift=0.0)
    r = np.diff(np.log(u.prices.to_numpy()), axis=0)
    # var = ℓ² σ_F² + σ_I² with ℓ ~ U(0.5, 1.5): between 1.25e-4 and 3.25e-4
    assert np.all((r.var(axis=0) > 1.1e-4) & (r.var(axis=0) < 3.5e-4))
    corr = np.corrcoef(r.T)[np.triu_indices(30, 1)]
    assert 0.2 < corr.mean() < 0.6  # ℓℓ'/√((ℓ²+1)(ℓ'²+1)), about 0.47 on average
    no_factor = make_synthetic_universe(0, 30, 4000, seed=5, n_factors=0, drift=0.0)
    r0 = np.diff(np.log(no_factor.prices.to_numpy()), axis=0)
    assert abs(np.corrcoef(r0.T)[np.triu_indices(30, 1)].mean()) < 0.01


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_pairs_coint=0, n_random_walks=1), "n_random_walks=1"),
    (dict(n_pairs_coint=-1), "n_pairs_coint=-1"),
    (dict(n_days=1), "n_days=1"),
    (dict(idio_vol=0.0), "idio_vol=0.0"),
    (dict(beta_range=(1.5, 0.5)), "beta_range"),
    (dict(half_life_range=(0.0, 5.0)), "half_life_range"),
    (dict(sigma_eq_range=0.05), "sigma_eq_range"),
    (dict(seed=-1), "seed=-1"),
    (dict(start="soon"), "start="),
])
def test_synthetic_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_synthetic_universe(**kwargs)


# ----------------------------------------------------------------- calendar blocks, extremes

from mslab.pairs import describe_year_blocks, year_blocks  # noqa: E402


def test_year_blocks_count_and_the_shorter_last_block():
    idx = load_prices(["KO"]).index                        # 1990-01-02 .. 2022-12-28
    blocks = year_blocks(idx, 5)
    assert blocks["label"].tolist() == ["1990–1994", "1995–1999", "2000–2004", "2005–2009",
                                        "2010–2014", "2015–2019", "2020–2022"]
    assert blocks["n_years"].tolist() == [5] * 6 + [3]
    assert blocks["n_days"].sum() == len(idx) and blocks["start"].iloc[0] == 0
    assert (blocks["start"].iloc[1:].to_numpy() == blocks["stop"].iloc[:-1].to_numpy()).all()
    late = idx[idx.year >= 1994]                          # one year of the first block left
    assert year_blocks(late, 5, first_year=1990)["label"].iloc[0] == "1990–1994"
    assert year_blocks(late, 5, first_year=1990, min_days=300)["label"].iloc[0] == "1995–1999"
    with pytest.raises(ValueError, match=r"^years=0"):
        year_blocks(idx, 0)
    assert describe_year_blocks(blocks, 5) == ("7 sub-periods, 6 of 5 years and 2020–2022 of "
                                               "3 years")
    assert describe_year_blocks(year_blocks(idx[idx.year < 2020], 5), 5) == \
        "6 sub-periods of 5 years"


def test_load_sp500_refuses_bad_path_and_nan_dates():
    with pytest.raises(ValueError, match=r"^path=3 is not allowed"):
        load_prices(path=3)
    for bad in (float("nan"), pd.NaT, "NaT"):
        with pytest.raises(ValueError, match=r"^end=.* is not allowed"):
            load_prices(["KO"], end=bad)
        with pytest.raises(ValueError, match=r"^start=.* is not allowed"):
            load_prices(["KO"], start=bad)


@pytest.mark.parametrize("flag", [None, 0, "yes", 1.0])
def test_positive_must_be_a_bool(flag):
    idx = pd.bdate_range("2020-01-01", periods=3)
    prices = pd.DataFrame({"A": [1.0, -2.0, 3.0]}, index=idx)
    with pytest.raises(ValueError, match=r"^positive=.* is not allowed"):
        check_prices(prices, positive=flag)
    with pytest.raises(ValueError, match=r"^positive="):
        pair_prices(prices["A"], prices["A"].rename("B"), positive=flag)
