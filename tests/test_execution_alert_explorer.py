"""The explorable figure's candidate alerts: hand-computed hits and the sentinel values."""

import numpy as np
import pandas as pd
import pytest

from mslab.execution.alert_explorer import alert_candidates


def test_hand_computed():
    feat = pd.DataFrame({"time": [0.0, 3600.0, 7200.0, 10800.0, 14400.0],
                         "mid": [100.0, 100.0, 101.0, 101.0, 99.0],
                         "spread_z": [2.5, 1.0, np.nan, 3.0, 0.0],
                         "top_depth": [10.0, 1.0, 4.0, 10.0, 10.0],
                         "depth_median": [10.0, 10.0, np.nan, 10.0, 10.0]})
    pts = alert_candidates(feat, 1, quantile=50.0)
    # one-step |returns| (bps): 0, 100, 0, 198.0198...; the median 50 → hits at rows 1 and 3
    assert pts.index.tolist() == [0, 1, 3]  # row 2: undefined z and ratio; row 4: no return
    assert pts["hit"].tolist() == [0, 1, 1]
    assert pts.loc[1, "ratio"] == 0.1 and pts.loc[0, "time (h)"] == 0.0
    feat.loc[0, "spread_z"] = np.nan
    feat.loc[0, "top_depth"] = 1.0
    pts = alert_candidates(feat, 1, quantile=50.0)
    assert pts.loc[0, "z"] == -99.0  # undefined z never crosses a threshold


def test_validation():
    feat = pd.DataFrame({"time": [0.0], "mid": [1.0]})
    with pytest.raises(ValueError, match="feat"):
        alert_candidates(feat, 1)
    full = pd.DataFrame({c: [1.0, 1.0] for c in ("time", "mid", "spread_z", "top_depth",
                                                 "depth_median")})
    with pytest.raises(ValueError, match="horizon"):
        alert_candidates(full, 2)
    with pytest.raises(ValueError, match="horizon"):
        alert_candidates(full, 0)
