"""Footprint: start-up time and idle memory of the product against the bare SDK bots.

    python -m bench footprint [--runs 3] [--out bench/results/footprint.md]

Each bot is started `runs` times after one discarded start (file cache, first seed of the demo
groupware). Start-up: spawn to the first 200 from its health route (the product's /readyz answers only
after the composition root is built: migrations checked, demo backends up, scheduler started), and
spawn to the first answered `help`. Idle RSS: VmRSS after 50 `help` requests and two quiet seconds.
The product is one process serving both platforms and hosting the demo ERP and groupware, so it is
compared with each bare bot and with the two bare bots together.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import _bots
from bench._report import machine_lines, write_result
from bench.loadgen import Build, Fakes, client_session, run_point, slack_command, teams_message

GOAL = 1.5


@dataclass
class Measures:
    ready: list[float] = field(default_factory=list)
    first_help: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)

    def median(self, name: str) -> float:
        values: list[float] = getattr(self, name)
        return statistics.median(values) if values else float("nan")


async def _once(bot: _bots.Bot, health: str, helps: list[Build], measures: Measures | None) -> None:
    try:
        ready = await bot.ready(health)
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
            measures.rss_mib.append(bot.rss_kib() / 1024)
    finally:
        bot.stop()


async def run(args: argparse.Namespace) -> int:
    fakes = Fakes()
    await fakes.start()
    workdir = Path(tempfile.mkdtemp(prefix="bench-footprint-"))
    await _bots.prepare_product(workdir, 0)
    slack_help, teams_help = slack_command(fakes, "help"), teams_message(fakes, "help")
    starts: dict[str, tuple[Callable[[], _bots.Bot], str, list[Build]]] = {
        "product": (lambda: _bots.start_product(workdir, fakes.url), "/readyz", [slack_help, teams_help]),
        "bare slack-bolt": (lambda: _bots.start_bare_slack(workdir, fakes.url), "/healthz", [slack_help]),
        "bare botbuilder": (lambda: _bots.start_bare_teams(workdir), "/healthz", [teams_help]),
    }
    results = {name: Measures() for name in starts}
    try:
        for run_no in range(args.runs + 1):  # interleaved; the first round is not counted
            for name, (start, health, helps) in starts.items():
                await _once(start(), health, helps, results[name] if run_no else None)
    finally:
        await fakes.stop()
        _bots.clean(workdir)
    lines = _report(results, args)
    write_result(args.out, "Footprint: start-up time and idle memory", lines)
    print("\n".join(lines))
    return 0


def _report(results: dict[str, Measures], args: argparse.Namespace) -> list[str]:
    lines = [
        *machine_lines(),
        f"- {args.runs} starts per bot (interleaved, after one discarded start); medians",
        "- product: `chatops serve` (Teams + Slack in one process, embedded demo ERP and groupware, SQLite, "
        "scheduler and delivery worker running); bare: `python -m bench.bare_slack` / `bench.bare_teams`",
        "",
        "| bot | ready s | first help answered s | idle RSS MiB |",
        "|---|---|---|---|",
    ]
    for name, m in results.items():
        lines.append(
            f"| {name} | {m.median('ready'):.2f} | {m.median('first_help'):.2f} | {m.median('rss_mib'):.1f} |"
        )
    product = results["product"]
    slack, teams = results["bare slack-bolt"], results["bare botbuilder"]
    lines += ["", "| product vs | start-up (first help) | idle RSS | goal ≤ 1.5× |", "|---|---|---|---|"]
    pairs = {
        "bare slack-bolt": (slack.median("first_help"), slack.median("rss_mib")),
        "bare botbuilder": (teams.median("first_help"), teams.median("rss_mib")),
        "both bare bots (slowest start, summed RSS)": (
            max(slack.median("first_help"), teams.median("first_help")),
            slack.median("rss_mib") + teams.median("rss_mib"),
        ),
    }
    for name, (start, rss) in pairs.items():
        r_start, r_rss = product.median("first_help") / start, product.median("rss_mib") / rss
        met = "met" if r_start <= GOAL and r_rss <= GOAL else "**not met**"
        lines.append(f"| {name} | {r_start:.2f}× | {r_rss:.2f}× | {met} |")
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench footprint")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=_bots.ROOT / "bench" / "results" / "footprint.md")
    return asyncio.run(run(parser.parse_args(argv)))
