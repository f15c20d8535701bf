"""The hexagon's walls: the core imports no platform, transport or storage code; botbuilder stays in
adapters/teams; nothing reads the environment at import time outside bot/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE_FORBIDDEN = (
    "adapters",
    "bot",
    "store",
    "jobs",
    "botbuilder",
    "botframework",
    "slack_bolt",
    "slack_sdk",
    "httpx",
    "sqlmodel",
    "sqlalchemy",
    "aiohttp",
    "msal",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _py_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _py_files("commands"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_imports_nothing_from_outside(path: Path) -> None:
    bad = {name for name in _imports(path) if name.split(".")[0] in CORE_FORBIDDEN}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_botbuilder_lives_only_in_adapters_teams() -> None:
    offenders = []
    for folder in ("commands", "adapters", "store", "jobs", "bot"):
        for path in _py_files(folder):
            if "adapters/teams" in str(path) or "/demo/" in str(path):
                continue
            if any(n.split(".")[0] in ("botbuilder", "botframework") for n in _imports(path)):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_environment_reads_outside_bot() -> None:
    offenders = []
    for folder in ("commands", "adapters", "store", "jobs"):
        for path in _py_files(folder):
            text = path.read_text()
            if "os.environ" in text or "os.getenv" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
