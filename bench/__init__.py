"""Benchmarks (not part of `make test`): `python -m bench <name> [args]` runs bench/<name>.py."""
