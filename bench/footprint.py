"""Footprint: start-up time and idle memory of the product against the bare SDK bots.

    python -m bench footprint [--runs 3 | --quick] [--no-bytecode] [--out bench/results/footprint.md]

`--quick` (one counted start per bot) prints its table and writes a file only when `--out` is given.

Each bot is started `runs` times after one discarded start (file cache, first seed of the demo
groupware). Start-up: spawn to the first 200 from its health route (the product's /readyz answers only
after the composition root is built: migrations checked, backends reachable, scheduler started), and
spawn to the first answered `help`. Idle RSS: VmRSS after 50 `help` requests and two quiet seconds.

The product is measured in two configurations, both one process serving Teams and Slack:
- all-in-one: `chatops serve` as `make run` starts it, hosting the demo ERP and groupware itself;
- production-like: `chatops serve` pointed by ERP_URL / DOORAY_URL at the demo ERP and groupware
  served by a separate `chatops demo serve` process (started once, like a real ERP; not counted).
The goal is judged on the production-like row: the bare bots host no backends either.

Bare baselines: the bare slack-bolt app, the bare botbuilder bot, and both of them in one process
(`bench.bare_both`), as a company serving both platforms with the bare SDKs would run them. For the
reader, not for the goal: the same two-SDK process that also imports the libraries the product's design
fixes (SQLModel/SQLAlchemy, pydantic-settings, httpx, loguru, APScheduler) and uses none of them.

Every bot runs with compiled bytecode, as deployed (`make install` compiles the installed packages,
`make run` the project's own modules): a bytecode cache per run (PYTHONPYCACHEPREFIX), filled by the
discarded start. `--no-bytecode` leaves Python's default, which with PYTHONDONTWRITEBYTECODE set (as on
the benchmark machine) compiles every module without a .pyc at every start.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import _bots
from bench._report import machine_lines, write_result
from bench.loadgen import Build, Fakes, client_session, run_point, slack_command, teams_message

GOAL = 1.5
DEFAULT_OUT = _bots.ROOT / "bench" / "results" / "footprint.md"
ALL_IN_ONE = "product, all-in-one"
PRODUCTION = "product, production-like"
BARE_SLACK, BARE_TEAMS = "bare slack-bolt", "bare botbuilder"
BARE_BOTH = "bare slack-bolt + botbuilder, one process"
BARE_STACK = "the same + the product's fixed libraries imported (floor, for the reader)"


@dataclass
class Measures:
    ready: list[float] = field(default_factory=list)
    first_help: list[float] = field(default_factory=list)
    ready_cpu: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)

    def median(self, name: str) -> float:
        values: list[float] = getattr(self, name)
        return statistics.median(values) if values else float("nan")


async def _once(bot: _bots.Bot, health: str, helps: list[Build], measures: Measures | None) -> None:
    try:
        ready = await bot.ready(health)
        ready_cpu = bot.cpu_seconds()
        async with client_session(1) as session:
            first = await run_point(session, bot.url, helps[0], 1, 1)
            first_help = time.perf_counter() - bot.started
            if first.failures:
                raise RuntimeError(f"{bot.name}: help failed: {dict(first.statuses)}")
            for build in helps:
                await run_point(session, bot.url, build, 50 // len(helps), 4)
        await asyncio.sleep(2.0)
        if measures is not None:
            measures.ready.append(ready)
            measures.first_help.append(first_help)
            measures.ready_cpu.append(ready_cpu)
            measures.rss_mib.append(bot.rss_kib() / 1024)
    finally:
        bot.stop()


def _bytecode(workdir: Path, cached: bool) -> str:
    """Set up (for the bots this process spawns) and describe how Python gets bytecode."""
    if cached:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
        return "compiled, as deployed: a bytecode cache per run, filled by the discarded start"
    if sys.dont_write_bytecode or os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return (
            "`--no-bytecode` with PYTHONDONTWRITEBYTECODE set: modules without a .pyc (`make install` "
            "compiles the installed packages) are compiled at every start"
        )
    return "Python's default (.pyc written next to the sources when it can)"


async def run(args: argparse.Namespace) -> int:
    runs = 1 if args.quick else args.runs
    fakes = Fakes()
    await fakes.start()
    workdir = Path(tempfile.mkdtemp(prefix="bench-footprint-"))
    bytecode = _bytecode(workdir, not args.no_bytecode)
    split = workdir / "production"
    split.mkdir()
    demo: _bots.Bot | None = None
    demo_rss = float("nan")
    try:
        await _bots.prepare_product(workdir, 0)
        await _bots.prepare_product(split, 0)
        split_port = _bots.free_port()
        demo, backends = await _bots.start_demo_backends(split, split_port)
        slack_help, teams_help = slack_command(fakes, "help"), teams_message(fakes, "help")
        both = [slack_help, teams_help]
        starts: dict[str, tuple[Callable[[], _bots.Bot], str, list[Build]]] = {
            ALL_IN_ONE: (lambda: _bots.start_product(workdir, fakes.url), "/readyz", both),
            PRODUCTION: (
                lambda: _bots.start_product(
                    split, fakes.url, port=split_port, backends=backends, name="product_production"
                ),
                "/readyz",
                both,
            ),
            BARE_SLACK: (lambda: _bots.start_bare_slack(workdir, fakes.url), "/healthz", [slack_help]),
            BARE_TEAMS: (lambda: _bots.start_bare_teams(workdir), "/healthz", [teams_help]),
            BARE_BOTH: (lambda: _bots.start_bare_both(workdir, fakes.url), "/healthz", both),
            BARE_STACK: (
                lambda: _bots.start_bare_both(workdir, fakes.url, with_stack=True),
                "/healthz",
                both,
            ),
        }
        results = {name: Measures() for name in starts}
        for run_no in range(runs + 1):  # interleaved; the first round is not counted
            for name, (start, health, helps) in starts.items():
                await _once(start(), health, helps, results[name] if run_no else None)
        demo_rss = demo.rss_kib() / 1024
    finally:
        if demo is not None:
            demo.stop()
        await fakes.stop()
        _bots.clean(workdir)
    lines = _report(results, runs, bytecode, demo_rss)
    out: Path | None = args.out or (None if args.quick else DEFAULT_OUT)
    if out is not None:
        write_result(out, "Footprint: start-up time and idle memory", lines)
    print("\n".join(lines))
    return 0


def _report(results: dict[str, Measures], runs: int, bytecode: str, demo_rss: float) -> list[str]:
    lines = [
        *machine_lines(),
        f"- {runs} start{'s' if runs != 1 else ''} per bot (interleaved, after one discarded start); medians",
        f"- bytecode: {bytecode}",
        f"- {ALL_IN_ONE}: `chatops serve` as `make run` starts it (Teams + Slack in one process, embedded "
        "demo ERP and groupware, SQLite, scheduler and delivery worker running)",
        f"- {PRODUCTION}: the same `chatops serve` with ERP_URL / DOORAY_URL pointing at the demo ERP and "
        f"groupware served by a separate `chatops demo serve` process (started once, not counted; its "
        f"RSS: {demo_rss:.1f} MiB)",
        "- bare: `python -m bench.bare_slack` / `bench.bare_teams` / `bench.bare_both` (both in one process; "
        "`--with-stack` also imports SQLModel/SQLAlchemy, pydantic-settings, httpx, loguru and APScheduler)",
        "- CPU s to ready: the bot process's own CPU time when it was ready (less sensitive than wall time "
        "to other work on the machine)",
        "",
        "| bot | ready s | first help answered s | CPU s to ready | idle RSS MiB |",
        "|---|---|---|---|---|",
    ]
    for name, m in results.items():
        ready, first, cpu, rss = (m.median(k) for k in ("ready", "first_help", "ready_cpu", "rss_mib"))
        lines.append(f"| {name} | {ready:.2f} | {first:.2f} | {cpu:.2f} | {rss:.1f} |")
    slack, teams, bare_both = results[BARE_SLACK], results[BARE_TEAMS], results[BARE_BOTH]
    baselines = {
        BARE_SLACK: (slack.median("first_help"), slack.median("rss_mib")),
        BARE_TEAMS: (teams.median("first_help"), teams.median("rss_mib")),
        "both bare bots (slowest start, summed RSS)": (
            max(slack.median("first_help"), teams.median("first_help")),
            slack.median("rss_mib") + teams.median("rss_mib"),
        ),
        BARE_BOTH: (bare_both.median("first_help"), bare_both.median("rss_mib")),
    }
    lines += [
        "",
        f"| product | vs | start-up (first help) | idle RSS | ≤ {GOAL}× |",
        "|---|---|---|---|---|",
    ]
    verdicts: list[str] = []
    for product_name in (PRODUCTION, ALL_IN_ONE):
        product = results[product_name]
        for name, (start, rss) in baselines.items():
            r_start, r_rss = product.median("first_help") / start, product.median("rss_mib") / rss
            met = "met" if r_start <= GOAL and r_rss <= GOAL else "**not met**"
            lines.append(f"| {product_name} | {name} | {r_start:.2f}× | {r_rss:.2f}× | {met} |")
            if product_name == PRODUCTION:
                verdicts.append(f"vs {name}: {met}")
    floor = results[BARE_STACK]
    product = results[PRODUCTION]
    lines += [
        "",
        f"Goal (≤ {GOAL}×, judged on the {PRODUCTION} row): " + "; ".join(verdicts) + ".",
        "",
        f"Floor set by the fixed libraries: the two-SDK process importing them starts in "
        f"{floor.median('first_help'):.2f} s and holds {floor.median('rss_mib'):.1f} MiB; the product, "
        f"production-like, is {product.median('first_help') / floor.median('first_help'):.2f}× and "
        f"{product.median('rss_mib') / floor.median('rss_mib'):.2f}× that.",
    ]
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench footprint")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="one counted start per bot; printed, written only with --out"
    )
    parser.add_argument("--no-bytecode", action="store_true", help="compile what has no .pyc at every start")
    parser.add_argument("--out", type=Path, default=None, help=f"results file (default: {DEFAULT_OUT})")
    return asyncio.run(run(parser.parse_args(argv)))
