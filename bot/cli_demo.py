"""`chatops demo reseed`: wipe and seed the embedded demo ERP and groupware again (dates move to today).
`chatops demo serve`: run them in a process of their own, for a bot pointed at them by ERP_URL/DOORAY_URL."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_demo_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="the embedded demo ERP and groupware")
    demo_sub = demo.add_subparsers(dest="demo_command", required=True)
    reseed = demo_sub.add_parser("reseed", help="wipe the demo data and seed it again for today")
    reseed.set_defaults(func=_reseed)
    serve = demo_sub.add_parser(
        "serve", help="serve the demo ERP and groupware on their own (the bot reaches them by URL)"
    )
    serve.add_argument(
        "--env-out",
        type=Path,
        default=Path("var/demo-backends.env"),
        help="where to write the bot's settings for them (default: var/demo-backends.env)",
    )
    serve.add_argument(
        "--bot-url", default="", help="the bot's base URL for webhooks (default: loopback PORT)"
    )
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from bot.demo_serve import run
    from bot.logging import configure_logging
    from bot.settings import load_settings
    from bot.settings_playground import loopback_base

    settings = load_settings(args.env_file)
    configure_logging(fmt=settings.core.log_format, level=settings.core.log_level, secrets=settings.secrets())
    run(settings, bot_url=args.bot_url or loopback_base(settings), env_out=args.env_out)
    return 0


def _reseed(args: argparse.Namespace) -> int:
    from adapters.erp.demo import reseed as reseed_erp
    from adapters.groupware.demo.seed import reseed as reseed_groupware
    from bot.settings import load_settings

    settings = load_settings(args.env_file)
    erp_db, groupware_db = settings.erp.demo_db, settings.dooray.demo_db
    Path(erp_db).parent.mkdir(parents=True, exist_ok=True)
    reseed_erp(erp_db)
    print(f"demo ERP reseeded: {erp_db}", file=sys.stderr)
    if Path(groupware_db).exists():
        reseed_groupware(groupware_db)
        print(f"demo groupware reseeded: {groupware_db}", file=sys.stderr)
    else:
        print("demo groupware: not created yet; it is seeded at the next `chatops serve`", file=sys.stderr)
    return 0
