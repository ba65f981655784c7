"""The WSGI server conformance matrix: ``python conformance/matrix.py`` (see docs/conformance.md)."""
