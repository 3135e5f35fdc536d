"""Optimal execution and transaction-cost analysis: Almgren–Chriss schedules (closed forms and a
jitted Monte Carlo), spread/impact measures of real trades, execution schedules replayed through
a real LOBSTER book with their implementation shortfall (schedule_execution), and a market maker
under several fee schedules (maker_fees)."""
