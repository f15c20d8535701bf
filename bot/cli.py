"""`chatops`: serve, migrate, and the operator's commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from commands.errors import ChatOpsError, ConfigurationError

if TYPE_CHECKING:
    from bot.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    import gc

    gc.disable()  # start-up makes long-lived objects only: collecting while importing is wasted work
    from aiohttp import web

    from bot.app import create_app

    settings = _settings(args, playground=True)
    app = create_app(settings)
    app.on_startup.append(_freeze_heap)
    print(f"chatops serving on http://{settings.core.host}:{settings.core.port}", file=sys.stderr)
    web.run_app(app, host=settings.core.host, port=settings.core.port, print=None, access_log=None)
    return 0


async def _freeze_heap(_app: object) -> None:
    """Once the app is built: the objects made so far (imported modules, the container) live as long
    as the process, so move them out of the collector's sight; otherwise every full collection walks
    them all, a pause of tens of milliseconds in the middle of a request. The collector, off since
    `_serve` began, runs from here on."""
    import gc

    gc.collect()
    gc.freeze()
    gc.enable()


def _migrate(args: argparse.Namespace) -> int:
    from store.db import Database
    from store.migrate import upgrade

    settings = _settings(args)
    db = Database.from_url(settings.core.database_url)
    upgrade(db.sync_url)
    print("database migrated", file=sys.stderr)
    return 0


def _settings(args: argparse.Namespace, *, playground: bool = False) -> Settings:
    from bot.logging import configure_logging
    from bot.playground import playground_settings
    from bot.settings import load_settings

    settings = load_settings(args.env_file)
    if playground:
        settings = playground_settings(settings, settings.playground)
    configure_logging(fmt=settings.core.log_format, level=settings.core.log_level, secrets=settings.secrets())
    return settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatops", description="Chat-ops bot for Teams and Slack")
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    sub = parser.add_subparsers(dest="command", required=True)
    commands: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
        "serve": ("run the bot (HTTP on PORT)", _serve),
        "migrate": ("apply database migrations", _migrate),
    }
    for name, (help_text, func) in commands.items():
        sub.add_parser(name, help=help_text).set_defaults(func=func)
    from bot.cli_jobs import add_jobs_commands

    add_jobs_commands(sub)
    from bot.cli_audit import add_audit_commands

    add_audit_commands(sub)
    from bot.manifests import add_manifest_commands

    add_manifest_commands(sub)
    from bot.cli_outbox import add_outbox_commands

    add_outbox_commands(sub)
    from bot.cli_demo import add_demo_commands

    add_demo_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigurationError as exc:
        print(f"chatops: configuration error: {exc}", file=sys.stderr)
        return 2
    except ChatOpsError as exc:
        print(f"chatops: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
