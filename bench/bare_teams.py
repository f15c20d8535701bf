"""The bare botbuilder baseline: a CloudAdapter bot (local mode, no app id, as the benchmark runs the
product) answering "help" with a small Adaptive Card, or with the activity of `--answer-file` (the
latency benchmark passes the product's own help reply, so both bots send the same bytes), through the
SDK's own `adapter.process`.

    python -m bench.bare_teams --port N [--answer-file F]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity

CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "ChatOps", "weight": "Bolder", "size": "Medium"},
        {"type": "TextBlock", "text": "**help**: this message\n\n**ping**: pong", "wrap": True},
    ],
}


class _Config:
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class HelpBot(ActivityHandler):  # type: ignore[misc]
    def __init__(self, answer: dict[str, Any] | None = None) -> None:
        self._answer = answer

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        if (turn_context.activity.text or "").strip() == "help":
            if self._answer is not None:
                await turn_context.send_activity(Activity().deserialize(self._answer))
            else:
                await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(CARD)))
        else:
            await turn_context.send_activity("unknown command")


def create_app(answer: dict[str, Any] | None = None) -> web.Application:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_Config()))
    bot = HelpBot(answer)

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=200)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_teams")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--answer-file", type=Path, help="JSON activity to answer help with")
    args = parser.parse_args(argv)
    answer = json.loads(args.answer_file.read_text()) if args.answer_file else None
    web.run_app(create_app(answer), host="127.0.0.1", port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
