"""Optimal execution and transaction-cost analysis: Almgren–Chriss schedules (closed forms and a
jitted Monte Carlo) and spread/impact measures of real trades."""
