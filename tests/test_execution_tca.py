"""Spread and impact measures: a hand-computed example, the identity effective = realized +
impact (exact on LOBSTER's integer price grid), and the real tapes."""

from pathlib import Path

import numpy as np
import pytest

from mslab.data.binance import load_binance_capture
from mslab.data.lobster import load_lobster
from mslab.execution.tca import (_CHUNK, TradeTape, _first_unordered, binance_tape,
                                 horizon_table, in_bps, lobster_tape, markouts, summarize)

DATA = Path(__file__).resolve().parents[1] / "data"


def _tape(**kw):
    base = dict(name="toy", time=np.array([1.0, 2.0]), price=np.array([101.0, 99.0]),
                size=np.array([100.0, 200.0]), side=np.array([1.0, -1.0]),
                arrival_mid=np.array([100.0, 100.0]), quote_time=np.array([0.0, 1.5, 2.5]),
                mid=np.array([100.0, 102.0, 98.0]), unit=1.0,
                hidden=np.zeros(2, dtype=bool))
    base.update(kw)
    return TradeTape(**base)


def test_hand_computed():
    r = markouts(_tape(), horizons=[0.0, 1.0])
    np.testing.assert_array_equal(r["effective"], [2.0, 2.0])
    # buy at 101 (t=1): mid 100 at t+0, 102 at t+1; sell at 99 (t=2): mid 102 at t+0
    # (quote at 1.5), 98 at t+1
    np.testing.assert_array_equal(r["realized"], [[2.0, -2.0], [6.0, -2.0]])
    np.testing.assert_array_equal(r["impact"], [[0.0, 4.0], [-4.0, 4.0]])
    assert set(r) == {"horizons", "effective", "realized", "impact"}
    np.testing.assert_array_equal(in_bps(_tape(), r["impact"]), [[0.0, 400.0], [-400.0, 400.0]])
    np.testing.assert_array_equal(in_bps(_tape(), r["effective"]), [200.0, 200.0])
    s = summarize(_tape(), r, np.array(["a", "b"]))
    assert s.loc[(s.group == "a") & (s.horizon_s == 1.0), "impact_mean"].item() == 400.0
    table, raw = horizon_table(_tape(), r, np.array(["b", "a"]), 1.0)
    assert table.index.tolist() == ["a", "b"] and raw.loc["b", "impact_mean"] == 400.0
    assert table.loc["a", "impact (bps)"] == "400.00\u00a0±\u00a0n/a"  # one trade: no se
    with pytest.raises(ValueError, match="horizon"):
        horizon_table(_tape(), r, np.array(["b", "a"]), 7.0)


@pytest.fixture(scope="module")
def amzn():
    return lobster_tape(load_lobster(DATA / "lobster" /
                                     "AMZN_2012-06-21_34200000_57600000_message_1.parquet"))


def test_identity_exact_on_lobster(amzn):
    assert amzn.time.size == 11_419  # types 4 + 5 (data/README.md)
    r = markouts(amzn)
    total = r["realized"] + r["impact"]
    eff = np.broadcast_to(r["effective"][:, None], total.shape)
    ok = ~np.isnan(eff)
    assert ok.sum() >= total.size - 8  # the day's first message is an execution: no prior book
    np.testing.assert_array_equal(eff[ok], total[ok])
    # impact builds up with the horizon over the first seconds
    mean_imp = np.nanmean(in_bps(amzn, r["impact"]), axis=0)
    assert mean_imp[0] < mean_imp[4]
    # a negative effective spread (better than the midpoint for the aggressor) is impossible
    # against the book the order met, except for hidden executions inside the spread
    assert not np.any(r["effective"][~amzn.hidden] < 0)
    assert np.any(r["effective"][amzn.hidden] < 0)



def test_markouts_equal_pandas_merge_asof(amzn):
    """The one-pass kernel against pandas ``merge_asof`` (last quote at or before t + Δ), one
    as-of join per horizon, on the real AMZN tape: every output bit for bit."""
    import pandas as pd
    r = markouts(amzn)
    quotes = pd.DataFrame({"t": amzn.quote_time, "mid": amzn.mid})
    for j, h in enumerate(r["horizons"]):
        later = pd.merge_asof(pd.DataFrame({"t": amzn.time + h}), quotes, on="t")["mid"].to_numpy()
        d2 = 2.0 * amzn.side
        np.testing.assert_array_equal(r["realized"][:, j], d2 * (amzn.price - later))
        np.testing.assert_array_equal(r["impact"][:, j], d2 * (later - amzn.arrival_mid))
        np.testing.assert_array_equal(in_bps(amzn, r["impact"])[:, j],
                                      d2 * (later - amzn.arrival_mid) * (1e4 / amzn.arrival_mid))
    np.testing.assert_array_equal(in_bps(amzn, r["effective"]),
                                  2.0 * amzn.side * (amzn.price - amzn.arrival_mid)
                                  * (1e4 / amzn.arrival_mid))


def _as_of(tape, horizons):
    """Markouts by one searchsorted per horizon (last quote at or before t + Δ), with the
    arithmetic of the kernel's definition."""
    d2, m0 = 2.0 * tape.side, tape.arrival_mid
    realized, impact = [], []
    for h in horizons:
        k = np.searchsorted(tape.quote_time, tape.time + h, side="right") - 1
        later = np.where(k >= 0, tape.mid[np.maximum(k, 0)], np.nan)
        realized.append(d2 * (tape.price - later))
        impact.append(d2 * (later - m0))
    return {"effective": d2 * (tape.price - m0), "realized": np.column_stack(realized),
            "impact": np.column_stack(impact)}


def _drawn_tape(seed):
    """Three chunks and a bit of trades on an integer clock: ties among trades (one run across
    the first chunk boundary), among quotes and between t + Δ and quote times; gaps from none
    to hundreds of quotes; trades before the first quote and after the last; empty sides."""
    rng = np.random.default_rng(seed)
    n = 3 * _CHUNK + 123
    gaps = rng.choice([0.0, 1.0, 3.0, 17.0, 120.0], size=n, p=[0.4, 0.3, 0.2, 0.08, 0.02])
    gaps[_CHUNK - 5:_CHUNK + 5] = 0.0
    tt = np.cumsum(gaps)
    qt = 10.0 + np.cumsum(rng.choice([0.0, 1.0, 2.0], size=2 * n, p=[0.5, 0.4, 0.1]))
    qt = qt[qt < tt[-1] - 50.0]
    mid = 10_000.0 + 0.5 * np.cumsum(rng.choice([-1.0, 0.0, 1.0], size=qt.size))
    mid[rng.random(qt.size) < 0.01] = np.nan
    k0 = np.searchsorted(qt, tt, side="left") - 1
    arrival = np.where(k0 >= 0, mid[np.maximum(k0, 0)], np.nan)
    side = rng.choice([-1.0, 1.0], size=n)
    return TradeTape(name="drawn", time=tt, price=np.round(arrival + side) + side, size=np.ones(n),
                     side=side, arrival_mid=arrival, quote_time=qt, mid=mid, unit=1.0,
                     hidden=np.zeros(n, dtype=bool))


def test_chunks_and_threads_equal_an_as_of_lookup():
    """Bit for bit equal to searchsorted per horizon, for one thread and for all, on a drawn
    tape whose pointer advances cover every path of the kernel's search (none, < 32, whole
    blocks of 32, the last 32 quotes) and whose first chunk boundary falls inside a tie."""
    import numba

    tape = _drawn_tape(3)
    hz = [0.0, 1.0, 2.5, 7.0, 40.0, 300.0]
    ref = _as_of(tape, hz)
    steps = np.diff(np.searchsorted(tape.quote_time, tape.time[:, None] + hz, side="right"),
                    axis=0)
    assert {0, 1, 31, 32, 33} <= set(steps.ravel().tolist()) and steps.max() > 200
    assert tape.time[0] + hz[0] < tape.quote_time[0]  # trades before the first quote: NaN
    assert tape.time[-1] + hz[0] > tape.quote_time[-1]  # trades after the last quote
    before = numba.get_num_threads()
    try:
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            r = markouts(tape, hz)
            for key, value in ref.items():
                np.testing.assert_array_equal(r[key], value, err_msg=f"{key}, {threads} threads")
    finally:
        numba.set_num_threads(before)


def test_binance_aggressor_from_m():
    cap = load_binance_capture(DATA / "binance" / "cm_btcusd_perp_20240808.parquet")
    tape = binance_tape(cap)
    np.testing.assert_array_equal(tape.side, np.where(cap.trades["buyer_maker"], -1.0, 1.0))
    r = markouts(tape, horizons=[0.05, 300.0])
    assert np.nanmedian(in_bps(tape, r["effective"])) >= 0.0


def test_bad_input():
    with pytest.raises(ValueError, match="horizons"):
        markouts(_tape(), horizons=[-1.0])
    with pytest.raises(ValueError, match="time"):
        markouts(_tape(time=np.array([2.0, 1.0])))
    with pytest.raises(ValueError, match="quote_time"):
        markouts(_tape(quote_time=np.array([0.0, np.nan, 2.5])))
    with pytest.raises(ValueError, match="time"):
        markouts(_tape(time=np.array([np.nan, 2.0])))
    with pytest.raises(ValueError, match="tape.mid"):
        markouts(_tape(mid=np.array([100.0, 102.0])))
    with pytest.raises(ValueError, match="tape.price"):
        markouts(_tape(price=np.array([[101.0, 99.0]])))
    with pytest.raises(ValueError, match="groups"):
        summarize(_tape(), markouts(_tape()), np.array(["a"]))
    with pytest.raises(ValueError, match="values"):
        in_bps(_tape(), np.ones(3))  # not one value per trade
    with pytest.raises(ValueError, match="values"):
        in_bps(_tape(), np.array(["1", "2"]))
    with pytest.raises(ValueError, match="values"):
        in_bps(_tape(), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="tape"):
        in_bps("tape", np.ones(2))
    with pytest.raises(ValueError, match="result"):  # a result without its price-unit arrays
        summarize(_tape(), {k: v for k, v in markouts(_tape()).items() if k != "realized"})


def test_in_bps_scales_each_row_by_its_own_arrival_mid():
    """Row i is multiplied by 1e4 / arrival_mid[i] (not by another row's), NaN stays NaN, a
    missing arrival midpoint gives NaN, and integers are accepted."""
    tape = _tape(arrival_mid=np.array([100.0, 50.0]))
    out = in_bps(tape, np.array([[1.0, np.nan], [1.0, 2.0]]))
    np.testing.assert_array_equal(out, [[100.0, np.nan], [200.0, 400.0]])
    np.testing.assert_array_equal(in_bps(tape, np.array([1, 1])), [100.0, 200.0])
    assert np.isnan(in_bps(_tape(arrival_mid=np.array([np.nan, 50.0])), np.ones(2))[0])


def test_order_check_finds_the_first_fault_across_chunks():
    """The parallel order check of the tape's times gives the index of the first NaN or
    decrease wherever it falls: at a chunk boundary, in two chunks (the earlier wins), at the
    ends, or nowhere (ties are not faults), as a NumPy reference does."""
    def reference(t):
        bad = np.flatnonzero(~(t[:-1] <= t[1:])) + 1
        return 0 if t.size and np.isnan(t[0]) else (int(bad[0]) if bad.size else -1)

    n = 5 * _CHUNK + 17
    base = np.floor(np.arange(n) / 3.0)  # ties
    for faults in ([], [_CHUNK], [_CHUNK - 1], [3 * _CHUNK + 5, _CHUNK + 2], [n - 1], [0],
                   [2 * _CHUNK]):
        for bad_value in (-1.0, np.nan):
            t = base.copy()
            t[faults] = bad_value
            assert _first_unordered(t) == reference(t), (faults, bad_value)
    assert _first_unordered(np.empty(0)) == -1
