"""The peer-library harness of the order-book benchmark: hftbacktest's adapter, which lives in
:mod:`mslab.orderbook.peer` (the chapter and the tests use it too)."""

from mslab.orderbook.peer import hftbacktest_events, join_best, run_hftbacktest

__all__ = ["hftbacktest_events", "join_best", "run_hftbacktest"]
