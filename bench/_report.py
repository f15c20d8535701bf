"""Shared bits of the benchmark reports: the machine, date and commit lines, and writing results."""

from __future__ import annotations

import contextlib
import math
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def commit_label() -> str:
    """The short commit, and whether the tree had uncommitted work (results files written by earlier
    runs do not count: they are outputs, not the code measured)."""
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    changed = _git("status", "--porcelain", "--", ".", ":(exclude)bench/results")
    return commit + (" (plus uncommitted work)" if changed else "")


def machine_lines() -> list[str]:
    """`- date: …`, `- machine: …` lines for a results file."""
    cpu = ""
    with contextlib.suppress(OSError):
        models = [
            line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")
        ]
        cpu = models[0].split(":", 1)[1].strip() if models else ""
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit_label()}",
        f"- machine: {platform.system()} {platform.release()} {platform.machine()}; {os.cpu_count()} CPUs"
        f"{' (' + cpu + ')' if cpu else ''}; Python {platform.python_version()}; load average at start "
        f"{os.getloadavg()[0]:.2f} (other work on the machine adds noise)",
    ]


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def write_result(path: Path, title: str, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {title}\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
