"""Data of the execution chapter's explorable frontier: Almgren–Chriss optimal holdings and
their expected cost and standard deviation for a grid of risk aversions λ, so that a slider
can pick λ in the browser (:mod:`mslab.explorable`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.execution.almgren_chriss import ACParams, cost_moments, trajectory

__all__ = ["frontier_table"]

MAX_POINTS = 20_000
"""Largest len(lams) · (N + 1) of :func:`frontier_table` (the table goes into a page)."""


def frontier_table(p: ACParams, lams: object) -> pd.DataFrame:
    """Optimal holdings and their cost for each risk aversion of ``lams``, as one long table.

    One row per (λ of ``lams`` (1/$), trading time t_j = jτ): ``lam``, ``day`` (t_j in the
    model's time unit, days in the paper's example), ``held`` (optimal holdings x_j, shares)
    and, the same on every row of a λ, ``cost`` (expected cost E, $) and ``sd`` (its standard
    deviation √V, $) — the point of the efficient frontier that the holdings reach
    (:func:`~mslab.execution.almgren_chriss.trajectory`,
    :func:`~mslab.execution.almgren_chriss.cost_moments`). λ = 0 is TWAP.

    Parameters
    ----------
    p
        Model parameters.
    lams
        Risk aversions λ ≥ 0 (1/$): a non-empty 1-D array (or list) of finite values, with
        len(lams) · (N + 1) at most :data:`MAX_POINTS`.

    Returns
    -------
    pandas.DataFrame
        len(lams) · (N + 1) rows (λ in the order of ``lams``, then t_j ascending) with the
        columns ``lam``, ``day``, ``held``, ``cost`` and ``sd`` described above.

    Raises
    ------
    ValueError
        If ``p`` is not an :class:`~mslab.execution.almgren_chriss.ACParams`, ``lams`` is not
        such an array or gives more than :data:`MAX_POINTS` rows, or a κ overflows.
    """
    _validate.instance("p", p, ACParams)
    lam = _validate.real_vector("lams", lams, low=0.0, what="risk aversions")
    if lam.size * (p.N + 1) > MAX_POINTS:
        _validate.fail("lams", f"<{lam.size} values>", f"at most {MAX_POINTS:,} rows "
                       f"(len(lams) * (N + 1) with N = {p.N})")
    day = np.arange(p.N + 1) * p.tau
    parts = []
    for value in lam:
        held = trajectory(p, float(value))
        e, v = cost_moments(p, held)
        parts.append(pd.DataFrame({"lam": value, "day": day, "held": held, "cost": e,
                                   "sd": np.sqrt(v)}))
    return pd.concat(parts, ignore_index=True)
