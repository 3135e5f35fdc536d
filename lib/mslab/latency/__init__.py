"""Latency arbitrage: the Budish–Cramton–Shim model of the speed race in a continuous limit
order book, frequent batch auctions, and lead–lag and cross-venue dislocations in real data.

Modules: :mod:`~mslab.latency.jumps` (jump-size laws), :mod:`~mslab.latency.bcs_equilibrium`
(the model's spread condition), :mod:`~mslab.latency.bcs_simulation` (jitted event simulation of
continuous trading), :mod:`~mslab.latency.batch_auction` (frequent batch auctions),
:mod:`~mslab.latency.leadlag` (cross-correlation and Hayashi–Yoshida lead–lag),
:mod:`~mslab.latency.dislocations` (cross-venue price dislocations beyond fees).
"""
