"""Tests of mslab.pairs.read_prices (a reader's own price file, CSV or Parquet, checked and
reported as the other loaders of mslab.data are) and of mslab.pairs.universe (pairs chosen from
the data, the needs of a study checked up front)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mslab.data.report import DataValidationError
from mslab.pairs import (choose_pairs, describe_pairs, distance_pairs, load_prices, read_prices,
                         require_universe)
from mslab.pairs.data import SP500_FILE

TICKERS = ["AAPL", "MSFT", "JPM", "BAC"]


@pytest.fixture(scope="module")
def sp500():
    return load_prices()


def test_the_shipped_file_reads_clean_and_knows_it_is_shipped(sp500):
    data = read_prices()
    assert data.shipped and data.path == SP500_FILE
    assert data.report.ok and not data.report.issues and data.dropped_tickers == ()
    assert data.report.rows_kept == 8313
    pd.testing.assert_frame_equal(data.prices, pd.read_parquet(SP500_FILE))


def test_a_csv_and_a_reordered_parquet_give_the_same_table(sp500, tmp_path):
    part = sp500.loc["2015":"2016", TICKERS]
    csv = tmp_path / "p.csv"
    part.to_csv(csv)                                     # header "date,AAPL,...": dates first
    from_csv = read_prices(csv)
    assert not from_csv.shipped and from_csv.report.ok
    pd.testing.assert_frame_equal(from_csv.prices, part)
    pq = tmp_path / "p.parquet"
    part[TICKERS[::-1]].reset_index().rename(columns={"date": "Date"}).iloc[:, ::-1] \
        .to_parquet(pq)                                  # dates as the LAST column, named Date
    from_pq = read_prices(pq)
    pd.testing.assert_frame_equal(from_pq.prices, part[TICKERS], check_like=True)
    assert list(from_pq.prices.columns) == TICKERS       # the file's column order
    unnamed = tmp_path / "u.csv"                         # index written without a name
    part.rename_axis(None).to_csv(unnamed)
    pd.testing.assert_frame_equal(read_prices(unnamed).prices, part)


def test_every_bad_row_is_reported_with_its_line(tmp_path):
    lines = ["date,A,B,C,D",
             "2024-01-02,10,20,30,40",       # 2
             "2024-01-03,11,21,31",          # 3 malformed: 4 fields
             "2024-01-04,12,abc,32,42",      # 4 unparseable price
             "not a date,13,23,33,43",       # 5 unparseable date
             "2024-01-08,14,24,34,44",       # 6
             "2024-01-05,15,25,35,45",       # 7 out of order: kept, sorted before line 6
             "2024-01-08,16,26,36,46",       # 8 duplicate of line 6's date: dropped
             "2024-01-09,17,-1,37,",         # 9 B negative (flagged), D missing: dropped
             "2024-01-10,18,28,38,",         # 10 D missing again
             "2024-01-11,19,29,,"]           # 11 C missing: dropped; D is missing on 3 of 6
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    data = read_prices(path, min_coverage=0.6)
    rep = data.report
    assert rep.rows("malformed_row").tolist() == [3]
    assert rep.rows("unparseable_value").tolist() == [4]
    assert rep.rows("unparseable_date").tolist() == [5]
    assert rep.rows("non_monotonic_time").tolist() == [7]
    assert rep.rows("duplicate_date").tolist() == [8]
    assert rep.rows("invalid_price").tolist() == [9]
    assert rep.rows("missing_price").tolist() == [9, 11]
    assert data.dropped_tickers == ("D",)               # 3 of 6 dates: below 60 %
    low = [i for i in rep.issues if i.problem == "low_coverage"][0]
    assert low.action == "flagged" and "D (50.0%)" in low.detail
    assert list(data.prices.columns) == ["A", "B", "C"]
    assert data.prices.index.strftime("%m-%d").tolist() == ["01-02", "01-05", "01-08", "01-10"]
    assert data.prices["A"].tolist() == [10.0, 15.0, 14.0, 18.0]
    assert rep.rows_kept == 4 and rep.rows_read[str(path)] == 10
    with pytest.raises(DataValidationError, match="strict validation failed") as err:
        read_prices(path, min_coverage=0.6, strict=True)
    assert err.value.report.rows("duplicate_date").tolist() == [8]
    # at the default coverage (95 %) B and C (5 of 6 dates) go too, leaving one ticker
    with pytest.raises(DataValidationError, match=r"bad\.csv: 1 ticker\(s\) on 6 date"):
        read_prices(path)


def test_files_that_leave_no_table_are_refused_by_name(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("date,A\n2024-01-02,1\n2024-01-03,2\n")
    with pytest.raises(DataValidationError, match=r"one\.csv: 1 ticker\(s\) on 2 date"):
        read_prices(one)
    gappy = tmp_path / "gappy.csv"
    gappy.write_text("date,A,B\n2024-01-02,1,\n2024-01-03,,2\n")
    with pytest.raises(DataValidationError, match="gappy.csv: 0 ticker"):
        read_prices(gappy)
    with pytest.raises(FileNotFoundError, match="nope.csv not found"):
        read_prices(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match=r"^min_coverage=0 is not allowed"):
        read_prices(one, min_coverage=0)
    with pytest.raises(ValueError, match=r"^strict=1 is not allowed"):
        read_prices(one, strict=1)


def test_named_pairs_are_kept_when_present(sp500):
    named = [["KO", "PEP"], ["XOM", "CVX"], ["PG", "JNJ"]]
    choice = choose_pairs(sp500, named)
    assert choice.pairs == (("KO", "PEP"), ("XOM", "CVX"), ("PG", "JNJ")) and choice.all_given
    assert choice.describe("the pairs an economist would name first") == \
        "the pairs an economist would name first"
    assert describe_pairs(choice.pairs) == "KO/PEP, XOM/CVX and PG/JNJ"


def test_missing_pairs_are_replaced_by_the_closest_of_the_first_window(sp500):
    part = sp500.drop(columns=["KO", "PEP", "XOM", "CVX"]).loc["2001":]
    choice = choose_pairs(part, [["KO", "PEP"], ["XOM", "CVX"], ["PG", "JNJ"]], formation=252)
    ranked = distance_pairs(part.iloc[:252])
    closest = [p for p in zip(ranked["asset1"], ranked["asset2"])
               if frozenset(p) != frozenset(("PG", "JNJ"))][:2]
    assert choice.given == (("PG", "JNJ"),) and choice.chosen == tuple(closest)
    assert choice.missing == (("KO", "PEP"), ("XOM", "CVX")) and not choice.all_given
    assert choice.pairs == (("PG", "JNJ"), *closest)
    text = choice.describe("the economically linked pairs")
    assert text.startswith("the economically linked pairs that the price file holds (PG/JNJ)")
    assert "in place of KO/PEP and XOM/CVX" in text and describe_pairs(closest) in text
    none = choose_pairs(part[["AAPL", "MSFT", "JPM"]], [["KO", "PEP"]], n=5)
    assert len(none.chosen) == 3 and none.given == ()   # only 3 pairs exist
    assert "holds none of" in none.describe("the pairs named")


@pytest.mark.parametrize("wanted", ["KO", [["KO"]], [["KO", "KO"]], [["KO", "PEP"], ["PEP", "KO"]],
                                    [["KO", 3]]])
def test_bad_pair_lists_are_refused(sp500, wanted):
    with pytest.raises(ValueError, match=r"^wanted="):
        choose_pairs(sp500, wanted)


def test_the_needs_of_a_study_are_listed_before_it_runs(sp500):
    part = sp500.iloc[:400, :5]
    require_universe(part, tickers={"pairs": 2}, days={"a formation window": 252})
    with pytest.raises(ValueError) as err:
        require_universe(part, tickers={"PCA with 3 factors": 5, "baskets of 4": 6},
                         days={"walk-forward": 500}, name="mine.csv")
    assert str(err.value) == ("mine.csv holds 5 tickers on 400 dates, too few for: baskets of 4 "
                              "(needs 6 tickers); walk-forward (needs 500 dates)")
    with pytest.raises(ValueError, match=r"^days="):
        require_universe(part, days=[3])
    assert np.isfinite(part.to_numpy()).all()


def test_the_chapters_library_calls_run_on_a_small_short_universe(sp500, tmp_path):
    """Smoke test of the pairs chapter's pipeline on 8 tickers over 6 years (its default
    windows), without KO/PEP's partners: every section's library call returns finite results."""
    from mslab.pairs import (allocate, basket_walk_forward, cointegration_rule, gatev_rule,
                             make_synthetic_universe, memoised, walk_forward)
    from mslab.pairs.holdings import backtest_holdings
    from mslab.pairs.pca_residuals import (factor_portfolio_targets, factor_positions,
                                           factor_residuals, factor_targets)

    path = tmp_path / "eight.csv"
    sp500.loc["2017":, ["KO", "PEP", "WMT", "HD", "JPM", "BAC", "MRK", "PFE"]].to_csv(path)
    prices = read_prices(path).prices
    require_universe(prices, tickers={"PCA on 3 factors": 5}, days={"walk-forward": 378 + 105})
    choice = choose_pairs(prices, [["KO", "PEP"], ["XOM", "CVX"], ["PG", "JNJ"]])
    assert choice.given == (("KO", "PEP"),) and len(choice.pairs) == 3
    n_true = min(5, (prices.shape[1] - 2) // 2)
    universe = make_synthetic_universe(n_pairs_coint=n_true, n_random_walks=8 - 2 * n_true,
                                       n_days=len(prices), seed=1)
    assert universe.prices.shape == prices.shape
    wf = dict(formation=252, trading=126, step=126)
    gatev = walk_forward(prices, memoised(gatev_rule(top_n=20)), **wf).at_cost(3.0)
    coint = walk_forward(prices, cointegration_rule(correction="raw", top_n=20), **wf)
    assert len(gatev.windows) == len(coint.windows) == (len(prices) - 252) // 126 + 1
    assert np.isfinite(gatev.returns).all() and gatev.pair_returns.shape[1] > 0
    fres = factor_residuals(prices, window=252, regression_window=60, n_factors=3)
    targets = factor_targets(fres, factor_positions(fres))
    netted = backtest_holdings(prices, factor_portfolio_targets(targets), cost_bps=3.0)
    assert np.isfinite(netted.returns.to_numpy()).all()
    baskets = basket_walk_forward(prices, sizes=[3], n_null=99, seed=1, cost_bps=[3.0], **wf)
    assert baskets[3.0].windows["n_candidates"].iloc[0] == 56          # C(8, 3)
    strategies = gatev.pair_returns.assign(pca=netted.returns[0].reindex(gatev.pair_returns.index))
    for rule in ("equal", "risk_parity", "mean_variance", "kelly"):
        run = allocate(strategies.loc[gatev.returns.index], rule=rule)
        assert np.isfinite(run.returns.to_numpy()).all() and (run.exposure > 0).any()
