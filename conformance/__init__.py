"""The WSGI server conformance matrix: ``python -m conformance.matrix`` (see docs/conformance.md)."""
