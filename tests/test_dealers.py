"""Tests of mslab.inventory.dealers (quote-driven dealer markets)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_in_subprocess
from mslab.inventory.dealers import (
    simulate_dealer,
    simulate_dealer_competition,
    simulate_hedging_dealer,
)

MARKET = dict(sigma=0.2, arrival_rate=2.0, mean_size=2.0, price_sensitivity=5.0, s0=100.0,
              T=100.0, dt=0.1, n_paths=300, seed=2024)
DEALER = dict(half_spread=0.05, skew=0.01, max_inventory=8)
HEDGE = dict(hedge_threshold=3, outside_half_spread=0.03, hedge_fee=0.01)
UNLIMITED = 10**9


def _assert_same_cash(a, b, res):
    """``a == b`` per path up to rounding: 1e-12 of the gross cash traded on that path."""
    gross = MARKET["s0"] * (res.volume_filled + getattr(res, "hedged_volume", 0) + 1)
    assert np.all(np.abs(a - b) <= 1e-12 * gross)


@pytest.mark.parametrize("price_sensitivity", [0.0, 5.0])
def test_rejections_are_counted_against_the_same_client_flow(price_sensitivity):
    """Same seed, same arrivals: the unlimited dealer facing price-insensitive clients fills
    every arrival, Poisson(2 lambda T) trades of mean size m; the limited dealer fills, rejects
    or sees declined exactly those arrivals."""
    limited = simulate_dealer(**DEALER, **{**MARKET, "price_sensitivity": price_sensitivity})
    free = simulate_dealer(**{**DEALER, "max_inventory": UNLIMITED},
                           **{**MARKET, "price_sensitivity": 0.0})
    np.testing.assert_array_equal(limited.n_filled + limited.n_rejected + limited.n_declined,
                                  free.n_filled)
    if price_sensitivity == 0.0:
        assert np.all(limited.n_declined == 0)
        np.testing.assert_array_equal(limited.volume_filled + limited.volume_rejected,
                                      free.volume_filled)
    else:  # about 1 - exp(-5 * 0.05) = 22% of clients walk away at zero inventory
        assert 0.1 < limited.n_declined.sum() / free.n_filled.sum() < 0.4
    assert np.all(free.n_rejected == 0) and np.all(free.volume_rejected == 0)
    assert limited.n_rejected.sum() > 0 and limited.max_abs_inventory.max() == 8
    assert np.all(limited.max_abs_inventory <= 8) and np.all(np.abs(limited.final_inventory) <= 8)
    assert np.all(limited.volume_rejected >= limited.n_rejected)
    assert free.max_abs_inventory.max() > 8
    n, expected = MARKET["n_paths"], 2 * MARKET["arrival_rate"] * MARKET["T"]
    assert abs(free.n_filled.mean() - expected) < 4 * np.sqrt(expected / n)
    sizes = free.volume_filled.sum() / free.n_filled.sum()  # geometric, mean 2, variance 2
    assert abs(sizes - MARKET["mean_size"]) < 4 * np.sqrt(2.0 / free.n_filled.sum())


@pytest.mark.parametrize("skew", [0.0, 0.01, 0.2])
def test_dealer_pnl_identity(skew):
    res = simulate_dealer(**{**DEALER, "skew": skew}, **MARKET)
    _assert_same_cash(res.pnl, res.spread_income + res.inventory_pnl, res)
    if skew == 0.0:  # every fill earns exactly the half-spread
        np.testing.assert_allclose(res.spread_income, DEALER["half_spread"] * res.volume_filled,
                                   rtol=1e-12)
    assert np.all(res.mean_sq_inventory >= res.mean_abs_inventory**2 - 1e-9)
    assert np.all(res.mean_abs_inventory <= res.max_abs_inventory)


def test_skew_mean_reverts_inventory_of_price_sensitive_clients():
    flat = simulate_dealer(**{**DEALER, "skew": 0.0}, **MARKET)
    skewed = simulate_dealer(**{**DEALER, "skew": 0.02}, **MARKET)
    assert skewed.mean_sq_inventory.mean() < 0.7 * flat.mean_sq_inventory.mean()
    assert skewed.n_rejected.sum() < 0.5 * flat.n_rejected.sum()


def test_mid_is_a_martingale_with_variance_sigma_squared_per_unit_time():
    """q_n is known before the increment S_{n+1} - S_n, so inventory_pnl = sum_n q_n dS_n has
    mean 0 and E[inventory_pnl^2] = sigma^2 dt E[sum_n q_n^2] = sigma^2 T E[mean_sq_inventory]."""
    res = simulate_dealer(**DEALER, **MARKET)
    n = MARKET["n_paths"]
    x = res.inventory_pnl
    assert abs(x.mean()) < 4 * x.std() / np.sqrt(n)
    predicted = MARKET["sigma"] ** 2 * MARKET["T"] * res.mean_sq_inventory.mean()
    assert abs((x**2).mean() - predicted) < 4 * (x**2).std() / np.sqrt(n)


def test_nothing_fills_when_the_limit_is_zero():
    res = simulate_dealer(**{**DEALER, "max_inventory": 0}, **MARKET)
    assert np.all(res.n_filled == 0) and np.all(res.pnl == 0.0) and res.n_rejected.sum() > 0


def test_hedging_accounting_and_bounds():
    plain = simulate_dealer(**DEALER, **MARKET)
    hedger = simulate_hedging_dealer(**DEALER, **HEDGE, **MARKET)
    unit_cost = HEDGE["outside_half_spread"] + HEDGE["hedge_fee"]
    np.testing.assert_allclose(hedger.hedging_cost, unit_cost * hedger.hedged_volume, rtol=1e-12)
    _assert_same_cash(hedger.pnl,
                      hedger.spread_income + hedger.inventory_pnl - hedger.hedging_cost, hedger)
    assert hedger.n_hedges.sum() > 0
    assert np.all(hedger.hedged_volume >= hedger.n_hedges)
    assert np.all(hedger.max_abs_inventory <= HEDGE["hedge_threshold"])
    assert hedger.max_abs_inventory.max() == HEDGE["hedge_threshold"]
    assert np.all(np.abs(hedger.final_inventory) <= HEDGE["hedge_threshold"])
    # Same seed, same client flow.
    np.testing.assert_array_equal(hedger.n_filled + hedger.n_rejected + hedger.n_declined,
                                  plain.n_filled + plain.n_rejected + plain.n_declined)
    # Hedging cuts the inventory risk carried over time.
    assert hedger.mean_sq_inventory.mean() < 0.5 * plain.mean_sq_inventory.mean()
    assert np.mean(hedger.mean_sq_inventory < plain.mean_sq_inventory) > 0.9
    assert hedger.inventory_pnl.std() < plain.inventory_pnl.std()


def test_hedging_at_the_hard_limit_never_hedges():
    plain = simulate_dealer(**DEALER, **MARKET)
    hedger = simulate_hedging_dealer(**DEALER, **{**HEDGE, "hedge_threshold": 8}, **MARKET)
    assert hedger.n_hedges.sum() == 0 and hedger.hedging_cost.sum() == 0.0
    np.testing.assert_array_equal(hedger.pnl, plain.pnl)
    np.testing.assert_array_equal(hedger.final_inventory, plain.final_inventory)


def test_every_client_trade_goes_to_exactly_one_dealer():
    res = simulate_dealer_competition([0.0, 0.5, 2.0, 2.0], half_spread=0.05, holding_time=1.0,
                                      **MARKET)
    np.testing.assert_array_equal(res.trades_won.sum(1), res.n_client_trades)
    np.testing.assert_array_equal(res.final_inventory.sum(1), -res.net_client_flow)
    assert np.all(res.volume >= res.trades_won)
    assert np.all(res.trades_won.min(0) >= 0) and np.all(res.trades_won.sum(0) > 0)
    np.testing.assert_allclose(res.skew, np.array([0.0, 0.5, 2.0, 2.0]) * 0.04, rtol=1e-15)
    expected = 2 * MARKET["arrival_rate"] * MARKET["T"]
    n = MARKET["n_paths"]
    arrivals = res.n_client_trades + res.n_declined
    assert abs(arrivals.mean() - expected) < 4 * np.sqrt(expected / n)
    assert res.n_declined.sum() > 0


def test_equal_quotes_split_the_flow_evenly():
    """Without skew all quotes tie on every trade: each dealer wins Binomial(n, 1/N)."""
    n_dealers = 4
    res = simulate_dealer_competition(np.zeros(n_dealers), half_spread=0.05, holding_time=1.0,
                                      **MARKET)
    total = res.n_client_trades.sum()
    share = res.trades_won.sum(0) / total
    se = np.sqrt(0.25 * 0.75 / total)
    assert np.all(np.abs(share - 0.25) < 4 * se)
    # And symmetric dealers end up with symmetric books.
    np.testing.assert_allclose(res.mean_abs_inventory.mean(0), res.mean_abs_inventory.mean(),
                               rtol=0.15)


def test_least_risk_averse_dealer_carries_the_widest_inventory():
    """The dealer with the smallest risk aversion (listed last here) skews least, so it keeps
    buying and selling whatever the others' skews send its way: its inventory disperses most."""
    res = simulate_dealer_competition([2.0, 0.5, 0.1], half_spread=0.05, holding_time=1.0,
                                      **MARKET)
    spread_q = res.final_inventory.std(0)
    mean_abs = res.mean_abs_inventory.mean(0)
    assert spread_q[2] > 1.5 * max(spread_q[0], spread_q[1])
    assert mean_abs[2] > 1.5 * max(mean_abs[0], mean_abs[1])


def test_best_price_rule_keeps_equally_risk_averse_dealers_together():
    """Buyers take the lowest ask, i.e. trade with the longest dealer, and sellers with the
    shortest one, so the rule pulls the inventories of identical skewing dealers together;
    without skew (every quote tied) each trade goes to a random dealer and they drift apart."""
    skewed = simulate_dealer_competition([1.0, 1.0], half_spread=0.05, holding_time=1.0, **MARKET)
    tied = simulate_dealer_competition([0.0, 0.0], half_spread=0.05, holding_time=1.0, **MARKET)
    gap_skewed = np.diff(skewed.final_inventory, axis=1).std()
    gap_tied = np.diff(tied.final_inventory, axis=1).std()
    assert gap_skewed < 0.25 * gap_tied


def test_single_competitor_is_the_single_dealer():
    """With one dealer there is never a tie, so the random draws and the trades are those of
    simulate_dealer with skew = gamma sigma^2 holding_time and no binding limit."""
    gamma, holding = 0.5, 2.0
    alone = simulate_dealer_competition([gamma], half_spread=0.05, holding_time=holding, **MARKET)
    dealer = simulate_dealer(half_spread=0.05, skew=gamma * MARKET["sigma"] ** 2 * holding,
                             max_inventory=UNLIMITED, **MARKET)
    np.testing.assert_array_equal(alone.final_inventory[:, 0], dealer.final_inventory)
    np.testing.assert_array_equal(alone.trades_won[:, 0], dealer.n_filled)
    np.testing.assert_array_equal(alone.volume[:, 0], dealer.volume_filled)
    _assert_same_cash(alone.pnl[:, 0], dealer.pnl, dealer)
    np.testing.assert_allclose(alone.mean_abs_inventory[:, 0], dealer.mean_abs_inventory,
                               rtol=1e-12)


_THREAD_SCRIPT = """
import hashlib, json, numba, numpy as np
from mslab.inventory.dealers import (simulate_dealer, simulate_dealer_competition,
                                     simulate_hedging_dealer)
from mslab.inventory.glft import simulate_glft
market = dict(sigma=0.2, arrival_rate=2.0, mean_size=2.0, price_sensitivity=5.0, s0=100.0,
              T=20.0, dt=0.1, n_paths=64, seed=99)
results = [
    simulate_dealer(half_spread=0.05, skew=0.01, max_inventory=5, **market),
    simulate_hedging_dealer(half_spread=0.05, skew=0.01, max_inventory=5, hedge_threshold=2,
                            outside_half_spread=0.03, hedge_fee=0.01, **market),
    simulate_dealer_competition([0.0, 0.0, 1.0], half_spread=0.05, holding_time=1.0, **market),
]
glft = simulate_glft(0.01, 0.3, 0.9, 0.3, 5, 100.0, 60.0, 0.5, 64, 99, record_paths=3)
arrays = [v for r in results for v in vars(r).values()] + [
    glft.profit, glft.final_inventory, glft.n_bid_fills, glft.n_ask_fills, glft.paths.cash]
digest = hashlib.sha256()
for value in arrays:
    digest.update(np.ascontiguousarray(value).tobytes())
print(json.dumps([numba.get_num_threads(), digest.hexdigest(), int(results[2].trades_won.sum())]))
"""


def test_results_do_not_depend_on_the_number_of_threads():
    """Dealer kernels and the GLFT simulation, under 1 and 2 numba threads."""
    one, two = run_in_subprocess(_THREAD_SCRIPT, 1), run_in_subprocess(_THREAD_SCRIPT, 2)
    assert one[0] == 1 and two[0] == 2
    assert one[1] == two[1] and one[2] > 0


def test_same_seed_same_result_other_seed_other_result():
    a = simulate_hedging_dealer(**DEALER, **HEDGE, **MARKET)
    b = simulate_hedging_dealer(**DEALER, **HEDGE, **MARKET)
    c = simulate_hedging_dealer(**DEALER, **HEDGE, **{**MARKET, "seed": 1})
    for name, value in vars(a).items():
        np.testing.assert_array_equal(value, getattr(b, name))
    assert not np.array_equal(a.pnl, c.pnl)


BAD_MARKET = [("sigma", -0.1), ("sigma", float("nan")), ("arrival_rate", -1.0),
              ("arrival_rate", "fast"), ("mean_size", 0.5), ("mean_size", float("inf")),
              ("price_sensitivity", -5.0), ("price_sensitivity", float("nan")),
              ("s0", float("nan")), ("T", 0.0), ("dt", 0.0), ("dt", 101.0), ("dt", 0.3),
              ("dt", 10.0), ("n_paths", 0), ("n_paths", 3.0), ("seed", -1), ("seed", True)]
BAD_DEALER = [("half_spread", -0.01), ("half_spread", None), ("skew", -1.0),
              ("skew", float("inf")), ("max_inventory", -1), ("max_inventory", 2.5)]
BAD_HEDGE = [("hedge_threshold", -1), ("hedge_threshold", 9), ("hedge_threshold", 1.0),
             ("outside_half_spread", -0.01), ("hedge_fee", float("nan"))]
BAD_COMPETITION = [("risk_aversions", []), ("risk_aversions", [[0.1, 0.2]]),
                   ("risk_aversions", [0.1, -0.2]), ("risk_aversions", [0.1, float("inf")]),
                   ("risk_aversions", "low"), ("risk_aversions", [True, False]),
                   ("risk_aversions", None), ("half_spread", -1.0), ("holding_time", -1.0),
                   ("holding_time", float("nan"))]


def _call(kind, name, value):
    """Call ``kind`` with one parameter replaced; ``dt = 10`` divides T but implies 40
    expected arrivals per step."""
    kwargs = {**MARKET, "arrival_rate": 2.0}
    if kind == "dealer":
        return simulate_dealer(**{**DEALER, **kwargs, name: value})
    if kind == "hedging":
        return simulate_hedging_dealer(**{**DEALER, **HEDGE, **kwargs, name: value})
    args = {"risk_aversions": [0.0, 1.0], "half_spread": 0.05, "holding_time": 1.0, **kwargs}
    args[name] = value
    return simulate_dealer_competition(args.pop("risk_aversions"), **args)


@pytest.mark.parametrize(("kind", "name", "value"),
                         [("dealer", n, v) for n, v in BAD_MARKET + BAD_DEALER]
                         + [("hedging", n, v) for n, v in BAD_MARKET + BAD_DEALER + BAD_HEDGE]
                         + [("competition", n, v) for n, v in BAD_MARKET + BAD_COMPETITION])
def test_bad_parameters_are_rejected_by_name(kind, name, value):
    with pytest.raises(ValueError, match=f"^{name}="):
        _call(kind, name, value)


# --- extremes: bounded work, no unwritten memory, no raw errors ------------------------------


@pytest.mark.parametrize(("kind", "change", "names"), [
    ("dealer", {"T": 1e12, "dt": 0.01}, "T, dt"),                  # 1e14 steps
    ("dealer", {"T": 1e300, "dt": 1.0}, "T, dt"),                   # no int64 step count
    ("dealer", {"dt": 1e-300}, "T, dt"),
    ("dealer", {"n_paths": 10**12}, "n_paths"),                     # memory
    ("hedging", {"n_paths": 10**6, "T": 1e4, "dt": 0.1}, "n_paths, T, dt"),  # 1e11 path-steps
    ("competition", {"n_paths": 10**7, "T": 1e3, "dt": 1.0}, "n_paths, T, dt"),
])
def test_work_and_memory_beyond_the_bounds_are_refused_at_once(kind, change, names):
    with pytest.raises(ValueError, match=rf"^{names}.*mslab\._validate\.MAX_"):
        _call_many(kind, change)


def _call_many(kind, change):
    kwargs = {**MARKET, **change}
    if kind == "dealer":
        return simulate_dealer(**DEALER, **kwargs)
    if kind == "hedging":
        return simulate_hedging_dealer(**DEALER, **HEDGE, **kwargs)
    return simulate_dealer_competition([0.0, 1.0], half_spread=0.05, holding_time=1.0, **kwargs)


@pytest.mark.parametrize(("change", "name"), [
    ({"mean_size": 1e17}, "mean_size"), ({"mean_size": 1e7}, "mean_size"),
    ({"s0": 1e308, "sigma": 1e300}, "s0"),
    ({"half_spread": 1e308, "price_sensitivity": 0.0}, "half_spread"),
])
def test_extreme_market_values_raise_instead_of_returning_garbage(change, name):
    with pytest.raises(ValueError, match=name):
        simulate_dealer(**{**DEALER, **MARKET, "n_paths": 4, "T": 1.0, **change})


def test_a_kernel_never_raises_inside_prange_and_later_calls_still_work():
    """A size probability of 1e-17 once divided by log(1 - p) = 0 inside the parallel loop:
    the ZeroDivisionError was lost, pnl came back unwritten (~1e-312) and the next parallel
    call could fail. The kernels now use numpy's error model and NaN-initialised outputs."""
    from mslab import rng
    from mslab.inventory import dealers
    small = {**MARKET, "n_paths": 8, "T": 1.0}
    before = simulate_dealer(**DEALER, **small).pnl
    out = dealers._dealer_paths(rng.path_states(0, 8), 0.05, 0.01, 8, 8, 0.0, 0.1, 0.2, 1e-17,
                                5.0, 100.0, 10)
    assert all(np.all((np.abs(a) > 1e-300) | (a == 0)) for a in out)  # every value written
    np.testing.assert_array_equal(simulate_dealer(**DEALER, **small).pnl, before)
