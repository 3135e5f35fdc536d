"""Tests of mslab.pairs.selection: distance ranking against brute force, Engle–Granger against
statsmodels and arch, Johansen against statsmodels, multiple-testing adjustments against their
definitions, and scoring against the synthetic truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from arch.unitroot.cointegration import engle_granger
from statsmodels.tsa.stattools import coint
from statsmodels.tsa.vector_ar.vecm import coint_johansen

from mslab.pairs import (
    adjust_pvalues,
    candidate_pairs,
    distance_pairs,
    engle_granger_pairs,
    johansen_pairs,
    load_crude,
    load_prices,
    make_synthetic_universe,
    score_methods,
    score_selection,
)


@pytest.fixture(scope="module")
def sp500():
    return load_prices()


def test_candidate_pairs():
    assert candidate_pairs(["A", "B", "C"]) == [("A", "B"), ("A", "C"), ("B", "C")]


def test_distance_pairs_matches_brute_force(sp500):
    window = sp500.loc["2005"]
    table = distance_pairs(window)
    assert len(table) == 190 and table["rank"].tolist() == list(range(1, 191))
    assert table["ssd"].is_monotonic_increasing
    norm = window / window.iloc[0]
    for _, row in table.sample(12, random_state=0).iterrows():
        d = norm[row.asset1] - norm[row.asset2]
        assert row.ssd == pytest.approx(float((d**2).sum()), rel=1e-12)
        assert row.spread_std == pytest.approx(float(d.std(ddof=1)), rel=1e-12)
    brute = sorted(((float(((norm[a] - norm[b]) ** 2).sum()), a, b)
                    for a, b in candidate_pairs(window.columns)))
    top = distance_pairs(window, top_n=5)
    assert list(zip(top.asset1, top.asset2)) == [(a, b) for _, a, b in brute[:5]]
    assert (top.asset1.iloc[0], top.asset2.iloc[0]) == ("BAC", "GE")


def test_engle_granger_pairs_is_statsmodels_coint_in_both_orderings(sp500):
    window = sp500.loc["2019":"2020", ["KO", "PEP", "XOM", "CVX"]]
    table = engle_granger_pairs(window)
    logp = np.log(window)
    for _, row in table.iterrows():
        s12 = coint(logp[row.asset1], logp[row.asset2])
        s21 = coint(logp[row.asset2], logp[row.asset1])
        assert (row.stat_12, row.pvalue_12) == pytest.approx(s12[:2], rel=1e-12)
        assert (row.stat_21, row.pvalue_21) == pytest.approx(s21[:2], rel=1e-12)
        assert row.pvalue == max(row.pvalue_12, row.pvalue_21)
        assert row.beta_12 == pytest.approx(np.polyfit(logp[row.asset2], logp[row.asset1], 1)[0])
    given = engle_granger_pairs(window, ordering="given", lags=2, log=False)
    assert "stat_21" not in given and (given.pvalue == given.pvalue_12).all()
    assert given.stat_12.iloc[0] == pytest.approx(
        coint(window.KO, window.PEP, maxlag=2, autolag=None)[0], rel=1e-12)


@pytest.mark.parametrize("trend", ["c", "ct"])
def test_engle_granger_agrees_with_arch(sp500, trend):
    """Same statistic as arch's engle_granger when both use the same lags (fixed, or AIC
    selection: arch defaults to BIC); p-values come from different MacKinnon approximations
    (statsmodels: MacKinnon 1994 surface; arch: its own response-surface fit) and differ by
    < 0.004 absolute, ~1.5 % relative."""
    full = sp500[["JPM", "MSFT", "PG", "JNJ", "KO", "PEP"]]
    recent = full.loc["2020":"2021"]
    for window, lags in ((full, 1), (full, 0), (recent, None)):
        table = engle_granger_pairs(window, trend=trend, lags=lags)
        logp = np.log(window)
        for _, row in table.iterrows():
            kw = dict(method="aic") if lags is None else dict(lags=lags)
            for tag, y, x in (("12", row.asset1, row.asset2), ("21", row.asset2, row.asset1)):
                ref = engle_granger(logp[y].to_numpy(), logp[x].to_numpy(), trend=trend, **kw)
                assert row[f"stat_{tag}"] == pytest.approx(ref.stat, abs=1e-6)
                assert row[f"pvalue_{tag}"] == pytest.approx(ref.pvalue, abs=0.005, rel=0.05)


def test_crude_oil_is_cointegrated_by_both_tests():
    crude = load_crude()
    eg = engle_granger_pairs(crude)
    assert eg.pvalue.iloc[0] < 1e-4
    assert eg.stat_21.iloc[0] == pytest.approx(-5.539573345785635, abs=1e-9)  # WTI on Brent
    jo = johansen_pairs(crude)
    row = jo.iloc[0]
    assert row.trace_reject and row.maxeig_reject and row["rank"] == 1
    assert row.trace_stat == pytest.approx(32.24395429, rel=1e-8)
    assert row.trace_crit == 15.4943 and row.maxeig_crit == 14.2639
    assert 1.0 < row.beta < 1.2  # log Brent ≈ β log WTI


# det_order 1, k_ar_diff 2: statsmodels itself; det_order 0, k_ar_diff 1: the jitted kernel.
@pytest.mark.parametrize("det_order,k_ar_diff,level,col,rel", [(1, 2, 0.99, 2, 1e-12),
                                                               (0, 1, 0.90, 0, 1e-10)])
def test_johansen_pairs_is_statsmodels_coint_johansen(sp500, det_order, k_ar_diff, level, col, rel):
    window = np.log(sp500.loc["2015":"2022", ["XOM", "CVX", "KO", "PEP"]])
    table = johansen_pairs(window, log=False, det_order=det_order, k_ar_diff=k_ar_diff, level=level)
    assert len(table) == 6 and table["trace_reject"].dtype == bool
    for _, row in table.iterrows():
        res = coint_johansen(window[[row.asset1, row.asset2]].to_numpy(), det_order, k_ar_diff)
        assert row.trace_stat == pytest.approx(res.lr1[0], rel=rel)
        assert row.maxeig_stat == pytest.approx(res.lr2[0], rel=rel)
        assert row.trace_stat_r1 == pytest.approx(res.lr1[1], rel=rel)
        assert (row.trace_crit, row.maxeig_crit, row.trace_crit_r1) == (
            res.cvt[0, col], res.cvm[0, col], res.cvt[1, col])
        assert row.trace_reject == (res.lr1[0] > res.cvt[0, col])
        assert row["rank"] == (0 if res.lr1[0] <= res.cvt[0, col]
                               else 1 if res.lr1[1] <= res.cvt[1, col] else 2)
        # the first eigenvector, normalised as asset1 − beta·asset2
        v = res.evec[:, 0]
        assert row.beta == pytest.approx(-v[1] / v[0], rel=rel)
    # symmetric in the two assets: same statistics, reciprocal beta
    swapped = johansen_pairs(window, [("CVX", "XOM")], log=False, det_order=det_order,
                             k_ar_diff=k_ar_diff)
    assert swapped.trace_stat.iloc[0] == pytest.approx(table.trace_stat.iloc[0], rel=1e-10)
    assert swapped.beta.iloc[0] == pytest.approx(1 / table.beta.iloc[0], rel=1e-8)


def test_adjust_pvalues_matches_definitions():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    out = adjust_pvalues(pd.DataFrame({"pvalue": p}), alpha=0.05)
    m = p.size
    np.testing.assert_allclose(out.p_bonferroni, np.minimum(1, p * m))
    # Benjamini–Hochberg: reject the k smallest, k = max{i : p_(i) <= i α/m}
    k = max(i for i in range(1, m + 1) if np.sort(p)[i - 1] <= i * 0.05 / m)
    assert out.reject_fdr_bh.sum() == k == 2
    bh = np.minimum.accumulate((p * m / np.arange(1, m + 1))[::-1])[::-1]
    np.testing.assert_allclose(out.p_fdr_bh, np.minimum(bh, 1))
    assert out.reject_raw.sum() == 5 and out.reject_bonferroni.sum() == 1


def test_scanning_all_190_sp500_pairs_finds_spurious_pairs(sp500):
    """Full sample, one lag: 18 of 190 pairs are 'cointegrated' at 5 % before any correction
    (about 0.05 × 190 ≈ 10 expected by chance alone); after Benjamini–Hochberg or Bonferroni
    only JPM/MSFT remains — a bank and a software company."""
    eg = adjust_pvalues(engle_granger_pairs(sp500, lags=1))
    assert len(eg) == 190
    assert eg.reject_raw.sum() == 18
    bh = eg[eg.reject_fdr_bh]
    assert list(zip(bh.asset1, bh.asset2)) == [("JPM", "MSFT")]
    assert bh.pvalue.iloc[0] < 1e-4
    assert eg.reject_bonferroni.sum() == 1
    pairs = {(a, b): p for a, b, p in zip(eg.asset1, eg.asset2, eg.pvalue)}
    assert 0.2 < pairs[("KO", "PEP")] and 0.4 < pairs[("CVX", "XOM")]


def test_score_selection_counts():
    truth = [("A", "B"), ("C", "D")]
    s = score_selection([("B", "A"), ("A", "C"), ("E", "F")], truth)
    assert (s.n_selected, s.n_true, s.true_positives, s.false_positives, s.false_negatives) == (
        3, 2, 1, 2, 1)
    assert (s.precision, s.recall, s.fdr) == pytest.approx((1 / 3, 1 / 2, 2 / 3))
    empty = score_selection([], truth)
    assert np.isnan(empty.precision) and empty.recall == 0 and empty.fdr == 0
    frame = pd.DataFrame({"asset1": ["C"], "asset2": ["D"]})
    assert score_selection(frame, truth).precision == 1.0


def test_score_methods_on_an_easy_universe():
    """Fast mean reversion (half-lives 2–5 days) over 1500 days: every cointegration test
    finds every true pair; the distance method, which sees only co-movement, does not."""
    u = make_synthetic_universe(3, 5, 1500, seed=2, half_life_range=(2.0, 5.0),
                                sigma_eq_range=(0.01, 0.02))
    table = score_methods(u, alpha=0.05)
    assert list(table.index) == ["distance top 3", "Engle-Granger raw", "Engle-Granger bonferroni",
                                 "Engle-Granger fdr_bh", "Johansen trace", "Johansen max-eig"]
    assert (table.n_true == 3).all()
    assert (table.loc[table.index != "distance top 3", "recall"] == 1.0).all()
    assert table.loc["Engle-Granger bonferroni", "fdr"] == 0.0
    assert table.loc["Engle-Granger fdr_bh", "precision"] == 1.0
    assert table.loc["distance top 3", "n_selected"] == 3
    for _, row in table.iterrows():
        assert row.true_positives + row.false_positives == row.n_selected
        assert row.true_positives + row.false_negatives == row.n_true


@pytest.mark.parametrize("call, match", [
    (lambda p: distance_pairs(p, top_n=0), "top_n=0"),
    (lambda p: engle_granger_pairs(p, [("PG", "PG")]), "pairs="),
    (lambda p: engle_granger_pairs(p, [("PG", "ZZZ")]), "pairs="),
    (lambda p: engle_granger_pairs(p, trend="t"), "trend='t'"),
    (lambda p: engle_granger_pairs(p, ordering="max"), "ordering='max'"),
    (lambda p: engle_granger_pairs(p, lags=-1), "lags=-1"),
    (lambda p: johansen_pairs(p, k_ar_diff=0), "k_ar_diff=0"),
    (lambda p: johansen_pairs(p, det_order=2), "det_order=2"),
    (lambda p: johansen_pairs(p, level=0.975), "level=0.975"),
    (lambda p: adjust_pvalues(pd.DataFrame({"p": [0.1]}), alpha=0.0), "alpha=0.0"),
    (lambda p: adjust_pvalues(pd.DataFrame({"p": [0.1]})), "column='pvalue'"),
    (lambda p: adjust_pvalues(pd.DataFrame({"pvalue": [0.5, 1.5]})), r"pvalue\[1\]=1.5"),
])
def test_selection_rejects_bad_arguments(sp500, call, match):
    with pytest.raises(ValueError, match=match):
        call(sp500.iloc[:300, :4].assign(PG=sp500.PG.iloc[:300]))


def test_selection_rejects_missing_prices(sp500):
    window = sp500.iloc[:300, :4].copy()
    window.iloc[100, 2] = np.nan
    for fn in (distance_pairs, engle_granger_pairs, johansen_pairs):
        with pytest.raises(ValueError, match=r"prices\['BAC'\] on 1990-05-24 is missing"):
            fn(window)


def test_selection_power_averages_score_methods_over_universes():
    from mslab.pairs import selection_power

    table = selection_power([300], n_universes=2, n_pairs_coint=2, n_stocks=6, seed=7)
    one = [score_methods(make_synthetic_universe(2, 2, 300, seed=7 + k)) for k in range(2)]
    assert table["method"].tolist() == list(one[0].index)
    for row in table.itertuples():
        assert row.n_days == 300
        assert row.selected == pytest.approx(np.mean([s.loc[row.method, "n_selected"]
                                                      for s in one]))
        assert row.fdr == pytest.approx(np.mean([s.loc[row.method, "fdr"] for s in one]))
    with pytest.raises(ValueError, match=r"^n_days="):
        selection_power([], n_universes=1)
    with pytest.raises(ValueError, match=r"^n_universes="):
        selection_power([300], n_universes=0)


@pytest.mark.parametrize("trend, lags, log", [("c", 1, True), ("c", 0, True), ("n", 2, False),
                                              ("c", 3, False)])
def test_jitted_engle_granger_scan_is_statsmodels_coint(sp500, trend, lags, log):
    """Fixed lags with trend "c"/"n" run the jitted kernel: same statistics, p-values and
    slopes as statsmodels' coint and np.polyfit, pair by pair, both orderings."""
    window = sp500.iloc[2000:2252, :7]
    table = engle_granger_pairs(window, trend=trend, lags=lags, log=log)
    data = np.log(window) if log else window
    assert len(table) == 21
    for row in table.itertuples():
        for tag, (a, b) in (("12", (row.asset1, row.asset2)), ("21", (row.asset2, row.asset1))):
            stat, p, _ = coint(data[a], data[b], trend=trend, maxlag=lags, autolag=None)
            assert getattr(row, f"stat_{tag}") == pytest.approx(stat, rel=1e-11)
            assert getattr(row, f"pvalue_{tag}") == pytest.approx(p, rel=1e-10, abs=1e-14)
            assert getattr(row, f"beta_{tag}") == pytest.approx(
                np.polyfit(data[b], data[a], 1)[0], rel=1e-10)
        assert row.pvalue == max(row.pvalue_12, row.pvalue_21)


def test_jitted_engle_granger_collinear_pair_is_minus_infinity():
    x = np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, 300)))
    prices = pd.DataFrame({"A": x, "B": x ** 1.0000000001 * 2.0}, index=pd.bdate_range(
        "2020-01-01", periods=300))
    row = engle_granger_pairs(prices, lags=1).iloc[0]
    assert row.stat_12 == -np.inf and row.pvalue == 0.0


@pytest.mark.parametrize("regression", ["n", "c", "ct"])
def test_vectorised_mackinnon_pvalues_equal_statsmodels_bit_for_bit(regression):
    from statsmodels.tsa.adfvalues import mackinnonp

    from mslab.pairs.selection import _mackinnon_pvalues
    rng = np.random.default_rng(5)
    stats = np.concatenate([rng.uniform(-30.0, 5.0, 400), [-np.inf, -20.0, -1.0, 0.0, 3.0],
                            np.linspace(-19.5, 2.8, 200)])
    got = _mackinnon_pvalues(stats, regression, 2)
    want = np.array([mackinnonp(s, regression=regression, N=2) for s in stats])
    assert np.array_equal(got, want)
    assert got.min() == 0.0 and got.max() == 1.0 and 0.0 < np.median(got) < 1.0
