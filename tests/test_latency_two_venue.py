"""Two-venue simulator: conservation of units and cash, limits, races, markouts and the
toxic-flow detector."""

import numpy as np
import pytest

from mslab.latency.jumps import discrete_jumps
from mslab.latency.two_venue import (detector_table, latency_transfer_grid, markouts,
                                     simulate_two_venue)

LAW = discrete_jumps([0.01, 0.02, 0.04], [0.5, 0.3, 0.2])


@pytest.mark.parametrize("delay, limit, cash0", [(0.0, 4.0, 300.0), (5000.0, 3.0, 150.0),
                                                 (60_000.0, 3.0, 101.0)])
def test_units_and_cash_conserved_and_limits_respected(delay, limit, cash0):
    s = simulate_two_venue(law=LAW, transfer_delay_ms=delay, inv_limit=limit, cash0=cash0,
                           horizon=1800.0, seed=4).summary
    assert s["units_fast"] + s["units_slow"] + s["transit_units"] == pytest.approx(4.0)
    cash = s["cash_fast"] + s["cash_slow"] + s["transit_cash"] - 2 * cash0
    assert cash == pytest.approx(s["profit"], abs=1e-8)
    assert s["min_units"] >= 0.0 and s["max_units"] <= limit and s["min_cash"] >= 0.0
    assert s["trades"] + s["lost"] + s["missed"] == s["opportunities"] and s["trades"] > 0
    if delay == 0.0:
        assert s["missed"] == 0 and s["stranded_units"] == 0.0
    else:
        assert s["stranded_units"] > 0.0


def test_races_latency_and_transfer_delay():
    grid = latency_transfer_grid([1.0, 15.0, 25.0, 40.0], [0.0, 60_000.0], law=LAW,
                                 horizon=1800.0, seed=1)
    for _, g in grid.groupby("transfer_delay_ms"):
        assert np.all(np.diff(g["trades"].to_numpy()) <= 0)       # slower: fewer wins
    # the LP updates 20–30 ms after a jump: a 1-ms arbitrageur (jitter ≤ 10 ms) always wins,
    # a 40-ms one never does
    fast = grid[(grid["arb_latency_ms"] == 1.0) & (grid["transfer_delay_ms"] == 0.0)].iloc[0]
    slow = grid[grid["arb_latency_ms"] == 40.0]
    assert fast["lost"] == 0 and (slow["trades"] == 0).all()
    slow_transfer = grid[(grid["arb_latency_ms"] == 1.0) & (grid["transfer_delay_ms"] == 60_000.0)]
    assert slow_transfer["missed"].iloc[0] > 0
    assert slow_transfer["profit_per_hour"].iloc[0] < fast["profit_per_hour"]


def test_markouts_and_detector():
    run = simulate_two_venue(law=LAW, horizon=3600.0, seed=2)
    marked = markouts(run, 1000.0, 40.0)
    inv = marked.loc[~marked["arbitrageur"], "markout"]
    # uninformed investors pay the half-spread on average
    assert abs(inv.mean() - 0.01) < 4 * inv.std(ddof=1) / np.sqrt(inv.size)
    arb = marked.loc[marked["arbitrageur"], "markout"]
    assert arb.mean() < -0.01
    table = detector_table(marked).set_index("tag")
    assert table.loc["fast", "recall"] == 1.0        # the window covers the arbitrageur's latency
    assert table.loc["fast", "mean markout"] < 0 < table.loc["slow", "mean markout"]
    narrow = detector_table(markouts(run, 1000.0, 3.0)).set_index("tag")
    assert narrow.loc["fast", "recall"] < 0.5


def test_bad_parameters():
    with pytest.raises(ValueError, match="inv_limit"):
        simulate_two_venue(law=LAW, units0=3.0, inv_limit=2.0)
    with pytest.raises(ValueError, match="transfer_delay_ms"):
        simulate_two_venue(law=LAW, transfer_delay_ms=-1.0)
    with pytest.raises(ValueError, match="law"):
        simulate_two_venue(law=None)
