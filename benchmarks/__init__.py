"""Benchmark scripts.  ``servers`` starts servers through :mod:`harness`, so it runs from the
repository root as ``python -m benchmarks.servers``; the others also run as ``python benchmarks/NAME.py``."""
