"""Caller engines: who the simulated user is and what they say next."""
