"""Venue-pair harness on the shipped Binance captures (truncated copies written with
write_binance_capture) and the spread sweeps."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mslab.data.binance import load_binance_capture, write_binance_capture
from mslab.latency.jumps import discrete_jumps
from mslab.latency.sweeps import spread_sweeps
from mslab.latency.venues import (dislocation_episodes, dislocation_summary, lead_lag_curves,
                                  lead_lag_table, load_venue_quotes)

DATA = str(Path(__file__).resolve().parents[1] / "data" / "binance") + "/"


def truncated(path, out, minutes):
    cap = load_binance_capture(path)
    t = cap.records.column("local_ns").to_numpy()
    keep = t <= t[0] + minutes * 60e9
    short = dataclasses.replace(cap, records=cap.records.filter(keep))
    return write_binance_capture(short, out)


@pytest.fixture(scope="module")
def quotes(tmp_path_factory):
    d = tmp_path_factory.mktemp("caps")
    files = [truncated(DATA + "spot_btcusdt_20240808.parquet", d / "spot.parquet", 3),
             truncated(DATA + "usdm_btcusdt_20240808.parquet", d / "usdm.parquet", 3)]
    return load_venue_quotes([str(f) for f in files])


def test_two_venue_harness(quotes):
    assert len(quotes) == 2
    curves = lead_lag_curves(quotes, 20)
    table = lead_lag_table(curves)
    assert len(table) == 2 and set(table["estimator"]) == {"Hayashi–Yoshida", "1-ms grid"}
    assert (table["peak_corr"] >= table["corr_at_0"]).all()
    episodes, spans = dislocation_episodes(quotes, 30.0, [0.0, 1.0])
    s0 = dislocation_summary(episodes, spans, 0.0, 0.0)
    s1 = dislocation_summary(episodes, spans, 1.0, 0.0)
    assert 1.5 < spans.iloc[0] < 2.5          # 3 minutes minus the 30-s basis window
    assert s1["count"].iloc[0] <= s0["count"].iloc[0]
    assert (episodes.loc[episodes["fee_bp"] == 1.0, "peak_bp"] > 1.0).all()
    with pytest.raises(ValueError, match="fee_bp"):
        dislocation_summary(episodes, spans, 2.0, 0.0)


def test_load_venue_quotes_needs_two_venues():
    with pytest.raises(ValueError, match="paths"):
        load_venue_quotes([DATA + "spot_btcusdt_20240808.parquet"])
    with pytest.raises(ValueError, match="paths"):
        load_venue_quotes([DATA + "spot_btcusdt_20240808.parquet"] * 2)


def test_spread_sweeps_theory_and_simulation_agree():
    law = discrete_jumps([1.0, 2.0], [0.5, 0.5])
    df = spread_sweeps(10.0, 1.0, law, n_fast=3, n_values=[2, 10], lam_jump_values=[0.5],
                       jump_scales=[2.0], tau_values=[0.01, 1.0], delta=0.001, horizon=500.0,
                       n_paths=16)
    assert len(df) == 6
    assert np.allclose(df["simulated"], df["theory"], rtol=0.1, atol=2e-4)
    tau = df[df["parameter"] == "tau"]
    assert tau["theory"].iloc[1] < tau["theory"].iloc[0] / 50


def test_lead_lag_table_needs_lag_0_in_every_curve():
    curve = pd.DataFrame({"x": "a", "y": "b", "estimator": "e", "lag_ms": [-1.0, 0.0, 1.0],
                          "correlation": [0.1, 0.3, 0.2]})
    shifted = curve.assign(estimator="f", lag_ms=[1.0, 2.0, 3.0])  # no lag 0
    assert lead_lag_table(curve)["corr_at_0"].item() == 0.3
    with pytest.raises(ValueError, match=r"^curves='<frame whose curve a → b, f has no lag 0>'"):
        lead_lag_table(pd.concat([curve, shifted], ignore_index=True))
