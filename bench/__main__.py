"""`python -m bench [name [args...]]`: run one benchmark module's `main(argv)`, or every one."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

# processes and clients the benchmarks start, not benchmarks themselves
HELPERS = {"bare_both", "bare_slack", "bare_teams", "loadgen"}


def _names() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_") and m.name not in HELPERS
    )


def main(argv: list[str]) -> int:
    names = _names()
    if argv and argv[0] in ("-h", "--help"):
        print(f"usage: python -m bench [{'|'.join(names)}] [args...]")
        return 0
    if argv:
        if argv[0] not in names:
            print(f"unknown benchmark {argv[0]!r}; known: {', '.join(names)}", file=sys.stderr)
            return 2
        return int(importlib.import_module(f"bench.{argv[0]}").main(argv[1:]))
    return max((int(importlib.import_module(f"bench.{name}").main([])) for name in names), default=0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
