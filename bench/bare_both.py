"""Both bare baselines in one process: the bare slack-bolt app and the bare botbuilder bot mounted on one
aiohttp app, as a company serving both platforms with the bare SDKs would run them. `--with-stack` also
imports the libraries the product's design fixes besides the SDKs (SQLModel/SQLAlchemy, pydantic-settings,
httpx, loguru, APScheduler) without using them: the floor those imports set for start-up and memory.

    python -m bench.bare_both --port N --signing-secret S --api-url http://127.0.0.1:M/api/ [--with-stack]
"""

from __future__ import annotations

import importlib
import sys

from aiohttp import web

from bench import bare_slack, bare_teams

STACK = (
    "sqlmodel",
    "sqlalchemy.ext.asyncio",
    "pydantic_settings",
    "httpx",
    "loguru",
    "apscheduler.schedulers.asyncio",
)


def create_app(signing_secret: str, api_url: str, token: str) -> web.Application:
    app = bare_teams.create_app()  # POST /api/messages, GET /healthz
    slack = bare_slack.create_app(signing_secret, api_url, token)
    slack_events = next(r for r in slack.router.routes() if r.method == "POST")
    app.router.add_post("/slack/events", slack_events.handler)
    return app


def main(argv: list[str]) -> int:
    parser = bare_slack.arguments("python -m bench.bare_both")
    parser.add_argument("--with-stack", action="store_true", help="also import the product's fixed stack")
    args = parser.parse_args(argv)
    if args.with_stack:
        for module in STACK:
            importlib.import_module(module)
    app = create_app(args.signing_secret, args.api_url, args.token)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
