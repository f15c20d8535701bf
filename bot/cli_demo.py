"""`chatops demo reseed`: wipe and seed the embedded demo ERP and groupware again (dates move to today)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_demo_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="the embedded demo ERP and groupware")
    demo_sub = demo.add_subparsers(dest="demo_command", required=True)
    reseed = demo_sub.add_parser("reseed", help="wipe the demo data and seed it again for today")
    reseed.set_defaults(func=_reseed)


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
