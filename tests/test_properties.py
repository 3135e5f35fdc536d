"""Every public function keeps its promise at the extremes (property-based, hypothesis).

For every public function of the modules below (listed by introspection: ``__all__``, else the
module's own public functions) every parameter in turn is replaced by an extreme or malformed
value — huge, tiny, zero, negative, NaN, inf, bools, strings, None, empty and ragged arrays —
while the others keep a small valid value. The call must either raise a ``ValueError`` whose
message names that parameter, or return a finite, sensible result, within the example deadline.
The work and memory bounds of :mod:`mslab._validate` are lowered for the run, so an accepted
call is always quick and a refused one shows the bound at work. A new public function without
an entry in ``GOOD`` makes :func:`test_every_public_function_is_covered` fail.
"""

from __future__ import annotations

import inspect
import math
import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from numba.core.registry import CPUDispatcher

from mslab import _validate, data, funding, glue, inventory, rng, runner
from mslab.data import lobster
from mslab.funding import (CarryResult, FundingRule, MeanEstimate, MeanReversion,
                           MonteCarloPrice, PremiumSimulation)
from mslab.inventory import (CompetitionResult, DealerResult, GLFTAsymptoticQuotes, GLFTQuotes,
                             QuotingResult)
from test_data_binance import SPOT
from test_data_binance import write as write_capture
from test_data_funding import H8, T0
from test_data_funding import write as write_funding

MODULES = (inventory, data, rng, glue, runner, funding)
SETTINGS = settings(max_examples=12, deadline=timedelta(seconds=10), derandomize=True, database=None,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate),
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

# ------------------------------------------------------------------------- the shared strategy

NAN, INF = float("nan"), float("inf")
SPECIAL = [0, 1, -1, 2, 10**12, -10**12, 2**63, 10**30, 0.0, -0.0, 1e-300, 5e-324, -1e-300, 0.5,
           1e300, -1e300, 1.7e308, NAN, INF, -INF, True, False, None, "", "1.0", "abc", b"\xff",
           [], [[1.0], [2.0, 3.0]], [NAN], [INF], [1.0, -1.0], [True], ["a"], {"a": 1},
           np.float64(1e308), np.int64(-5), np.array([[1.0, 2.0]]), object()]


def extremes() -> st.SearchStrategy:
    """Extreme and malformed values of any type."""
    return st.one_of(
        st.sampled_from(SPECIAL),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-2**70, max_value=2**70),
        st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4),
        st.text(max_size=6),
    )


@pytest.fixture(scope="module", autouse=True)
def small_bounds():
    """Lower the work and memory bounds so that every accepted call is fast, and compile (or
    load from the cache) every kernel once, outside the examples' deadline."""
    saved = _validate.MAX_WORK, _validate.MAX_ELEMENTS
    _validate.MAX_WORK, _validate.MAX_ELEMENTS = 2 * 10**5, 2 * 10**5
    for name in GOOD:
        if name != "main":
            FUNCTIONS[name](**GOOD[name])
    # Relative paths (a drawn string given to a writer, the runner's default chapters/ and
    # book/) must land in the scratch directory, never in the repository.
    cwd = Path.cwd()
    os.chdir(_DIR)
    yield
    os.chdir(cwd)
    _validate.MAX_WORK, _validate.MAX_ELEMENTS = saved


# ------------------------------------------------------------------------- valid arguments

_DIR = Path(tempfile.mkdtemp(prefix="mslab-properties-"))
STEM = "TEST_2024-01-02_34200000_34260000"
(_DIR / f"{STEM}_message_1.csv").write_text("34200.001,1,1,100,100000,1\n"
                                            "34200.002,1,2,200,100100,-1\n")
(_DIR / f"{STEM}_orderbook_1.csv").write_text("9999999999,0,100000,100\n"
                                              "100100,200,100000,100\n")
(_DIR / "trades.csv").write_text("time,price,size,side\n1.0,10.0,5,buy\n2.0,10.1,5,sell\n")
(_DIR / "quotes.csv").write_text("time,bid,ask,bid_size,ask_size\n1.0,10.0,10.1,1,1\n")
(_DIR / "chapters").mkdir()  # no chapter: the runner can never start one here
_CRYPTO = pd.DataFrame({c: [pd.Timestamp("2021-04-07", tz="UTC")] if c == "system_time" else
                        [0.0] for c in data.crypto.columns(1)})
_CRYPTO.loc[0, ["midpoint", "spread", "bids_distance_0", "asks_distance_0"]] = [
    100.0, 0.02, -1e-4, 1e-4]
data.write_crypto_snapshots(_CRYPTO, _DIR / "X_1sec.csv")

# a small spot capture (hand-worked in test_data_binance) and a 24-settlement funding history
_CAPTURE_PATH = write_capture(_DIR, SPOT, "capture.txt")
CAPTURE = data.load_binance_capture(_CAPTURE_PATH)
BOOK = data.rebuild_book(CAPTURE, levels=3)
_FUNDING_PATH = write_funding(_DIR, [f"{T0 + k * H8},{1e-4 * (1 + np.sin(k))},{42_000 + k}"
                                     for k in range(24)], name="BTCUSDT_funding.csv")
HISTORY = data.load_funding(_FUNDING_PATH)
RATE = HISTORY.rate
_MIDS = pd.Series(100.0 + np.sin(np.arange(30)), index=10**9 + 1_000_000 * np.arange(30))
RULE = FundingRule("test (5 min)", 1 / 12, 1e-4, 5e-4, 3e-3, sample_seconds=60.0)
CARRY = dict(rate=RATE, forecast=RATE.to_numpy(), mark=HISTORY.frame["mark_price"].to_numpy())

MARKET = dict(sigma=0.2, arrival_rate=2.0, mean_size=2.0, price_sensitivity=5.0, s0=100.0, T=1.0,
              dt=0.1, n_paths=4, seed=1)
DEALER = dict(half_spread=0.05, skew=0.01, max_inventory=8)
GLFT = dict(gamma=0.01, k=0.3, A=0.9, sigma=0.3, Q=3)
STATE = rng.path_states(3, 1)[0]

GOOD: dict[str, dict[str, object]] = {
    # mslab.inventory
    "reservation_price": dict(s=100.0, q=1.0, gamma=0.1, sigma=2.0, tau=0.5),
    "optimal_spread": dict(gamma=0.1, k=1.5, sigma=2.0, tau=0.5),
    "symmetric_constant_mean_profit": dict(gamma=0.1, k=1.5, A=140.0, T=1.0, dt=0.005),
    "simulate_linear_quotes": dict(half_spread=[0.5, 0.5], skew=[0.1, 0.1], k=1.5, A=140.0,
                                   sigma=2.0, s0=100.0, dt=0.005, n_paths=4, seed=0,
                                   record_paths=1),
    "simulate_avellaneda_stoikov": dict(gamma=0.1, k=1.5, A=140.0, sigma=2.0, s0=100.0, T=0.05,
                                        dt=0.005, n_paths=4, seed=0, strategy="inventory",
                                        symmetric_spread="full", record_paths=1),
    "simulate_dealer": dict(**DEALER, **MARKET),
    "simulate_hedging_dealer": dict(**DEALER, hedge_threshold=3, outside_half_spread=0.03,
                                    hedge_fee=0.01, **MARKET),
    "simulate_dealer_competition": dict(risk_aversions=[0.0, 1.0], half_spread=0.05,
                                        holding_time=1.0, **MARKET),
    "glft_exact_quotes": dict(**GLFT, T=60.0, times=[0.0, 30.0]),
    "glft_asymptotic_quotes": dict(gamma=0.01, k=0.3, A=0.9, sigma=0.3, q=[0, 1], mu=0.0),
    "simulate_glft": dict(**GLFT, s0=100.0, T=6.0, dt=0.5, n_paths=4, seed=0, record_paths=1),
    "quote_curves": dict(gammas=[0.01, 0.1], k=1.5, A=140.0, sigma=2.0, T=1.0, max_inventory=2),
    # mslab.data
    "load_lobster": dict(message_path=_DIR / f"{STEM}_message_1.csv", orderbook_path=None,
                         strict=False),
    "load_crypto_snapshots": dict(path=_DIR / "X_1sec.csv", levels=1, strict=False),
    "load_trades": dict(path=_DIR / "trades.csv", strict=False),
    "load_quotes": dict(path=_DIR / "quotes.csv", strict=False),
    "parse_name": dict(path=f"{STEM}_message_1.csv"),
    "write_crypto_snapshots": dict(frame=_CRYPTO, path=_DIR / "out" / "Y_1sec.csv"),
    "write_lobster": dict(directory=_DIR / "out", ticker="T", date="2024-01-02", start_ms=0,
                          end_ms=1000, messages={c: np.ones(1, dtype=np.int64)
                                                 for c in lobster.MESSAGE_COLUMNS},
                          book=np.array([[100100, 1, 100000, 1]])),
    "load_binance_capture": dict(paths=_CAPTURE_PATH, venue=None, contract_size=None,
                                 strict=False),
    "write_binance_capture": dict(capture=CAPTURE, path=_DIR / "out" / "capture.parquet"),
    "receive_lag_ms": dict(capture=CAPTURE, kind="trade", exchange_time="event"),
    "rebuild_book": dict(capture=CAPTURE, levels=3),
    "best_bid_offer": dict(capture=CAPTURE, source="book"),
    "mid_series": dict(capture=CAPTURE, source="ticker"),
    "ticker_agreement": dict(capture=CAPTURE, book=BOOK),
    "load_funding": dict(path=_FUNDING_PATH, interval_hours=None, max_jitter_ms=1_000,
                         strict=False),
    # mslab.funding
    "sample_mid": dict(mid=_MIDS, grid_ns=_MIDS.index.to_numpy()[::3] + 1),
    "basis_series": dict(perp=_MIDS * 1.001, spot=_MIDS, step_ms=2),
    "mean_reversion": dict(basis=np.sin(np.arange(20)), step_seconds=1.0),
    "carry_backtest": dict(**CARRY, interval_hours=8.0, leverage=3.0, fee=4e-4, entry=1e-4,
                           exit=0.5e-4, allow_reverse=True, maintenance=4e-3,
                           liquidation_fee=1.25e-2),
    "carry_grid": dict(**CARRY, leverages=[1.0, 3.0], fees=[0.0, 4e-4]),
    "newey_west_lags": dict(n=100),
    "hac_mean": dict(values=np.sin(np.arange(10)), maxlags=None),
    "on_grid": dict(rate=RATE, interval_hours=8.0),
    "autocorrelations": dict(rate=RATE, interval_hours=8.0),
    "stylized_facts": dict(rate=RATE, interval_hours=8.0, interest=1e-4, cap=3e-3),
    "yearly_means": dict(rate=RATE, interval_hours=8.0, interest=1e-4),
    "walk_forward_ar": dict(rate=RATE.to_numpy(), order=1, refit=2, min_train=5),
    "load_histories": dict(paths=[_FUNDING_PATH]),
    "grid_frame": dict(history=HISTORY),
    "report_table": dict(histories={"BTCUSDT": HISTORY}),
    "premium_index": dict(index=[100.0, 100.0], impact_bid=[100.1, 99.0],
                          impact_ask=[100.2, 99.5]),
    "average_premium": dict(premium=[1e-4, 2e-4, 0.0, -1e-4], samples_per_interval=2),
    "simulate_premium": dict(rule=RULE, n_intervals=3, mean=2e-4, reversion_per_hour=1.0,
                             vol_per_sqrt_hour=3e-4, half_spread=5e-5, seed=0),
    "funding_cashflows": dict(position=[1.0, -2.0], mark=[100.0, 101.0], rate=1e-4),
    "price_ratio": dict(kappa=0.3, iota=0.0, r_a=0.05, r_b=0.01, contract="linear",
                        funding="continuous"),
    "monte_carlo_price": dict(kappa=0.3, iota=0.0, r_a=0.05, r_b=0.01, sigma=0.6,
                              contract="linear", funding="continuous", n_paths=100, seed=0),
    "rule_table": dict(),
    # mslab.rng: path_states validates; the jitted draws are kernel building blocks that
    # validate nothing but must never raise (they run inside prange loops)
    "path_states": dict(seed=0, n_paths=3),
    "normal_draws": dict(seed=0, n_paths=3, n_draws=4),
    "exponential": dict(s=STATE, rate=1.0),
    "poisson": dict(s=STATE, lam=2.0),
    "randint": dict(s=STATE, n=3),
    "uniform": dict(s=STATE),
    "normal": dict(s=STATE),
    "next_u64": dict(s=STATE),
    "to_unit": dict(x=np.uint64(12345)),
    "xoshiro_step": dict(a=np.uint64(1), b=np.uint64(2), c=np.uint64(3), d=np.uint64(4)),
    "normal_step": dict(a=np.uint64(1), b=np.uint64(2), c=np.uint64(3), d=np.uint64(4)),
    # mslab.glue (the glue_* functions store into the notebook; outside one they only check)
    "number": dict(value=1234.5, digits=2, percent=False, signed=False, name="value"),
    "pm": dict(mean=1.0, se=0.1, digits=2, percent=False),
    "prose_sign": dict(text="-0.10"),
    "pm_column": dict(means=[1.0, 2.0], ses=[0.1, 0.2], digits=2, percent=False),
    "glue_num": dict(name="x", value=1.0),
    "glue_text": dict(name="x", text="y"),
    "glue_number": dict(name="x", value=1.0, digits=2, percent=False, signed=False),
    "compare": dict(a=1.0, b=2.0, words=("above", "below", "equal to"), tolerance=0.0),
    "one_row": dict(frame=pd.DataFrame({"k": ["a", "b"], "v": [1, 2]}), k="a"),
    # mslab.runner: the command line and its parameter parsing
    "parse_value": dict(text="0.5"),
    "collect_overrides": dict(pairs=[["gamma", "0.5"]], yaml_file=None),
    "main": dict(argv=["--chapters-dir", str(_DIR / "chapters"), "--output-dir",
                       str(_DIR / "book"), "-p", "gamma", "0.5"]),
}
MISSING_AS_NAN = {"walk_forward_ar", "sample_mid"}  # NaN documented: no forecast / no mid yet
KERNEL_ONLY = {"exponential", "poisson", "randint", "uniform", "normal", "next_u64", "to_unit",
               "xoshiro_step", "normal_step"}


def public_functions() -> dict[str, object]:
    """Every public function of ``MODULES``: ``__all__``, else the module's own functions."""
    found = {}
    for module in MODULES:
        names = getattr(module, "__all__", None) or [
            n for n, f in vars(module).items()
            if not n.startswith("_") and inspect.isfunction(f) and f.__module__ == module.__name__]
        for name in names:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or isinstance(obj, CPUDispatcher):
                found[name] = obj
    return found


FUNCTIONS = public_functions()


def parameter_names(func: object) -> list[str]:
    """The named parameters of a function or of a jitted function's Python original."""
    py = func.py_func if isinstance(func, CPUDispatcher) else func
    return [p.name for p in inspect.signature(py).parameters.values()
            if p.kind is not inspect.Parameter.VAR_KEYWORD]


def parameters(name: str) -> list[str]:
    return parameter_names(FUNCTIONS[name])


def test_the_runner_cannot_start_a_chapter_here():
    """``main`` gets arbitrary argv: with cwd the scratch directory, whose chapters/ is empty,
    no argv can run a chapter (or write into the repository's book/)."""
    assert Path.cwd() == _DIR and not list((_DIR / "chapters").iterdir())
    assert runner.main([]) == 2


def test_every_public_function_is_covered():
    missing = sorted(set(FUNCTIONS) - set(GOOD))
    assert not missing, f"add valid arguments for {missing} to GOOD (and check its extremes)"
    for name, kwargs in GOOD.items():
        assert name in FUNCTIONS, f"{name} is no longer public: remove it from GOOD"
        assert set(parameters(name)) <= set(kwargs), name


# ------------------------------------------------------------------------- what is sensible

def _finite(*arrays: object) -> None:
    for a in arrays:
        arr = np.asarray(a, dtype=float)
        assert np.all(np.isfinite(arr)), f"non-finite result {arr!r}"


def assert_sensible(result: object) -> None:
    """A finite result: key arrays of each result type hold finite numbers only (NaN is
    allowed where documented, e.g. the unquoted side of a GLFT table)."""
    if isinstance(result, QuotingResult):
        _finite(result.profit, result.final_inventory, result.n_bid_fills, result.n_ask_fills)
        assert result.profit.size == result.n_paths
    elif isinstance(result, (DealerResult, CompetitionResult)):
        _finite(result.pnl, result.final_inventory, result.mean_abs_inventory)
    elif isinstance(result, GLFTQuotes):
        _finite(result.bid_depth[:, :-1], result.ask_depth[:, 1:])
    elif isinstance(result, GLFTAsymptoticQuotes):
        _finite(result.bid_depth, result.ask_depth)
    elif isinstance(result, pd.DataFrame) and "depth" in result:  # quote_curves
        _finite(result["depth"])
    elif isinstance(result, np.ndarray) and result.dtype.kind == "f":
        _finite(result)
    elif isinstance(result, float):
        assert not math.isnan(result)
    elif isinstance(result, CarryResult):
        _finite(result.frame["returns"], result.frame["turnover"])
    elif isinstance(result, MeanEstimate):
        _finite(result.mean, result.se_hac, result.se_iid)
    elif isinstance(result, MeanReversion):
        _finite(result.phi, result.phi_se)
    elif isinstance(result, MonteCarloPrice):
        _finite(result.ratio, result.standard_error, result.closed_form)
    elif isinstance(result, PremiumSimulation):
        _finite(result.average_premium, result.rate, result.last_premium)
    elif isinstance(result, data.BinanceCapture):  # the kept messages are what the report says
        assert result.records.num_rows == result.report.rows_kept
    elif isinstance(result, data.L2Book):  # NaN marks an absent level
        assert not np.isinf(result.bid_price).any() and not np.isinf(result.ask_price).any()
    elif hasattr(result, "report"):  # a loader: the kept rows are what the report says
        frame = getattr(result, "frame", getattr(result, "messages", None))
        assert len(frame) == result.report.rows_kept
        book = getattr(result, "book", None)
        assert book is None or len(book) == len(frame)


CLI_SPELLING = {"yaml_file": ("-f",), "pairs": ("-p",)}  # the runner's options


def check_call(name: str, kwargs: dict[str, object], changed: str) -> None:
    """Call ``name``; accept a ValueError naming ``changed`` or a sensible result."""
    func = FUNCTIONS[name]
    try:
        if name == "main":
            try:
                code = func(**kwargs)
            except SystemExit as exc:  # argparse's own usage error
                code = exc.code
            assert code in (0, 2), code  # usage errors only: nothing can run here
            return
        result = func(**kwargs)
    except ValueError as exc:
        spellings = [changed, *CLI_SPELLING.get(changed, ())]
        assert any(re.search(rf"(?<![\w-]){re.escape(s)}(?![\w])", str(exc)) for s in spellings), (
            f"{name}({changed}=...) raised a ValueError that does not name {changed!r}: {exc}")
        return
    if name in KERNEL_ONLY:  # no validation, but a value and never an exception
        assert np.ndim(result) == 0 or isinstance(result, tuple)
        return
    if name in MISSING_AS_NAN:
        assert not np.isinf(result).any(), f"infinite result {result!r}"
        return
    assert_sensible(result)


CASES = [(name, p) for name in sorted(GOOD) for p in parameters(name) if name in FUNCTIONS]
NUMERIC = st.one_of(st.sampled_from([0.0, -0.0, 5e-324, 1e-300, -1.0, 1e300, 1.7e308, NAN, INF,
                                     -INF]), st.floats(allow_nan=True, allow_infinity=True))


# Known defects outside the files of this suite's change: strict, so a fix turns them into
# failures that ask for the entry to be removed.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


def _case(name: str, param: str) -> object:
    reason = KNOWN_DEFECTS.get((name, param))
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(name, param, marks=marks, id=f"{name}-{param}")


@pytest.mark.parametrize(("name", "param"),
                         [_case(n, p) for n, p in CASES if n not in KERNEL_ONLY])
@SETTINGS
@given(value=extremes())
def test_extreme_value_gives_a_named_error_or_a_sensible_result(name, param, value):
    check_call(name, {**GOOD[name], param: value}, param)


@pytest.mark.parametrize("name", sorted(KERNEL_ONLY & {"exponential", "poisson"}))
@SETTINGS
@given(value=NUMERIC)
def test_kernel_draws_never_raise(name, value):
    """The draws run inside prange loops, where an exception would be lost."""
    param = parameters(name)[1]
    check_call(name, {**GOOD[name], param: value}, param)


@SETTINGS
@given(n=st.integers(min_value=-2**62, max_value=2**62))
def test_randint_never_raises(n):
    check_call("randint", {**GOOD["randint"], "n": n}, "n")


def test_kernel_blocks_run_with_their_valid_arguments():
    for name in KERNEL_ONLY:
        check_call(name, GOOD[name], "")


# ------------------------------------------------------------------------- malformed files

LINE_PARTS = st.sampled_from(["1", "-1", "0", "34200.5", "1e300", "inf", "nan", "", " ", '"',
                              "a", "buy", "18446744073709551615", "9999999999", "\x00", "\ufeff",
                              "é", "2021-04-07 00:00:00+00:00"])
LINES = st.lists(st.lists(LINE_PARTS, min_size=0, max_size=7).map(",".join), max_size=6)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"])


def _write(path: Path, header: str | None, lines: list[str], encoding: str) -> Path:
    text = "\n".join(([header] if header else []) + lines) + "\n"
    path.write_bytes(text.encode(encoding, errors="replace"))
    return path


LOADERS = {
    "trades": (lambda p: data.load_trades(p), "time,price,size,side"),
    "quotes": (lambda p: data.load_quotes(p), "time,bid,ask,bid_size,ask_size"),
    "crypto": (lambda p: data.load_crypto_snapshots(p, levels=1), ",".join(data.crypto.columns(1))),
    "funding": (lambda p: data.load_funding(p), "fundingTime,fundingRate,markPrice"),
}


@pytest.mark.parametrize("kind", sorted(LOADERS))
@SETTINGS
@given(lines=LINES, encoding=ENCODINGS)
def test_malformed_table_files_are_reported_or_refused(kind, lines, encoding):
    load, header = LOADERS[kind]
    path = _write(_DIR / f"{kind}.csv" if kind != "crypto" else _DIR / "Z_1sec.csv", header,
                  lines, encoding)
    try:
        result = load(path)
    except data.DataValidationError:
        return
    assert_sensible(result)
    assert result.report.rows_kept + result.report.n_dropped <= sum(result.report.rows_read
                                                                    .values())
    assert set(result.frame.index) <= set(range(2, len(lines) + 2))


# a capture line: a valid message of the hand-worked capture, one with a value replaced, or junk
CAPTURE_LINES = st.lists(st.one_of(
    st.sampled_from(SPOT),
    st.tuples(st.sampled_from(SPOT), st.sampled_from(['"1.0"', '"100.00"', "102", "1004"]),
              st.sampled_from(['"-1"', '"inf"', '"nan"', "1e300", "18446744073709551615",
                               "null", "true", '"é"', "[]", '""'])).map(
        lambda t: t[0].replace(t[1], t[2], 1)),
    LINES.map(",".join)), max_size=10)


@SETTINGS
@given(lines=CAPTURE_LINES, encoding=ENCODINGS)
def test_malformed_binance_captures_are_reported_or_refused(lines, encoding):
    path = _write(_DIR / "bad_capture.txt", None, lines, encoding)
    try:
        capture = data.load_binance_capture(path)
    except data.DataValidationError:
        return
    assert_sensible(capture)
    assert capture.report.rows_kept <= len(lines)
    try:
        book = data.rebuild_book(capture, levels=2)
    except data.DataValidationError:  # prices that are not decimals: refused clearly
        return
    assert_sensible(book)
    assert book.bid_price.shape == (len(capture.depth), 2)
    data.ticker_agreement(capture, book)


@SETTINGS
@given(messages=LINES, book=LINES, encoding=ENCODINGS)
def test_malformed_lobster_files_keep_messages_and_book_aligned(messages, book, encoding):
    (_DIR / "lob").mkdir(exist_ok=True)
    m = _write(_DIR / "lob" / f"{STEM}_message_1.csv", None, messages, encoding)
    _write(m.with_name(f"{STEM}_orderbook_1.csv"), None, book, encoding)
    try:
        result = data.load_lobster(m)
    except data.DataValidationError:
        return
    assert_sensible(result)
    assert result.book.shape == (len(result.messages), 4)
    assert result.messages["time"].notna().all() and np.isfinite(result.messages["time"]).all()
