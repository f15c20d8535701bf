"""Every benchmark module imports and offers `main`: `make bench` is not part of `make test`, so a
benchmark broken by a refactoring would otherwise go unnoticed until the next measuring session."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import bench
from bench.__main__ import HELPERS

MODULES = sorted(m.name for m in pkgutil.iter_modules([str(Path(bench.__file__).parent)]))


@pytest.mark.parametrize("name", MODULES)
def test_each_bench_module_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    if not name.startswith("_") and name not in HELPERS:
        assert callable(module.main)


def test_bench_lists_its_benchmarks(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.__main__ import main

    assert main(["--help"]) == 0
    listed = capsys.readouterr().out
    for name in ("delivery", "digest", "footprint", "latency", "nudges"):
        assert name in listed
