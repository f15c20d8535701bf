"""Loads every fixture module in tests/fixtures as a pytest plugin, so suites can share them."""

from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.fixtures")

pytest_plugins = sorted(
    f"tests.fixtures.{p.stem}"
    for p in (Path(__file__).parent / "fixtures").glob("*.py")
    if p.stem != "__init__"
)
