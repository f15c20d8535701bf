"""POST /api/messages: authenticate, run the bot, answer invokes ourselves (see DESIGN.md)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from loguru import logger

from adapters.teams.bot import TURN_REQUEST_ID, ChatOpsTeamsBot, invoke_body
from adapters.teams.clients import ReusingBotFrameworkAuthentication
from adapters.teams.mapping import tenant_of, without_reply_chain
from adapters.web import REQUEST_ID

MAX_TEXT = 28_000  # Teams' own message size limit is about 28 KB
# the widths of the stored columns (store/tables/target.py, identity.py), in characters
CONVERSATION_ID_MAX, TENANT_ID_MAX, USER_ID_MAX = 512, 128, 255


class BotFrameworkConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, app_id: str, app_password: str, app_type: str, tenant_id: str) -> None:
        self.APP_ID = app_id
        self.APP_PASSWORD = app_password
        self.APP_TYPE = app_type
        self.APP_TENANTID = tenant_id


def build_adapter(config: BotFrameworkConfig) -> CloudAdapter:
    adapter = CloudAdapter(ReusingBotFrameworkAuthentication(config))

    async def on_error(context: TurnContext, error: Exception) -> None:
        logger.opt(exception=error).error("teams turn failed")

    adapter.on_turn_error = on_error
    return adapter


class TeamsEndpoint:
    def __init__(self, adapter: CloudAdapter, bot: ChatOpsTeamsBot, allowed_tenants: list[str]) -> None:
        self._adapter = adapter
        self._bot = bot
        self._allowed = set(allowed_tenants)

    async def aclose(self) -> None:
        """Close the reply and token clients kept across turns (at shutdown; twice is fine)."""
        auth = self._adapter.bot_framework_authentication
        if isinstance(auth, ReusingBotFrameworkAuthentication):
            await auth.aclose()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _problem(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "expected application/json")
        activity = _parse_activity(await request.read())
        if activity is None:
            return _problem(HTTPStatus.BAD_REQUEST, "body is not a Bot Framework activity")
        try:
            auth = await self._adapter.bot_framework_authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as exc:  # the SDK raises PermissionError, but also others for garbage tokens
            logger.info("teams request refused: {}", type(exc).__name__)
            return _problem(HTTPStatus.UNAUTHORIZED, "unauthorized")
        if self._allowed and tenant_of(activity) not in self._allowed:
            logger.warning("teams tenant not allowed: {}", tenant_of(activity) or "-")
            return _problem(HTTPStatus.FORBIDDEN, "tenant not allowed")
        request_id = request.get(REQUEST_ID, "")

        async def logic(turn_context: TurnContext) -> None:
            turn_context.turn_state[TURN_REQUEST_ID] = request_id
            await self._bot.on_turn(turn_context)

        invoke = await self._adapter.process_activity(auth, activity, logic)
        if invoke is not None:
            return web.json_response(invoke_body(invoke), status=invoke.status)
        return web.Response(status=HTTPStatus.OK)


def _parse_activity(raw: bytes) -> Activity | None:
    import json

    try:
        body: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return None
    try:
        activity = Activity().deserialize(body)
    except Exception:  # msrest raises DeserializationError and friends on wrong types
        return None
    if not activity.type or activity.conversation is None or not _reply_address_ok(activity):
        return None
    if activity.text is not None and not isinstance(activity.text, str):
        return None
    if activity.text and len(activity.text) > MAX_TEXT:
        activity.text = activity.text[:MAX_TEXT]
    return activity


def _reply_address_ok(activity: Activity) -> bool:
    """Replies go to serviceUrl/v3/conversations/{id} and the conversation is stored as a target:
    refuse what cannot be addressed (an id that is not ASCII travels in a header) or stored."""
    url, conversation_id = activity.service_url, getattr(activity.conversation, "id", None)
    if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > 2048:
        return False
    if not isinstance(conversation_id, str) or not conversation_id.isascii() or len(conversation_id) > 1024:
        return False
    if not 0 < len(without_reply_chain(conversation_id)) <= CONVERSATION_ID_MAX:
        return False
    sender = getattr(activity.from_property, "id", None)
    if sender is not None and (not isinstance(sender, str) or len(sender) > USER_ID_MAX):
        return False
    if len(tenant_of(activity)) > TENANT_ID_MAX:
        return False
    return activity.id is None or (isinstance(activity.id, str) and len(activity.id) <= 1024)


def _problem(status: HTTPStatus, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=int(status))
