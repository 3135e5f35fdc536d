"""Explorable figures: the control helpers (mslab.explorable), the data the chapters' explorers
embed (quote_curves, race_grid, frontier_table) against the closed forms they tabulate, and the
export options of the offline renderer (mslab.figures). The browser side (moving a control
redraws the chart; SVG/PNG/CSV export offline) is tested in test_book_offline.py."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest

from mslab import explorable, figures
from mslab.execution import almgren_chriss as ac
from mslab.execution.frontier_explorer import frontier_table
from mslab.inventory import glft_asymptotic_quotes, optimal_spread, quote_curves, reservation_price
from mslab.latency.batch_auction import sniping_share
from mslab.latency.bcs_equilibrium import half_spread, profits
from mslab.latency.jumps import discrete_jumps
from mslab.latency.race_explorer import race_grid

GAMMAS = np.geomspace(0.002, 2.0, 13)


# ----------------------------------------------------------------------------- controls

def test_grid_slider_steps_through_a_log_grid_and_starts_at_the_nearest_point():
    p = explorable.grid_slider("lg", GAMMAS, "risk aversion log₁₀ γ", value=0.1, log=True)
    bind = p.param.bind.to_dict()
    assert bind["input"] == "range" and bind["name"] == "risk aversion log₁₀ γ "
    assert bind["min"] == pytest.approx(np.log10(0.002)) and bind["max"] == pytest.approx(np.log10(2))
    assert bind["step"] == 0.25
    assert p.param.value == pytest.approx(np.log10(GAMMAS[7]))  # 0.1125 is nearest 0.1


def test_slider_values_match_the_filter_at_every_slider_position():
    """Every slider position (min + i·step, as the browser computes it) selects exactly one
    grid point through on_grid's tolerance."""
    x = explorable.slider_value(GAMMAS, GAMMAS, log=True)
    bind = explorable.grid_slider("lg", GAMMAS, "γ", log=True).param.bind.to_dict()
    expr = explorable.on_grid("lg_col", "lg", GAMMAS, log=True)
    tol = float(expr.rsplit("<", 1)[1])
    for i in range(len(GAMMAS)):
        pos = bind["min"] + i * bind["step"]
        assert np.sum(np.abs(x - pos) < tol) == 1
    assert expr.startswith('abs(datum["lg_col"] - lg)')


@pytest.mark.parametrize("grid, log", [([1.0, 2.0, 4.0], False), ([1.0, 10.0, 50.0], True),
                                       ([1.0], False), ([2.0, 1.0], False), ([0.0, 1.0], True),
                                       ([1.0, np.nan], False)])
def test_grid_slider_refuses_uneven_or_bad_grids(grid, log):
    with pytest.raises(ValueError, match="grid"):
        explorable.grid_slider("x", grid, "x", log=log)


def test_slider_value_refuses_values_off_the_grid():
    with pytest.raises(ValueError, match="values"):
        explorable.slider_value([1.0, 2.0, 3.0], [2.5])
    with pytest.raises(ValueError, match="name"):
        explorable.grid_slider("not a name", [1.0, 2.0], "x")


def test_choice_binds_a_dropdown_or_radio_and_checks_its_options():
    p = explorable.choice("model", ["a", "b"], "queue model", value="b")
    assert p.param.bind.to_dict() == {"input": "select", "options": ["a", "b"], "name": "queue model "}
    assert p.param.value == "b"
    r = explorable.choice("model", ["a", "b"], "queue model", radio=True)
    assert r.param.bind.to_dict()["input"] == "radio"
    assert explorable.is_choice("model", p) == 'datum["model"] == model'
    for bad in ([], ["a", "a"], "ab", [1, 2]):
        with pytest.raises(ValueError, match="options"):
            explorable.choice("m", bad, "x")
    with pytest.raises(ValueError, match="value"):
        explorable.choice("m", ["a"], "x", value="z")


def test_long_metrics_labels_and_rounds():
    frame = pd.DataFrame({"k": ["a", "b"], "x": [1.23456789, 2.0], "y": [3.0, 4.0]})
    out = explorable.long_metrics(frame, ["k"], {"x": "x (s)", "y": "y ($)"}, digits=3)
    assert list(out.columns) == ["k", "metric", "value"] and len(out) == 4
    assert out.loc[(out.k == "a") & (out.metric == "x (s)"), "value"].item() == 1.235
    with pytest.raises(ValueError, match="metrics"):
        explorable.long_metrics(frame, ["k"], {"z": "z"})


def test_long_metrics_missing_key_column_names_keys():
    frame = pd.DataFrame({"k": ["a", "b"], "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"^keys=\['k', 'q'\] is not allowed.*missing: \['q'\]"):
        explorable.long_metrics(frame, ["k", "q"], {"x": "x (s)"})


def test_relabel_and_value_text():
    expr = explorable.relabel("k", {"a": "alpha", "b": 'say "b"'})
    assert expr == ('datum["k"] == "a" ? "alpha" : datum["k"] == "b" ? "say \\"b\\"" : '
                    'datum["k"]')
    with pytest.raises(ValueError, match="labels"):
        explorable.relabel("k", {})
    view = explorable.value_text("'γ = ' + lg", width=300).to_dict()
    assert view["transform"] == [{"calculate": "'γ = ' + lg", "as": "text"}]
    assert view["width"] == 300 and view["mark"]["type"] == "text"


def test_check_size_refuses_a_heavy_chart():
    small = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q")
    assert explorable.check_size(small) is small
    big = alt.Chart(pd.DataFrame({"x": np.arange(4000) / 7})).mark_point().encode(x="x:Q")
    with pytest.raises(ValueError, match="chart"):
        explorable.check_size(big, max_bytes=10_000)


# ----------------------------------------------------------------------------- explorer data

def test_quote_curves_tabulate_the_closed_forms():
    q = np.arange(-3, 4)
    d = quote_curves(GAMMAS[[2, 7]], k=1.5, A=140.0, sigma=2.0, T=1.0, max_inventory=3)
    assert len(d) == 2 * 3 * 2 * q.size
    g = GAMMAS[7]
    start = d[(d.gamma == g) & (d.rule == "as_start")]
    skew = reservation_price(0.0, q, g, 2.0, 1.0)
    half = 0.5 * optimal_spread(g, 1.5, 2.0, 1.0)
    np.testing.assert_allclose(start[start.side == "ask"].depth, skew + half)
    np.testing.assert_allclose(start[start.side == "bid"].depth, half - skew)
    end = d[(d.gamma == g) & (d.rule == "as_horizon")]
    np.testing.assert_allclose(end.depth, np.log1p(g / 1.5) / g)  # no skew at the horizon
    glft = d[(d.gamma == g) & (d.rule == "glft")]
    ref = glft_asymptotic_quotes(g, 1.5, 140.0, 2.0, q)
    np.testing.assert_allclose(glft[glft.side == "bid"].depth, ref.bid_depth)
    np.testing.assert_allclose(glft[glft.side == "ask"].depth, ref.ask_depth)


def test_quote_curves_validate():
    with pytest.raises(ValueError, match="gammas"):
        quote_curves([0.0, 0.1], k=1.5, A=140.0, sigma=2.0, T=1.0)
    with pytest.raises(ValueError, match="max_inventory"):
        quote_curves([0.1], k=1.5, A=140.0, sigma=2.0, T=1.0, max_inventory=-1)
    with pytest.raises(ValueError, match="gammas"):
        quote_curves(np.geomspace(0.01, 1, 2000), k=1.5, A=140.0, sigma=2.0, T=1.0)


def test_race_grid_is_the_equilibrium():
    law = discrete_jumps([1.0, 2.0, 4.0], [0.5, 0.3, 0.2])
    d = race_grid(10.0, 1.0, law, delta=0.001, c_speed=0.05, n_values=[2, 5],
                  tau_values=[0.001, 0.1])
    assert len(d) == 4
    for row in d.itertuples():
        share = sniping_share(0.001, row.tau)
        h = half_spread(10.0, 1.0, law, share)
        assert row.half_spread == pytest.approx(h, rel=1e-12)
        # provider and each sniper earn the same: the prize divided by N
        if share == 1.0:
            pr = profits(10.0, 1.0, law, h, row.N)
            assert row.firm_gross == pytest.approx(pr.sniper, rel=1e-9)
            assert row.firm_gross == pytest.approx(pr.provider, rel=1e-9)
        assert row.investors == pytest.approx(10.0 * h)
        assert row.firm_net == pytest.approx(row.investors / row.N - 0.05)
        assert row.speed_total == pytest.approx(0.05 * row.N)
    with pytest.raises(ValueError, match="n_values"):
        race_grid(10.0, 1.0, law, delta=0.001, c_speed=0.05, n_values=[1], tau_values=[0.1])
    with pytest.raises(ValueError, match="tau_values"):
        race_grid(10.0, 1.0, law, delta=0.001, c_speed=0.05, n_values=[2], tau_values=[0.0])


def test_frontier_table_reaches_the_efficient_frontier():
    p = ac.ACParams(X=1e6, T=5.0, N=5, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)
    lams = [0.0, 1e-6, 1e-5]
    d = frontier_table(p, lams)
    assert len(d) == 3 * 6
    e, v = ac.efficient_frontier(p, np.array(lams))
    per = d.groupby("lam").first()
    np.testing.assert_allclose(per["cost"], e)
    np.testing.assert_allclose(per["sd"], np.sqrt(v))
    np.testing.assert_allclose(d[d.lam == 1e-6]["held"], ac.trajectory(p, 1e-6))
    with pytest.raises(ValueError, match="lams"):
        frontier_table(p, [-1.0])


# ----------------------------------------------------------------------------- export

def test_renderer_offers_svg_png_and_data_export_without_the_editor():
    figures.enable()
    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "label": ['a,"b"', "c"]})).mark_point().encode(
        x="x:Q")
    html = figures.renderer(chart.to_dict())["text/html"]
    start = html.index("opt = ") + len("opt = ")
    opt = json.loads(html[start:html.index(";", start)])
    assert opt["actions"] == {"export": {"svg": True, "png": True}, "source": False,
                              "compiled": False, "editor": False}
    assert opt["downloadFileName"].startswith("mslab-chart-")
    assert "mslab-data-action" in html and json.dumps(figures.DATA_ACTION) in html
    assert "data:text/csv" in html
