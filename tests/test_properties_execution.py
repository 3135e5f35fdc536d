"""Property-based extremes (hypothesis) for mslab.latency and mslab.execution.

Every public function of the modules in ``MODULES`` has an entry in ``CASES`` (valid keyword
arguments); :func:`test_every_public_function_is_covered` fails when one is missing. Each
parameter in turn is replaced by an extreme or malformed value (NaN, ±inf, huge and tiny
numbers, wrong types, empty and ragged containers, ...). The promise checked: a ``ValueError``
whose message names that parameter, or a result without infinities (NaN only where a module
documents it), within a time bound; with valid arguments, the same result twice (deterministic).
The work and memory bounds of :mod:`mslab._validate` are lowered for the run, so an accepted
call is quick and a refused one shows the bound at work. Cheap invariants follow: rolling
kernels against pandas on drawn series, markouts against a brute-force as-of lookup with the
identity effective = realized + impact, Almgren–Chriss trajectories, the Hayashi–Yoshida
covariance's symmetry and alert clustering.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pickle
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numba.core.registry import CPUDispatcher

from mslab import _validate, rng
from mslab.data.binance import load_binance_capture
from mslab.data.lobster import load_lobster
from mslab.execution import almgren_chriss as ac
from mslab.execution import liquidity_events as le
from mslab.execution.tca import TradeTape, lobster_tape, markouts
from mslab.latency.jumps import discrete_jumps, exponential_jumps
from mslab.latency.two_venue import simulate_two_venue
from mslab.orderbook import grid_quoter
from mslab.orderbook.quoters import MarketView
from test_data_binance import SPOT
from test_execution_schedule import _three_level_day
from test_data_binance import write as write_capture
from test_latency_dislocations import quotes as venue_frame
from test_latency_venues import truncated
from test_properties import parameter_names
from test_properties_pairs import _finite as _no_inf  # no infinity; NaN where documented

MODULES = [importlib.import_module(f"mslab.{m}") for m in (
    "execution.almgren_chriss", "execution.estimators", "execution.liquidity_events",
    "execution.schedule_mc", "execution.tca", "execution.schedule_execution",
    "execution.maker_fees", "execution.alert_explorer", "execution.frontier_explorer",
    "latency.batch_auction", "latency.bcs_equilibrium", "latency.bcs_simulation",
    "latency.dislocations", "latency.jumps", "latency.leadlag", "latency.sweeps",
    "latency.two_venue", "latency.venues", "latency.race_explorer")]
SETTINGS = settings(max_examples=8, deadline=None, derandomize=True, database=None,  # _check
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
TIME_BOUND = 20.0  # seconds for any single call (the machine may be loaded)

NAN, INF = float("nan"), float("inf")
EXTREME = st.one_of(
    st.sampled_from([0, 1, -1, 2, 10**12, -10**12, 2**63, 10**30, 0.0, -0.0, 1e-300, 5e-324,
                     0.5, 1e300, -1e300, 1.7e308, NAN, INF, -INF, True, False, None, "", "abc",
                     [], [[1.0], [2.0, 3.0]], [NAN], [INF], [1.0, -1.0], [True], ["a"],
                     {"a": 1}, np.array([[1.0, 2.0]]), np.array([NAN]), pd.DataFrame(),
                     object()]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-2**70, max_value=2**70),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4),
    st.text(max_size=5),
)

# ------------------------------------------------------------------------- valid arguments

_DIR = Path(tempfile.mkdtemp(prefix="mslab-properties-execution-"))
_REPO = Path(__file__).resolve().parents[1]
LOBSTER = load_lobster(_REPO / "data" / "lobster" /
                       "AAPL_2012-06-21_34200000_57600000_message_10.parquet")
TAPE = lobster_tape(LOBSTER)
MARKED = markouts(TAPE, [0.0, 1.0])
CAPTURE = load_binance_capture(write_capture(_DIR, SPOT, "spot.txt"))
VENUE_FILES = [str(truncated(_REPO / "data" / "binance" / f"{v}_btcusdt_20240808.parquet",
                             _DIR / f"{v}.parquet", 0.2)) for v in ("spot", "usdm")]

P = ac.ACParams(X=1e6, T=5.0, N=5, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)
HOLDINGS = ac.trajectory(P, 1e-6)
LAW = discrete_jumps([1.0, 4.0], [0.5, 0.5])
SMALL_LAW = discrete_jumps([0.01, 0.02, 0.04], [0.5, 0.3, 0.2])
MARKET = dict(lam_invest=1.0, lam_jump=0.5, law=LAW)
SIM = dict(horizon=20.0, n_paths=2, seed=0)
RUN = simulate_two_venue(law=SMALL_LAW, horizon=60.0, seed=0)

_t = np.arange(40.0)
_walk = np.cumsum(np.sin(_t) + 0.3 * np.cos(3 * _t))
_A = venue_frame(_t * 100.0, 100.0 + 0.01 * (_t % 3 == 0), 100.01 + 0.01 * (_t % 3 == 0))
_B = venue_frame(_t * 100.0 + 5.0, 99.99 + 0.02 * (_t % 7 == 0), 100.0 + 0.02 * (_t % 7 == 0))
QUOTES = {"A": _A, "B": _B}
MERGED = importlib.import_module("mslab.latency.dislocations").merge_quotes(_A, _B, 1.0)
_venues = importlib.import_module("mslab.latency.venues")
EPISODES, SPANS = _venues.dislocation_episodes(QUOTES, 1.0, [0.5])
CURVES = _venues.lead_lag_curves(QUOTES, 3)
_two_venue = importlib.import_module("mslab.latency.two_venue")
RUN_MARKED = _two_venue.markouts(RUN, 1000.0, 40.0)
SNAP = le.lobster_snapshots(LOBSTER, 1.0)
FEAT = le.features(SNAP, 5, 10)
STATES = rng.path_states(0, 2)
_se = importlib.import_module("mslab.execution.schedule_execution")
_mf = importlib.import_module("mslab.execution.maker_fees")
_tca = importlib.import_module("mslab.execution.tca")
DAY_MSGS, DAY_ROWS = _three_level_day()  # a 3-level book file of 5 messages (9 s to 25 s)
SCHEDULE = dict(quantity=250, duration=10.0, child_interval=5.0, final_window=2.0,
                latency=0.001, maker_fee=-2e-5, taker_fee=3e-5)
RUNS = _se.execute_schedules(DAY_MSGS, DAY_ROWS, [9.5], **SCHEDULE)
_day_t = np.arange(0.0, 1000.0)
DAY_AC = dict(times=_day_t, mid=100.0 + 0.01 * np.sin(_day_t), tape_effective=0.02 + 0.001 *
              np.cos(np.arange(50.0)), tape_size=np.arange(1.0, 51.0), kyle_slope_bps=0.1,
              quantity=1e3, duration=600.0, child_interval=60.0, price=100.0)
AC_DAY, _ = _se.ac_from_day(**DAY_AC)
FEE_KW = dict(order_size=100, max_inventory=300, decision_interval=1.0, sample_interval=5.0)
BLOCKS = _mf.fee_schedule_blocks(DAY_MSGS, DAY_ROWS, grid_quoter(0.5), {"a": (-2e-5, 3e-5)},
                                 block=10.0, markout_horizon=2.0, **FEE_KW)

CASES: dict[str, dict[str, object]] = {
    # mslab.execution.almgren_chriss
    "ACParams": dict(X=1e6, T=5.0, N=5, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625),
    "check_holdings": dict(p=P, holdings=HOLDINGS),
    "cost_moments": dict(p=P, holdings=HOLDINGS),
    "efficient_frontier": dict(p=P, lams=[0.0, 1e-6]),
    "half_life": dict(p=P, lam=1e-6),
    "kappa": dict(p=P, lam=1e-6),
    "optimal_cost": dict(p=P, lam=1e-6),
    "trade_list": dict(p=P, lam=1e-6),
    "trajectory": dict(p=P, lam=1e-6),
    "twap_cost": dict(p=P),
    # mslab.execution.estimators, schedule_mc, tca
    "kyle_lambda": dict(tape=TAPE, interval_s=1.0, hac_lags=2),
    "roll_spread": dict(tape=TAPE),
    "simulate_costs": dict(p=P, holdings=HOLDINGS, n_paths=50, seed=0),
    "binance_tape": dict(capture=CAPTURE),
    "lobster_tape": dict(data=LOBSTER),
    "tca.markouts": dict(tape=TAPE, horizons=[0.0, 1.0]),
    "summarize": dict(tape=TAPE, result=MARKED, groups=None),
    "in_bps": dict(tape=TAPE, values=MARKED["impact"]),
    "horizon_table": dict(tape=TAPE, result=MARKED, groups=np.where(TAPE.hidden, "h", "v"),
                          horizon=1.0, digits=2),
    # mslab.execution.liquidity_events
    "binance_snapshots": dict(capture=CAPTURE, step_s=0.001),
    "lobster_snapshots": dict(data=LOBSTER, step_s=1.0),
    "features": dict(snap=SNAP, window=5, depth_window=10),
    "detect": dict(feat=FEAT, z_threshold=3.0, depth_fraction=0.3),
    "cluster_alerts": dict(alerts=np.arange(30) % 4 == 0, gap=3),
    "evaluate_events": dict(mid=100.0 + _walk, events=[3, 20], h=3, n_random=20, seed=0),
    "rolling_mean_std": dict(x=_walk, window=5, time=None, min_periods=None),
    "rolling_median": dict(x=_walk, window=5, time=None, min_periods=None),
    # mslab.latency
    "sniping_share": dict(delta=0.01, tau=0.1),
    "simulate_batch": dict(**MARKET, half_spread=0.5, tau=0.5, delta=0.01, **SIM),
    "simulated_half_spread": dict(**MARKET, tau=0.5, delta=0.01, **SIM),
    "half_spread": dict(**MARKET, sniping_share=1.0),
    "profits": dict(**MARKET, h=0.5, n_fast=2),
    "entry": dict(**MARKET, c_speed=0.05),
    "check_market": dict(**MARKET, half_spread=0.5, horizon=20.0, n_paths=2),
    "simulate_continuous": dict(**MARKET, half_spread=0.5, n_fast=2, **SIM),
    "simulated_indifference_spread": dict(**MARKET, n_fast=2, **SIM),
    "simulate_market": dict(states=STATES, horizon=20.0, lam_invest=1.0, lam_jump=0.5,
                            kind=LAW.kind, sizes=LAW.sizes, cum=np.cumsum(LAW.probs), h=0.5,
                            n_fast=2, tau=1.0, delta=0.0),
    "venue_quotes": dict(capture=CAPTURE),
    "merge_quotes": dict(a=_A, b=_B, basis_window=1.0),
    "dislocations": dict(merged=MERGED, threshold_bp=0.5),
    "discrete_jumps": dict(sizes=[1.0, 4.0], probs=[0.5, 0.5]),
    "exponential_jumps": dict(mean=1.0),
    "draw_jump": dict(state=STATES[0].copy(), kind=LAW.kind, sizes=LAW.sizes,
                      cum=np.cumsum(LAW.probs)),
    "hayashi_yoshida_covariance": dict(tx=_t, x=_walk, ty=_t + 0.5, y=np.roll(_walk, 2)),
    "hayashi_yoshida_lead_lag": dict(tx=_t, x=_walk, ty=_t + 0.5, y=np.roll(_walk, 2),
                                     lags=[-1.0, 0.0, 1.0]),
    "grid_cross_correlation": dict(tx=_t, x=_walk, ty=_t + 0.5, y=np.roll(_walk, 2), step=1.0,
                                   max_lag_steps=3),
    "peak_lag": dict(lags=np.array([-1.0, 0.0, 1.0]), corr=np.array([0.1, 0.5, 0.2])),
    "spread_sweeps": dict(**MARKET, n_fast=2, n_values=[2], lam_jump_values=[0.5],
                          jump_scales=[1.0], tau_values=[0.5], delta=0.0, **SIM),
    "simulate_two_venue": dict(law=SMALL_LAW, horizon=30.0, seed=0),
    "value_at": dict(run=RUN, times=np.array([1.0, 2.0])),
    "two_venue.markouts": dict(run=RUN, horizon_ms=1000.0, fast_window_ms=40.0),
    "detector_table": dict(marked=RUN_MARKED),
    "latency_transfer_grid": dict(latencies_ms=[1.0, 15.0], delays_ms=[0.0], law=SMALL_LAW,
                                  horizon=30.0),
    "load_venue_quotes": dict(paths=VENUE_FILES),
    "lead_lag_curves": dict(quotes=QUOTES, max_lag_ms=3),
    "lead_lag_table": dict(curves=CURVES),
    "dislocation_episodes": dict(quotes=QUOTES, basis_window=1.0, fees_bp=[0.5]),
    "dislocation_summary": dict(episodes=EPISODES, spans=SPANS, fee_bp=0.5, latency_ms=10.0),
    # mslab.execution.schedule_execution, maker_fees, alert_explorer, tca buckets
    "perold_shortfall": dict(side=1, quantity=300, decision_price=1_000_000.0,
                             fill_price=[1_000_001.0, 1_000_000.5], fill_qty=[100.0, 100.0],
                             sent_mid=[1_000_000.5, 1_000_001.0],
                             fill_mid=[1_000_000.5, 1_000_001.5], end_mid=1_000_002.0,
                             fees=[1.0, -0.5]),
    "schedule_quoter": dict(side=1, quantity=1000, start=100.0, duration=600.0,
                            child_interval=60.0, strategy="passive", final_window=60.0),
    "schedule_rule": dict(view=MarketView(130.0, 30.0, 9_999, 10_000, 100, 100, 9_999.5, 0, 0.0,
                                          0, 0, 1000, 1000),
                          params=np.array([1.0, 1000.0, 10.0, 100.0, 60.0, 1.0, 760.0]),
                          orders=np.zeros((1, 4), np.int64), quotes=np.zeros((1, 4), np.int64)),
    "schedule_starts": dict(times=np.linspace(34_200.0, 40_000.0, 50), duration=600.0,
                            final_window=60.0),
    "execute_schedule": dict(messages=DAY_MSGS, rows=DAY_ROWS, side=-1, start=9.5,
                             strategy="passive", decision_interval=1.0,
                             queue_model="risk_averse", tick=100, **SCHEDULE),
    "execute_schedules": dict(messages=DAY_MSGS, rows=DAY_ROWS, starts=[9.5],
                              strategies=("aggressive", "passive"), sides=(1, -1), **SCHEDULE),
    "shortfall_summary": dict(frame=RUNS, digits=2),
    "ac_from_day": DAY_AC,
    "ac_versus_realised": dict(frame=RUNS, p=AC_DAY),
    "fee_schedule_blocks": dict(messages=DAY_MSGS, rows=DAY_ROWS, quoter=grid_quoter(0.5),
                                fee_schedules={"a": (-2e-5, 3e-5), "b": (1e-5, 1e-5)},
                                block=10.0, markout_horizon=2.0, tick=100, **FEE_KW),
    "fee_schedule_table": dict(blocks=BLOCKS, digits=2),
    "alert_candidates": dict(feat=FEAT, horizon=3, z_floor=2.0, ratio_ceiling=0.5,
                             quantile=75.0),
    "frontier_table": dict(p=P, lams=[0.0, 1e-6]),
    "race_grid": dict(**MARKET, delta=0.001, c_speed=0.05, n_values=[2, 3], tau_values=[0.001, 0.1]),
    "size_labels": dict(size=TAPE.size, buckets=4),
    "time_of_day_labels": dict(time=TAPE.time, minutes=30.0, offset=0.0),
    "bucket_tables": dict(tapes=[TAPE], results=[MARKED], groups=[np.where(TAPE.hidden, "h", "v")],
                          horizon=1.0, index="kind", digits=2),
}
# Jitted building blocks that run inside kernels: they validate nothing (their callers do)
# and are only checked to run with valid arguments.
KERNEL_ONLY = {"simulate_market", "draw_jump", "schedule_rule"}
INF_DOCUMENTED = {"half_life"}  # lam = 0 gives kappa = 0: the half-life is infinite


def public_functions() -> dict[str, object]:
    """Every public function (and validating dataclass) of ``MODULES`` keyed by name, or by
    ``module.name`` where two modules share a name."""
    found: dict[str, list[tuple[str, object]]] = {}
    for module in MODULES:
        names = getattr(module, "__all__", None) or [
            n for n, f in vars(module).items() if not n.startswith("_")
            and (inspect.isfunction(f) or isinstance(f, CPUDispatcher))
            and f.__module__ == module.__name__]
        for name in names:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or isinstance(obj, CPUDispatcher) or name == "ACParams":
                found.setdefault(name, []).append((module.__name__.rsplit(".", 1)[1], obj))
    return {(f"{m}.{n}" if len(objs) > 1 else n): obj
            for n, objs in found.items() for m, obj in objs}


FUNCTIONS = public_functions()


def parameters(name: str) -> list[str]:
    return parameter_names(FUNCTIONS[name])


@pytest.fixture(scope="module", autouse=True)
def small_bounds():
    """Lower the work and memory bounds (every accepted call stays quick) after the valid
    arguments above were built, and run every case once to compile its kernels."""
    saved = _validate.MAX_WORK, _validate.MAX_ELEMENTS
    _validate.MAX_WORK, _validate.MAX_ELEMENTS = 10**6, 10**6
    for name, kwargs in CASES.items():
        FUNCTIONS[name](**kwargs)
    yield
    _validate.MAX_WORK, _validate.MAX_ELEMENTS = saved


def test_every_public_function_is_covered():
    missing = sorted(set(FUNCTIONS) - set(CASES))
    assert not missing, f"add valid arguments for {missing} to CASES (and check its extremes)"
    for name, kwargs in CASES.items():
        assert name in FUNCTIONS, f"{name} is no longer public: remove it from CASES"
        py = FUNCTIONS[name].py_func if isinstance(FUNCTIONS[name], CPUDispatcher) else FUNCTIONS[name]
        required = {q.name for q in inspect.signature(py).parameters.values()
                    if q.default is inspect.Parameter.empty and q.kind is not q.VAR_KEYWORD}
        assert required <= set(kwargs), name


# ------------------------------------------------------------------------- what is sensible

def check_call(name: str, kwargs: dict[str, object], changed: str) -> None:
    """Call ``name``: a ValueError naming ``changed``, or a result without infinities, in time."""
    start = time.monotonic()
    try:
        result = FUNCTIONS[name](**kwargs)
    except ValueError as exc:
        assert re.search(rf"(?<![\w-]){re.escape(changed)}(?![\w])", str(exc)), (
            f"{name}({changed}=...) raised a ValueError that does not name {changed!r}: {exc}")
    else:
        assert name in INF_DOCUMENTED or _no_inf(result), (
            f"{name}({changed}=...) returned infinities: {result!r}")
    assert time.monotonic() - start < TIME_BOUND, f"{name}({changed}=...) took too long"


ATTACKS = [pytest.param(n, p, id=f"{n}-{p}") for n in sorted(CASES) if n not in KERNEL_ONLY
           for p in parameters(n)]


@pytest.mark.parametrize(("name", "param"), ATTACKS)
@SETTINGS
@given(value=EXTREME)
def test_extreme_value_gives_a_named_error_or_a_sensible_result(name, param, value):
    check_call(name, {**CASES[name], param: value}, param)


@pytest.mark.parametrize("name", sorted(CASES))
def test_valid_arguments_give_the_same_result_twice(name):
    kwargs = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in CASES[name].items()}
    kwargs2 = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in CASES[name].items()}
    a, b = FUNCTIONS[name](**kwargs), FUNCTIONS[name](**kwargs2)
    assert _no_inf(a)
    assert pickle.dumps(a) == pickle.dumps(b), f"{name} is not deterministic"


# ------------------------------------------------------------------------- cheap invariants

SERIES = st.lists(st.one_of(st.integers(-3, 3).map(float), st.floats(-1e3, 1e3), st.just(NAN)),
                  min_size=0, max_size=60)


@SETTINGS
@given(x=SERIES, w=st.integers(1, 12), mp=st.one_of(st.none(), st.integers(1, 12)))
def test_rolling_count_windows_equal_pandas(x, w, mp):
    x = np.asarray(x, dtype=float)
    mp = None if mp is None else min(mp, w)
    r = pd.Series(x, dtype=float).rolling(w, min_periods=mp)
    np.testing.assert_array_equal(le.rolling_median(x, w, min_periods=mp), r.median())
    if w >= 2:
        mean, std = le.rolling_mean_std(x, w, min_periods=mp)
        np.testing.assert_allclose(mean, r.mean(), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(std, r.std(), rtol=1e-6, atol=1e-6)


@SETTINGS
@given(x=SERIES, gaps=st.lists(st.integers(0, 3), min_size=60, max_size=60),
       span=st.integers(1, 8))
def test_rolling_time_windows_equal_pandas(x, gaps, span):
    """Time windows (t − span, t] with repeated times (gap 0), as pandas rolling("<span>s")."""
    x = np.asarray(x, dtype=float)
    t = np.cumsum(gaps[:x.size]).astype(float)
    r = pd.Series(x, index=pd.to_datetime(t.astype(np.int64), unit="s"), dtype=float).rolling(
        f"{span}s")
    np.testing.assert_array_equal(le.rolling_median(x, float(span), time=t), r.median())
    mean, std = le.rolling_mean_std(x, float(span), time=t)
    np.testing.assert_allclose(mean, r.mean(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(std, r.std(), rtol=1e-6, atol=1e-6)


@SETTINGS
@given(trade_gaps=st.lists(st.integers(0, 4), min_size=1, max_size=25),
       quote_gaps=st.lists(st.integers(0, 4), min_size=1, max_size=25),
       prices=st.lists(st.integers(9_990, 10_010), min_size=50, max_size=50),
       horizons=st.lists(st.integers(0, 6), min_size=1, max_size=4))
def test_markouts_against_an_as_of_lookup(trade_gaps, quote_gaps, prices, horizons):
    """Integer prices: effective = realized + impact exactly; every later midpoint is the last
    quote at or before t + Δ (found by searchsorted)."""
    tt, qt = np.cumsum(trade_gaps).astype(float), np.cumsum(quote_gaps).astype(float)
    p = np.asarray(prices, dtype=float)
    mid = p[:qt.size] + 0.5
    side = np.where(np.arange(tt.size) % 3 == 0, -1.0, 1.0)
    k0 = np.searchsorted(qt, tt, side="left") - 1
    tape = TradeTape(name="drawn", time=tt, price=p[-tt.size:], size=np.ones(tt.size), side=side,
                     arrival_mid=np.where(k0 >= 0, mid[np.maximum(k0, 0)], NAN), quote_time=qt,
                     mid=mid, unit=1.0, hidden=np.zeros(tt.size, bool))
    r = markouts(tape, [float(h) for h in horizons])
    for j, h in enumerate(horizons):
        k = np.searchsorted(qt, tt + h, side="right") - 1
        later = np.where(k >= 0, mid[np.maximum(k, 0)], NAN)
        np.testing.assert_array_equal(r["impact"][:, j], 2.0 * side * (later - tape.arrival_mid))
        total = r["realized"][:, j] + r["impact"][:, j]
        ok = ~np.isnan(total)
        np.testing.assert_array_equal(total[ok], r["effective"][ok])


@SETTINGS
@given(lam=st.floats(0.0, 1e-4), n=st.integers(1, 50))
def test_almgren_chriss_trajectory_and_moments(lam, n):
    p = ac.ACParams(X=1e6, T=5.0, N=n, sigma=0.95, gamma=2.5e-7, eta=2.5e-6)
    x = ac.trajectory(p, lam)
    assert x[0] == pytest.approx(1e6) and x[-1] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.diff(x) <= 1e-9) and np.allclose(ac.trade_list(p, lam), -np.diff(x))
    mean, var = ac.cost_moments(p, x)
    assert var >= 0.0 and math.isfinite(mean)
    assert ac.optimal_cost(p, lam)[1] <= ac.twap_cost(p)[1] * (1 + 1e-9)


@SETTINGS
@given(x=st.lists(st.floats(-10, 10), min_size=3, max_size=20),
       y=st.lists(st.floats(-10, 10), min_size=3, max_size=20), shift=st.floats(0.0, 1.0))
def test_hayashi_yoshida_covariance_is_symmetric(x, y, shift):
    lead_lag = importlib.import_module("mslab.latency.leadlag")
    tx, ty = np.arange(len(x), dtype=float), np.arange(len(y), dtype=float) + shift
    a = lead_lag.hayashi_yoshida_covariance(tx, x, ty, y)
    b = lead_lag.hayashi_yoshida_covariance(ty, y, tx, x)
    assert a == pytest.approx(b, rel=1e-12, abs=1e-12)


@SETTINGS
@given(alerts=st.lists(st.booleans(), max_size=80), gap=st.integers(1, 10))
def test_cluster_alerts_starts_events(alerts, gap):
    first = le.cluster_alerts(np.asarray(alerts, dtype=bool), gap)
    idx = np.flatnonzero(alerts)
    assert set(first) <= set(idx) and (idx.size == 0 or first[0] == idx[0])
    assert np.all(np.diff(first) >= gap)


HALVES = st.integers(2_000_000, 4_000_000).map(lambda k: k / 2.0)  # prices in [1e6, 2e6]


@SETTINGS
@given(side=st.sampled_from([1, -1]), data=st.data(), n=st.integers(0, 12),
       extra=st.integers(0, 1000), decision=HALVES, end=HALVES)
def test_perold_parts_sum_to_the_total_exactly(side, data, n, extra, decision, end):
    """On a grid of halves the shortfall identity holds exactly (no rounding)."""
    qty = data.draw(st.lists(st.integers(1, 500), min_size=n, max_size=n))
    prices = [data.draw(st.lists(HALVES, min_size=n, max_size=n)) for _ in range(3)]
    fees = data.draw(st.lists(st.integers(-50, 50).map(lambda k: k / 4.0), min_size=n,
                              max_size=n))
    r = _se.perold_shortfall(side, sum(qty) + extra + (not qty), decision, prices[0], qty,
                             prices[1], prices[2], end, fees)
    assert sum(r[c] for c in _se.COMPONENTS) == r["total"]
    assert r["filled"] == sum(qty) and r["filled"] + r["unfilled"] == sum(qty) + extra + (not qty)


@SETTINGS
@given(side=st.sampled_from([1, -1]), quantity=st.integers(1, 500),
       child=st.sampled_from([1.0, 2.0, 5.0, 10.0]), strategy=st.sampled_from(_se.STRATEGIES),
       final_window=st.integers(0, 5).map(float), latency=st.floats(0.0, 0.01),
       maker=st.floats(-1e-4, 1e-4), taker=st.floats(-1e-4, 1e-4))
def test_schedule_fills_and_parts_add_up(side, quantity, child, strategy, final_window, latency,
                                         maker, taker):
    r = _se.execute_schedule(DAY_MSGS, DAY_ROWS, side=side, quantity=quantity, start=9.5,
                             duration=10.0, child_interval=child, strategy=strategy,
                             final_window=final_window, latency=latency, maker_fee=maker,
                             taker_fee=taker)
    assert r["filled"] + r["unfilled"] == quantity and 0 <= r["filled"] <= quantity
    assert sum(r[c] for c in _se.COMPONENTS) == pytest.approx(r["total"], abs=1e-9)


@SETTINGS
@given(gaps=st.lists(st.floats(0.0, 600.0), min_size=2, max_size=40),
       duration=st.integers(60, 3600).map(float), final_window=st.integers(0, 120).map(float))
def test_schedule_starts_fit_in_the_day(gaps, duration, final_window):
    t = 34_200.0 + np.cumsum(gaps)
    try:
        starts = _se.schedule_starts(t, duration, final_window)
    except ValueError as exc:
        assert "duration" in str(exc)
        return
    assert starts[0] > t[0] and starts[0] % 60.0 == 0.0
    np.testing.assert_array_equal(np.diff(starts), duration)
    assert starts[-1] + duration + final_window <= t[-1]


@SETTINGS
@given(size=st.lists(st.integers(0, 10**6).map(float), min_size=1, max_size=60),
       buckets=st.integers(1, 10), minutes=st.integers(1, 120),
       offset=st.floats(0.0, 86_400.0))
def test_bucket_labels(size, buckets, minutes, offset):
    labels = _tca.size_labels(size, buckets)
    assert labels.size == len(size) and len(set(labels)) <= buckets
    order = np.argsort(size, kind="stable")  # larger sizes never get an earlier bucket
    q = np.array([int(s.split(":")[0][1:]) for s in labels])[order]
    assert np.all(np.diff(q) >= 0)
    t = np.sort(np.asarray(size)) / 100.0
    clock = _tca.time_of_day_labels(t, minutes, offset)
    assert list(clock) == sorted(clock)
