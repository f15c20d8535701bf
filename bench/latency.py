"""Latency overhead of the product against the bare SDKs, in one run on one machine.

    python -m bench latency [--quick] [--rounds 4] [--n1 400] [--n 4000] [--out bench/results/latency.md]
                            [--only TEXT] [--concurrency 1 16 64] [--hold SECONDS]

The product (`chatops serve`, demo backends, Slack at a local fake) and the bare slack-bolt and
botbuilder bots run as processes; the fakes and this load generator share the bench process. For
each concurrency (1, 16, 64) the runs alternate product / bare in `rounds` rounds (order flipped each
round) after a warm-up. `help` is compared with the bare SDKs (goal: p50 and p99 ≤ 1.2×, judged on
the median over rounds of each round's ratio); `kpi` (Slack) and an approval click (Teams
Action.Execute, a fresh pending item per click) are the product alone. The worst Slack ack is the
slowest Slack answer of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench import _bots
from bench._report import machine_lines, ms, write_result
from bench.loadgen import (
    Build,
    Fakes,
    Sample,
    client_session,
    run_point,
    slack_command,
    teams_execute,
    teams_message,
)

CONCURRENCY = (1, 16, 64)
GOAL = 1.2
WARMUP = 150
APPROVAL = "approval click (Teams Action.Execute approve)"


@dataclass
class Series:
    scenario: str
    target: str  # "product" | "bare"
    samples: dict[int, Sample] = field(default_factory=dict)  # every round's samples, pooled
    rounds: dict[int, list[Sample]] = field(default_factory=dict)  # each round's own
    cpu: dict[int, float] = field(default_factory=dict)  # bot CPU seconds spent in the point


@dataclass
class Scenario:
    name: str
    product: Build
    bare: Build | None = None
    bare_bot: _bots.Bot | None = None
    scale: float = 1.0  # share of the request counts (a fresh ERP item per approval click)


async def _point(bot: _bots.Bot, build: Build, total: int, c: int, start: int) -> tuple[Sample, float]:
    async with client_session(c) as session:
        cpu = bot.cpu_seconds()
        sample = await run_point(session, bot.url, build, total, c, start)
        return sample, bot.cpu_seconds() - cpu


async def run(args: argparse.Namespace) -> int:
    fakes = Fakes()
    await fakes.start()
    workdir = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    clicks = WARMUP + (args.n1 + 2 * args.n) // 2 + 10 if args.only.lower() in APPROVAL.lower() else 0
    item_ids = await _bots.prepare_product(workdir, clicks)
    product = _bots.start_product(workdir, fakes.url)
    bots = [product]
    try:
        await product.ready("/readyz")
        slack_answer, teams_answer = await _product_help(product, fakes, workdir)
        bare_slack = _bots.start_bare_slack(workdir, fakes.url, answer_file=slack_answer)
        bare_teams = _bots.start_bare_teams(workdir, answer_file=teams_answer)
        bots += [bare_slack, bare_teams]
        await bare_slack.ready("/healthz")
        await bare_teams.ready("/healthz")
        scenarios = [
            Scenario(
                "help (Slack /chatops help)",
                slack_command(fakes, "help"),
                slack_command(fakes, "help"),
                bare_slack,
            ),
            Scenario(
                "help (Teams message)",
                teams_message(fakes, "help"),
                teams_message(fakes, "help"),
                bare_teams,
                scale=0.5,  # ~80 turns/s: half as many turns keeps the run short
            ),
            Scenario("kpi (Slack /chatops kpi 매출)", slack_command(fakes, "kpi 매출", user=_bots.KPI_SLACK)),
            Scenario(
                APPROVAL,
                teams_execute(
                    fakes,
                    "approval.decide.approve",
                    lambda i: {"item": item_ids[i], "v": "1"},
                    user=_bots.APPROVER_TEAMS,
                ),
                scale=0.5,
            ),
        ]
        scenarios = [sc for sc in scenarios if not args.only or args.only.lower() in sc.name.lower()]
        if args.hold:
            print(f"product pid {product.process.pid}; sending in {args.hold} s", flush=True)
            await asyncio.sleep(args.hold)
        series = await _measure(scenarios, product, args)
        worst_ack = max(
            s.samples[c].worst
            for s in series
            if "Slack" in s.scenario and s.target == "product"
            for c in s.samples
        )
        lines = _report(series, worst_ack, args, fakes)
        write_result(args.out, "Latency overhead: the product vs the bare SDKs", lines)
        print("\n".join(lines))
        failed = sum(s.samples[c].failures for s in series for c in s.samples)
        return 1 if failed else 0
    finally:
        for bot in bots:
            bot.stop()
        await fakes.stop()
        _bots.clean(workdir)


async def _product_help(product: _bots.Bot, fakes: Fakes, workdir: Path) -> tuple[Path, Path]:
    """The product's own `help` answers (the Slack ack body, the Teams reply activity), for the bare
    bots to send: both sides then answer with the same bytes and only the stacks differ."""
    async with client_session(1) as session:
        request = slack_command(fakes, "help")(0)
        async with session.post(product.url + request.path, data=request.body, headers=request.headers) as r:
            slack = await r.json()
        fakes.last_activity = {}
        request = teams_message(fakes, "help")(0)
        async with session.post(product.url + request.path, data=request.body, headers=request.headers) as r:
            await r.read()
    teams = {k: v for k, v in fakes.last_activity.items() if k in ("type", "text", "summary", "attachments")}
    if not slack.get("blocks") or not teams.get("attachments"):
        raise RuntimeError("the product did not answer help with a card")
    paths = workdir / "slack_help.json", workdir / "teams_help.json"
    for path, answer in zip(paths, (slack, teams), strict=True):
        path.write_text(json.dumps(answer, ensure_ascii=False))
    return paths


async def _measure(scenarios: list[Scenario], product: _bots.Bot, args: argparse.Namespace) -> list[Series]:
    series: list[Series] = []
    next_number: dict[str, int] = {}
    for sc in scenarios:
        targets = [("product", product, sc.product)]
        if sc.bare is not None and sc.bare_bot is not None:
            targets.append(("bare", sc.bare_bot, sc.bare))
        for _, bot, build in targets:  # warm-up, not measured
            await _point(bot, build, int(WARMUP * sc.scale), 8, next_number.setdefault(sc.name, 0))
        next_number[sc.name] = int(WARMUP * sc.scale)
        by_target = {name: Series(sc.name, name) for name, _, _ in targets}
        for c in args.concurrency:
            total = int((args.n1 if c == 1 else args.n) * sc.scale)
            per_round = max(1, total // args.rounds)
            for r in range(args.rounds):
                for name, bot, build in targets if r % 2 == 0 else list(reversed(targets)):
                    sample, cpu = await _point(bot, build, per_round, c, next_number[sc.name])
                    if name == "product":
                        next_number[sc.name] += per_round
                    s = by_target[name]
                    s.samples.setdefault(c, Sample()).merge(sample)
                    s.rounds.setdefault(c, []).append(sample)
                    s.cpu[c] = s.cpu.get(c, 0.0) + cpu
            print(f"  {sc.name} c={c}: done", flush=True)
        series += by_target.values()
    return series


def _report(series: list[Series], worst_ack: float, args: argparse.Namespace, fakes: Fakes) -> list[str]:
    lines = [
        *machine_lines(),
        "- load: loopback HTTP, aiohttp client with keep-alive; "
        f"concurrency {', '.join(map(str, args.concurrency))}; "
        f"{args.n1} requests at c=1 and {args.n} at c=16/64 per target ({args.rounds} alternating rounds, "
        f"after {WARMUP} warm-up); Teams help and approval clicks: half as many",
        "- product: `chatops serve` with the embedded demo ERP and groupware (in its process), SQLite (WAL), "
        "Teams local mode (no app id, as the bare bot), Slack signed with a known secret, Web API at a fake; "
        "bare: a slack-bolt AsyncApp mounted the same way / "
        "a botbuilder CloudAdapter bot (`adapter.process`); both answer `help` with the product's own help "
        "answer (captured from the product at the start of the run), so both sides send the same bytes",
        "- latency: client-side, request sent to the last byte of the answer (for Slack: the ack); "
        "CPU: the bot process's user+sys time per request",
        "",
        "| scenario | c | bot | requests | p50 ms | p99 ms | max ms | req/s | CPU ms/req | answer bytes "
        "| failures |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in series:
        for c, sample in s.samples.items():
            n = len(sample.latencies)
            lines.append(
                f"| {s.scenario} | {c} | {s.target} | {n} | {ms(sample.quantile(0.5))} | "
                f"{ms(sample.quantile(0.99))} | {ms(sample.worst)} | {sample.throughput:.0f} | "
                f"{1000 * s.cpu[c] / max(n, 1):.2f} | {sample.body_bytes // max(n, 1)} | {sample.failures} |"
            )
    lines += [
        "",
        "Ratios product / bare. The goal is judged on each round's own ratio (the product's and the bare "
        "bot's runs of a round are back to back, so they share the machine's state), taking the median "
        f"over the {args.rounds} rounds: a burst of other work on this shared machine during one run does "
        "not decide the figure. The ratios of the pooled samples are shown too.",
        "",
        "| scenario | c | p50 ratio | p99 ratio | p99 ratio of each round | pooled p50 / p99 ratio "
        "| throughput ratio | goal ≤ 1.2× at p50 and p99 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    products = {s.scenario: s for s in series if s.target == "product"}
    for bare in (s for s in series if s.target == "bare"):
        prod = products[bare.scenario]
        for c in args.concurrency:
            p, b = prod.samples[c], bare.samples[c]
            r50, r99 = (_round_ratio(prod.rounds[c], bare.rounds[c], q) for q in (0.5, 0.99))
            pooled = f"{p.quantile(0.5) / b.quantile(0.5):.2f}× / {p.quantile(0.99) / b.quantile(0.99):.2f}×"
            each = ", ".join(
                f"{pr.quantile(0.99) / br.quantile(0.99):.2f}"
                for pr, br in zip(prod.rounds[c], bare.rounds[c], strict=True)
            )
            met = "met" if r50 <= GOAL and r99 <= GOAL else "**not met**"
            ratio = p.throughput / b.throughput
            lines.append(
                f"| {bare.scenario} | {c} | {r50:.2f}× | {r99:.2f}× | {each} | {pooled} "
                f"| {ratio:.2f}× | {met} |"
            )
    lines += [
        "",
        f"Worst Slack ack (slowest Slack answer of the product, all points): **{ms(worst_ack)} ms** "
        "(Slack's limit: 3000 ms)",
        "",
        "Fake platform calls during the run: "
        + ", ".join(f"{k} {v}" for k, v in sorted(fakes.calls.items())),
    ]
    return lines


def _round_ratio(product: list[Sample], bare: list[Sample], q: float) -> float:
    """The median over rounds of the product's quantile `q` divided by the bare bot's, round by round."""
    return statistics.median(p.quantile(q) / b.quantile(q) for p, b in zip(product, bare, strict=True))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench latency")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--n1", type=int, default=400, help="requests per target at c=1")
    parser.add_argument("--n", type=int, default=4000, help="requests per target at c=16 and c=64")
    parser.add_argument("--only", default="", help="run the scenarios whose name holds this text")
    parser.add_argument("--concurrency", type=int, nargs="+", default=list(CONCURRENCY))
    parser.add_argument(
        "--hold", type=float, default=0.0, help="seconds before measuring (to attach a profiler)"
    )
    parser.add_argument("--quick", action="store_true", help="a short smoke run (numbers not meaningful)")
    parser.add_argument("--out", type=Path, default=_bots.ROOT / "bench" / "results" / "latency.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.n1, args.n, args.rounds = 20, 100, 2
    return asyncio.run(run(args))
