"""Caller engines: who the simulated user is and what they say next."""

from sparring.simulation.callers.base import Caller, CallerMove
from sparring.simulation.callers.registry import caller_engines, default_engine, get_caller

__all__ = ["Caller", "CallerMove", "caller_engines", "default_engine", "get_caller"]
