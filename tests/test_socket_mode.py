"""Socket Mode against a local fake Slack: apps.connections.open hands out a ws:// URL of a local
websocket server that says hello, sends a slash command envelope and waits for the bot's ack."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from bot.bootstrap import Container, build_container
from bot.socket_mode import start_socket_mode
from tests.fixtures.browser import SettingsFactory

APP_TOKEN = "xapp-1-A1-test-app-token"


class FakeSocketSlack:
    """Web API (apps.connections.open, users.info) plus the Socket Mode websocket, on one server."""

    def __init__(self, envelopes: list[dict[str, Any]]) -> None:
        self.envelopes = envelopes
        self.acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.opened_with: list[str] = []
        self.connections = 0
        self.closed = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_route("*", "/api/{method}", self._api)
        self.app.router.add_get("/link", self._socket)
        self.server = TestServer(self.app)

    @property
    def api_url(self) -> str:
        return str(self.server.make_url("/api/"))

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "apps.connections.open":
            self.opened_with.append(request.headers.get("Authorization", ""))
            ws_url = str(self.server.make_url("/link")).replace("http://", "ws://")
            return web.json_response({"ok": True, "url": ws_url})
        if method == "users.info":
            return web.json_response({"ok": True, "user": {"id": "U1", "locale": "en-US", "profile": {}}})
        return web.json_response({"ok": True})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections += 1
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        for envelope in self.envelopes:
            await ws.send_json(envelope)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await self.acks.put(json.loads(message.data))
        self.closed.set()
        return ws


def slash_envelope(envelope_id: str, text: str) -> dict[str, Any]:
    payload = {
        "token": "legacy",
        "team_id": "T1",
        "team_domain": "acme",
        "channel_id": "D1",
        "channel_name": "directmessage",
        "user_id": "U1",
        "user_name": "jane",
        "command": "/chatops",
        "text": text,
        "api_app_id": "A1",
        "response_url": "https://hooks.slack.invalid/commands/1",
        "trigger_id": "t1",
    }
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": payload,
    }


@pytest.fixture
async def fake_socket_slack() -> AsyncIterator[FakeSocketSlack]:
    fake = FakeSocketSlack([slash_envelope("env-1", "help")])
    await fake.server.start_server()
    yield fake
    await fake.server.close()


@pytest.fixture
async def make_container(bot_settings: SettingsFactory) -> AsyncIterator[Callable[..., Awaitable[Container]]]:
    """The real container (what the app builds at start-up) for given Slack settings."""
    built: list[Container] = []

    async def make(slack: dict[str, Any] | None = None) -> Container:
        container = await build_container(bot_settings(slack=slack))
        built.append(container)
        return container

    yield make
    for container in built:
        await container.aclose()


def slack_settings(api_url: str, app_token: str = APP_TOKEN) -> dict[str, Any]:
    return {"bot_token": "xoxb-1", "signing_secret": "s3cret", "app_token": app_token, "api_url": api_url}


async def test_slash_command_over_the_socket_is_acked_with_the_answer(
    make_container: Callable[..., Awaitable[Container]], fake_socket_slack: FakeSocketSlack
) -> None:
    container = await make_container(slack_settings(fake_socket_slack.api_url))
    close = start_socket_mode(container)
    assert close is not None
    try:
        ack = await asyncio.wait_for(fake_socket_slack.acks.get(), timeout=20)
    finally:
        await close()
    assert fake_socket_slack.opened_with == [f"Bearer {APP_TOKEN}"], "opened with the app-level token"
    assert ack["envelope_id"] == "env-1"
    payload = ack["payload"]
    assert payload["response_type"] in ("in_channel", "ephemeral")
    assert "ChatOps bot help" in json.dumps(payload), "the help card, in the user's language (en-US)"
    await asyncio.wait_for(fake_socket_slack.closed.wait(), timeout=10)
    assert fake_socket_slack.connections == 1


async def test_socket_mode_is_off_without_an_app_token(
    make_container: Callable[..., Awaitable[Container]], fake_socket_slack: FakeSocketSlack
) -> None:
    http_mode = await make_container(slack_settings(fake_socket_slack.api_url, app_token=""))
    assert start_socket_mode(http_mode) is None
    assert start_socket_mode(await make_container()) is None
    assert fake_socket_slack.opened_with == []


async def test_start_does_not_wait_for_slack_and_stops_while_still_connecting(
    make_container: Callable[..., Awaitable[Container]], fake_socket_slack: FakeSocketSlack
) -> None:
    api_url = fake_socket_slack.api_url
    await fake_socket_slack.server.close()  # nothing answers apps.connections.open
    container = await make_container(slack_settings(api_url))
    close = start_socket_mode(container)
    assert close is not None
    await asyncio.sleep(0)
    await asyncio.wait_for(close(), timeout=10)
    assert fake_socket_slack.connections == 0
