"""Benchmarks: `make bench` (python -m bench). Results go in BENCHMARKS.md, not in tests."""
