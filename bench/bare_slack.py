"""The bare slack-bolt baseline: an AsyncApp mounted in aiohttp exactly as the product mounts its own
(to_bolt_request / to_aiohttp_response around async_dispatch), answering `/chatops help` in the ack
with a fixed small Block Kit message, or with the JSON of `--answer-file` (the latency benchmark
passes the product's own help answer, so both bots send the same bytes).

    python -m bench.bare_slack --port N --signing-secret S --api-url http://127.0.0.1:M/api/ [--answer-file F]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

HELP: dict[str, Any] = {
    "response_type": "ephemeral",
    "text": "ChatOps help",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "ChatOps"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*help*: this message\n*ping*: pong"}},
    ],
}


def create_app(
    signing_secret: str, api_url: str, token: str, answer: dict[str, Any] | None = None
) -> web.Application:
    bolt = AsyncApp(client=AsyncWebClient(token=token, base_url=api_url), signing_secret=signing_secret)
    help_answer = answer or HELP

    @bolt.command("/chatops")
    async def command(ack: AsyncAck, body: dict[str, Any]) -> None:
        if str(body.get("text", "")).strip() in ("", "help"):
            await ack(**help_answer)
        else:
            await ack(text="unknown command")

    async def events(request: web.Request) -> web.StreamResponse:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


def arguments(prog: str) -> argparse.ArgumentParser:
    """The options every bare bot that hosts the Slack app takes."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", default="xoxb-bare-bench")
    return parser


def main(argv: list[str]) -> int:
    parser = arguments("python -m bench.bare_slack")
    parser.add_argument("--answer-file", type=Path, help="JSON ack body to answer help with")
    args = parser.parse_args(argv)
    answer = json.loads(args.answer_file.read_text()) if args.answer_file else None
    app = create_app(args.signing_secret, args.api_url, args.token, answer)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
