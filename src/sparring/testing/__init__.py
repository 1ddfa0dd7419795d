"""Fakes of the outside world (LLMs, customers' agents), shipped for tests and benchmarks.

Nothing in the product imports this package (an import-linter contract checks it).
"""
