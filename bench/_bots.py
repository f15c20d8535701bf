"""Starting the bots the benchmarks compare, each as its own process: the product (`chatops serve`
with the embedded demo backends, Slack at the bench's fake Web API; or pointed at the demo backends
served by a separate `chatops demo serve` process) and the two bare-SDK baselines."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO

import aiohttp

from bench.loadgen import BOT_TOKEN, SIGNING_SECRET, TENANT

ROOT = Path(__file__).resolve().parents[1]
APPROVER = "2009002"  # 류수아, 영업2팀장: decides 영업2팀 expenses up to her limit (전결)
REQUESTER = "2015003"  # 안건우, 영업2팀
APPROVER_TEAMS = "29:approver"
KPI_SLACK = "UKPI"  # linked to APPROVER: sees her team's KPIs


def clean(workdir: Path) -> None:
    """Remove a run's files, unless a bot failed (its log is there)."""
    logs = [p.read_text(errors="replace") for p in workdir.rglob("*.log")]
    if not any("Traceback" in log for log in logs):
        shutil.rmtree(workdir, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Bot:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]
    started: float

    def rss_kib(self) -> int:
        """Resident set size of the process (the product's demo backends live inside it)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def ready(self, path: str, limit: float = 60.0) -> float:
        """Seconds from spawn until GET `path` answered 200."""
        deadline = time.monotonic() + limit
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode}; see {self.log.name}"
                    )
                try:
                    async with session.get(self.url + path) as response:
                        if response.status == 200:
                            return time.perf_counter() - self.started
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.02)
        raise TimeoutError(f"{self.name} not ready after {limit}s; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _spawn(name: str, argv: list[str], env: dict[str, str], workdir: Path, port: int) -> Bot:
    log = (workdir / f"{name}.log").open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return Bot(name, process, f"http://127.0.0.1:{port}", log, started)


def product_env(workdir: Path, port: int, fakes_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'chatops.db'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "ERP_DEMO_DB": str(workdir / "erp.db"),
        "ERP_DEMO_PORT": "0",
        "DOORAY_DEMO_DB": str(workdir / "groupware.db"),
        "DOORAY_DEMO_PORT": "0",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"{fakes_url}/api/",
        "DELIVERY_TEAMS_SERVICE_URL": f"{fakes_url}/",
        "PLAYGROUND_ENABLED": "false",
        "MICROSOFT_APP_ID": "",
        "MICROSOFT_APP_PASSWORD": "",
    }


def start_product(
    workdir: Path,
    fakes_url: str,
    *,
    port: int = 0,
    backends: dict[str, str] | None = None,
    name: str = "product",
) -> Bot:
    """`chatops serve`; with `backends` (the settings `start_demo_backends` returns) it reaches the ERP
    and groupware by URL instead of starting the embedded demo services."""
    port = port or free_port()
    argv = [sys.executable, "-m", "bot.cli", "--env-file", "/dev/null", "serve"]
    env = {**product_env(workdir, port, fakes_url), **(backends or {})}
    return _spawn(name, argv, env, workdir, port)


async def start_demo_backends(
    workdir: Path, bot_port: int, limit: float = 60.0
) -> tuple[Bot, dict[str, str]]:
    """`chatops demo serve` over the workdir's demo databases, webhooks to a bot on `bot_port`. Returns
    the process once it wrote the bot's settings for it (ERP_URL, DOORAY_URL, keys), and those."""
    from dotenv import dotenv_values

    env_out = workdir / "demo-backends.env"
    env_out.unlink(missing_ok=True)
    argv = [
        sys.executable,
        "-m",
        "bot.cli",
        "--env-file",
        "/dev/null",
        "demo",
        "serve",
        "--env-out",
        str(env_out),
        "--bot-url",
        f"http://127.0.0.1:{bot_port}",
    ]
    env = {
        **os.environ,
        "PORT": str(bot_port),
        "ERP_DEMO_DB": str(workdir / "erp.db"),
        "ERP_DEMO_PORT": "0",
        "DOORAY_DEMO_DB": str(workdir / "groupware.db"),
        "DOORAY_DEMO_PORT": "0",
    }
    demo = _spawn("demo_backends", argv, env, workdir, 0)
    deadline = time.monotonic() + limit
    while not env_out.exists():
        if demo.process.poll() is not None:
            raise RuntimeError(f"demo backends exited with {demo.process.returncode}; see {demo.log.name}")
        if time.monotonic() > deadline:
            demo.stop()
            raise TimeoutError(f"demo backends not up after {limit}s; see {demo.log.name}")
        await asyncio.sleep(0.05)
    values = {key: value or "" for key, value in dotenv_values(env_out, interpolate=False).items()}
    return demo, values


def start_bare_slack(workdir: Path, fakes_url: str, *, answer_file: Path | None = None) -> Bot:
    """The bare slack-bolt bot; with `answer_file`, it answers help with that JSON ack body."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "bench.bare_slack",
        "--port",
        str(port),
        "--signing-secret",
        SIGNING_SECRET,
        "--api-url",
        f"{fakes_url}/api/",
        "--token",
        BOT_TOKEN,
    ]
    if answer_file is not None:
        argv += ["--answer-file", str(answer_file)]
    return _spawn("bare_slack", argv, dict(os.environ), workdir, port)


def start_bare_both(workdir: Path, fakes_url: str, *, with_stack: bool = False) -> Bot:
    """Both bare bots in one process; `with_stack` also imports the product's fixed libraries."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.bare_both", "--port", str(port), "--signing-secret", SIGNING_SECRET]
    argv += ["--api-url", f"{fakes_url}/api/", "--token", BOT_TOKEN]
    argv += ["--with-stack"] if with_stack else []
    return _spawn("bare_both_stack" if with_stack else "bare_both", argv, dict(os.environ), workdir, port)


def start_bare_teams(workdir: Path, *, answer_file: Path | None = None) -> Bot:
    """The bare botbuilder bot; with `answer_file`, it answers help with that activity."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.bare_teams", "--port", str(port)]
    if answer_file is not None:
        argv += ["--answer-file", str(answer_file)]
    return _spawn("bare_teams", argv, dict(os.environ), workdir, port)


async def prepare_product(workdir: Path, pending_items: int) -> list[str]:
    """Migrate the bot's database, seed the demo ERP with `pending_items` more expense reports waiting
    for APPROVER (dated three days back, so the start-up poll leaves them alone) and link the bench's
    chat users. Returns the new items' ids."""
    from adapters.erp.demo import seed as seed_erp
    from adapters.erp.demo.common import KST
    from adapters.erp.demo.repo_approvals import NewItem, create
    from commands.invocation import Platform
    from store.db import Database
    from store.identities import SqlIdentityRepository
    from store.migrate import upgrade

    url = f"sqlite:///{workdir / 'chatops.db'}"
    await asyncio.to_thread(upgrade, url)
    erp_db = workdir / "erp.db"
    now = datetime.now(KST)
    await asyncio.to_thread(seed_erp, erp_db, today=now.date())
    when = (now - timedelta(days=3)).isoformat(timespec="seconds")
    line = {"description": "고객사 미팅 식대", "quantity": 1, "unit_price": 90000, "amount": 90000}
    ids: list[str] = []
    with closing(sqlite3.connect(erp_db)) as conn:
        conn.row_factory = sqlite3.Row
        for n in range(pending_items):
            new = NewItem("expense", f"벤치 경비 {n}", REQUESTER, Decimal(90000), "KRW", [line], None, [])
            ids.append(str(create(conn, new, now=when)["id"]))
        conn.commit()
    db = Database.from_url(url)
    try:
        identities = SqlIdentityRepository(db)
        await identities.link(Platform.TEAMS, TENANT, APPROVER_TEAMS, APPROVER, "manual")
        await identities.link(Platform.SLACK, "T1", KPI_SLACK, APPROVER, "manual")
    finally:
        await db.dispose()
    return ids
