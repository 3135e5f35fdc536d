"""Funding rules of perpetual-futures venues as named, swappable models.

Every rule here has the clamp form used by Binance and BitMEX (dYdX v4 and Hyperliquid are
the special cases without a clamp or with an hourly payment of an 8-hour rate). With the
time-weighted average premium index ``P̄`` over the interval, expressed per 8 hours,

    F₈ = clip(P̄ + clamp(I − P̄, −c, +c), −cap, +cap)

is the 8-hour funding rate (``I`` the interest component per 8 h, ``c`` the clamp, ``cap`` the
cap, all fractions of notional per 8 h) and the rate paid at a settlement is ``F₈ · h / 8`` for
a settlement interval of ``h`` hours (Binance's rule for contracts funded every 1 or 4 hours,
Hyperliquid's and dYdX's hourly payment of one eighth of the 8-hour rate). A positive rate
means longs pay shorts; the payment at a settlement is position size × price × rate.

Published parameters (see the chapter's references file):

* Binance USDⓈ-M: I = 0.01 %, c = 0.05 %, cap ±0.3 % (BTCUSDT, ETHUSDT), every 8 h at 00, 08,
  16 UTC, premium sampled every 5 s; since 2025 a contract at its cap switches to 1-hour funding
  (:data:`BINANCE_USDM_1H`).
* BitMEX: same clamp form, I from the quote and base interest indices over 3, settlements at
  04, 12, 20 UTC, cap 75 % × (initial − maintenance margin) (XBTUSD: 1 % and 0.35 %).
* Hyperliquid: 8-hour formula (clamp 0.05 %) paid hourly at 1/8; interest 0.00125 % per hour;
  cap 4 % per hour.
* dYdX v4: hourly, premium/8 + interest with no clamp (``clamp=None``: F₈ = P̄ + I); 8-hour cap
  600 % × (IMF − MMF) (BTC: 5 % and 3 %); interest component here 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate

BASIS_HOURS = 8.0
"""Hours that the premium index, interest, clamp and cap of every rule refer to."""


@dataclass(frozen=True)
class FundingRule:
    """One venue's funding rule (module docstring). Rates are fractions of notional per 8 h.

    Attributes
    ----------
    name : str
        Venue and contract, as shown in tables.
    interval_hours : float
        Settlement interval h in hours, 0 < h ≤ 24.
    interest : float
        Interest component I, a fraction of notional per 8 h, in [−0.01, 0.01].
    clamp : float or None
        Clamp c ≥ 0, a fraction per 8 h; ``None`` for a rule without clamp (F₈ = P̄ + I).
    cap : float
        Cap on the 8-hour rate, > 0, a fraction per 8 h (the rate is clipped to ±cap).
    first_settlement_hour : float
        Hour of the day (UTC) of the first settlement, in [0, 24); default 0.
    sample_seconds : float
        Seconds between premium-index samples, > 0; default 5.

    Raises
    ------
    ValueError
        On construction, for an attribute outside the ranges above.
    """

    name: str
    interval_hours: float
    interest: float
    clamp: float | None
    cap: float
    first_settlement_hour: float = 0.0
    sample_seconds: float = 5.0

    def __post_init__(self) -> None:
        _validate.real("interval_hours", self.interval_hours, low=0.0, low_open=True, high=24.0)
        _validate.real("interest", self.interest, low=-0.01, high=0.01)
        if self.clamp is not None:
            _validate.real("clamp", self.clamp, low=0.0)
        _validate.real("cap", self.cap, low=0.0, low_open=True)
        _validate.real("first_settlement_hour", self.first_settlement_hour, low=0.0, high=24.0,
                       high_open=True)
        _validate.real("sample_seconds", self.sample_seconds, low=0.0, low_open=True)

    @property
    def settlements_per_day(self) -> float:
        """Settlements per day, 24 / ``interval_hours`` (not necessarily a whole number)."""
        return 24.0 / self.interval_hours

    @property
    def samples_per_interval(self) -> int:
        """Premium-index samples in one settlement interval."""
        return int(round(self.interval_hours * 3600.0 / self.sample_seconds))

    @property
    def dead_zone(self) -> tuple[float, float]:
        """Range of P̄ in which the 8-hour rate equals the interest component exactly (empty,
        ``(nan, nan)``, without a clamp)."""
        if self.clamp is None:
            return (float("nan"), float("nan"))
        return (self.interest - self.clamp, self.interest + self.clamp)

    def rate(self, premium: object) -> np.ndarray:
        """The rate paid per settlement for average premium indices ``premium`` (per 8 h).

        Parameters
        ----------
        premium : float or numpy.ndarray
            Time-weighted average premium index P̄ (fractions of the index price, quoted per
            8 h), finite; any shape.

        Returns
        -------
        numpy.ndarray
            Of the shape of ``premium`` (0-d for a scalar): the rate paid at one settlement,
            ``clip(P̄ + clamp(I − P̄, −c, +c), −cap, +cap) · h / 8`` (without a clamp
            ``clip(P̄ + I, ±cap) · h / 8``), a fraction of notional; positive means longs pay
            shorts.

        Raises
        ------
        ValueError
            If ``premium`` holds anything but finite real numbers.
        """
        p = _validate.real_array("premium", premium)
        return funding_rate_kernel(np.atleast_1d(p).astype(np.float64), self.interest,
                                   _clamp_arg(self.clamp), self.cap,
                                   self.interval_hours / BASIS_HOURS).reshape(p.shape)

    def settlement_hours(self) -> np.ndarray:
        """Hours of the day (UTC) at which the rule settles.

        Returns
        -------
        numpy.ndarray
            Float hours in [0, 24): ``first_settlement_hour`` plus multiples of
            ``interval_hours`` up to 24 hours later, modulo 24, in that order (not sorted when
            the first settlement is not at hour 0).
        """
        return np.arange(self.first_settlement_hour, 24.0 + self.first_settlement_hour,
                         self.interval_hours) % 24.0


def _clamp_arg(clamp: float | None) -> float:
    """The kernel's clamp argument: a negative value means no clamp (F₈ = P̄ + I)."""
    return -1.0 if clamp is None else float(clamp)


@njit(cache=True)
def funding_rate_kernel(premium: np.ndarray, interest: float, clamp: float, cap: float,
                        scale: float) -> np.ndarray:
    """``clip(P̄ + clamp(I − P̄, ±c), ±cap) · scale`` elementwise (module docstring);
    ``clamp < 0`` means no clamp: ``clip(P̄ + I, ±cap) · scale``.

    Jitted and unchecked: :meth:`FundingRule.rate` validates its input and calls it.

    Parameters
    ----------
    premium : numpy.ndarray
        1-D float64 array of average premium indices P̄ (fractions, per 8 h).
    interest : float
        Interest component I (fraction per 8 h).
    clamp : float
        Clamp c (fraction per 8 h); a negative value means no clamp.
    cap : float
        Cap (fraction per 8 h, > 0).
    scale : float
        Factor applied after clipping: ``interval_hours / 8`` for the rate per settlement.

    Returns
    -------
    numpy.ndarray
        1-D array of ``premium.size`` rates (fractions of notional).
    """
    out = np.empty(premium.size)
    for i in range(premium.size):
        p = premium[i]
        if clamp < 0.0:
            f = p + interest
        elif abs(interest - p) <= clamp:
            f = interest  # P̄ + (I − P̄), exactly I: the dead zone
        else:
            f = p + clamp if interest > p else p - clamp
        out[i] = min(max(f, -cap), cap) * scale
    return out


BINANCE_USDM = FundingRule("Binance USDⓈ-M (8 h)", 8.0, 1e-4, 5e-4, 3e-3)
BINANCE_USDM_1H = FundingRule("Binance USDⓈ-M (1 h)", 1.0, 1e-4, 5e-4, 3e-3)
BITMEX = FundingRule("BitMEX", 8.0, 1e-4, 5e-4, 0.75 * (0.01 - 0.0035), first_settlement_hour=4.0)
HYPERLIQUID = FundingRule("Hyperliquid", 1.0, 8 * 1.25e-5, 5e-4, 8 * 0.04)
DYDX_V4 = FundingRule("dYdX v4", 1.0, 0.0, None, 6.0 * (0.05 - 0.03), sample_seconds=60.0)
RULES = (BINANCE_USDM, BINANCE_USDM_1H, BITMEX, HYPERLIQUID, DYDX_V4)
"""The venues modelled, in the order the chapter tables them."""


def rule_table() -> pd.DataFrame:
    """The rules as a table (rates in % per 8 h; clamp NaN where the rule has none).

    Returns
    -------
    pandas.DataFrame
        One row per rule of :data:`RULES`, in order: ``venue``, ``interval (h)``,
        ``interest (% / 8 h)``, ``clamp (% / 8 h)``, ``cap (% / 8 h)`` and
        ``first settlement (h UTC)``.
    """
    return pd.DataFrame({
        "venue": [r.name for r in RULES],
        "interval (h)": [r.interval_hours for r in RULES],
        "interest (% / 8 h)": [100 * r.interest for r in RULES],
        "clamp (% / 8 h)": [np.nan if r.clamp is None else 100 * r.clamp for r in RULES],
        "cap (% / 8 h)": [100 * r.cap for r in RULES],
        "first settlement (h UTC)": [r.first_settlement_hour for r in RULES],
    })
