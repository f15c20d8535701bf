"""POST /slack/events: the Bolt app mounted inside our aiohttp app (not add_subapp: DESIGN.md)."""

from __future__ import annotations

import json
import urllib.parse

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.web import REQUEST_ID


def build_client(token: str, base_url: str) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=base_url, timeout=10)
    # slack-sdk installs only the connection-error retry handler by default.
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_app(client: AsyncWebClient, signing_secret: str) -> AsyncApp:
    if not signing_secret:
        raise ValueError("SLACK_SIGNING_SECRET is empty: refusing to start Slack without signature checks")
    return AsyncApp(
        name="chatops",  # without a name Bolt walks inspect.stack() to guess one (0.3-0.5 s per start)
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=True,
        raise_error_for_unhandled_request=False,
        # answer when the listener returns, not from a task Bolt polls every 10 ms; our listeners ack at
        # once and run slow work after the ack themselves (adapters/slack/app.py)
        process_before_response=True,
    )


class SlackEndpoint:
    def __init__(self, app: AsyncApp) -> None:
        self._app = app

    @property
    def app(self) -> AsyncApp:
        """The Bolt app, for Socket Mode (bot/socket_mode.py) to feed the same listeners."""
        return self._app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        # Bolt would answer 500 to a timestamp int() cannot read, and to fields of unexpected types
        if not request.headers.get("X-Slack-Request-Timestamp", "0").isdigit():
            return web.json_response({"error": "invalid signature"}, status=401)
        if not well_formed(await request.text(), request.content_type):
            return web.json_response({"error": "malformed Slack payload"}, status=400)
        try:
            bolt_request = await to_bolt_request(request)
            bolt_request.context["request_id"] = request.get(REQUEST_ID, "")
            bolt_response = await self._app.async_dispatch(bolt_request)
        except (TypeError, AttributeError, KeyError, IndexError):
            return web.json_response({"error": "malformed Slack payload"}, status=400)
        return await to_aiohttp_response(bolt_response)


def well_formed(body: str, content_type: str) -> bool:
    """Bolt assumes payloads are JSON objects and fails on anything else; refuse those first."""
    if content_type == "application/json":
        try:
            return isinstance(json.loads(body), dict)
        except ValueError:
            return False
    if not _may_name_payload(body):
        return True  # a slash command: nothing for Bolt to choke on, and no need to parse it here
    form = urllib.parse.parse_qs(body)
    if "payload" not in form:
        return True
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        return False
    return isinstance(payload, dict) and _payload_shape_ok(payload)


def _may_name_payload(body: str) -> bool:
    """False when no field of the form `body` can be called "payload" once decoded: the word is not
    in it and no field name is percent-encoded (parse_qs splits on "&" and turns "+" into a space)."""
    return "payload" in body or any("%" in pair.partition("=")[0] for pair in body.split("&"))


_OBJECT_FIELDS = ("user", "team", "container", "view", "message")
_NULLABLE_OBJECT_FIELDS = ("channel", "enterprise")  # Slack sends null for these


def _payload_shape_ok(payload: dict[str, object]) -> bool:
    """Interactivity payloads: the fields Bolt walks must have their documented types."""
    if any(key in payload and not isinstance(payload[key], dict) for key in _OBJECT_FIELDS):
        return False
    if any(
        payload.get(key) is not None and not isinstance(payload[key], dict) for key in _NULLABLE_OBJECT_FIELDS
    ):
        return False
    actions = payload.get("actions", [])
    return isinstance(actions, list) and all(
        isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions
    )
