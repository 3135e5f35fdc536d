"""Perpetual-futures funding: venue rules, the premium-index and funding simulator, no-arbitrage
pricing, stylized facts of funding histories, a funding forecast and the basis carry trade.

Modules: :mod:`~mslab.funding.venues` (each venue's funding rule as a named model),
:mod:`~mslab.funding.premium` (premium index and funding payments, jitted),
:mod:`~mslab.funding.pricing` (Ackerer–Hugonnier–Jermann prices and their Monte Carlo check),
:mod:`~mslab.funding.facts` (stylized facts with autocorrelation-robust standard errors),
:mod:`~mslab.funding.basis` (spot/perpetual basis from market-data captures),
:mod:`~mslab.funding.forecast` (walk-forward autoregressive funding forecast),
:mod:`~mslab.funding.carry` (the carry trade back-test and its leverage/fee grid).
"""
