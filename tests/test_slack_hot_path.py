"""The Slack command path's shortcuts answer exactly what the long way answers: the reused ack body, the
payload pre-check that skips parsing slash commands, the help card built once, badges without a task."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt.async_app import AsyncAck

from adapters.slack import app as slack_app
from adapters.slack import routes
from adapters.slack.app import SlackListeners
from adapters.slack.render import _render_message
from commands.cards import Card, Reply, Text
from commands.context import CommandContext
from commands.errors import UpstreamUnavailable
from commands.features import basics, build_registry
from commands.i18n import t
from commands.invocation import Caller, Conversation, Invocation, Platform
from commands.ports.clock import FrozenClock
from commands.registry import Registry
from commands.services import Services
from tests.fixtures.bot import BotHarness

# --- the ack body -------------------------------------------------------------------------------


def new_ack() -> AsyncAck:
    return AsyncAck()  # type: ignore[no-untyped-call]


def listeners() -> SlackListeners:
    return SlackListeners(cast(Any, None), cast(Any, None), cast(Any, None), build_registry())


async def bolt_body(reply: Reply, locale: str) -> tuple[str, dict[str, Any]]:
    """What Bolt itself answers for `ack(**message)`: the body and the headers."""
    message = _render_message(reply, locale)
    message["response_type"] = "ephemeral" if reply.ephemeral else "in_channel"
    response = await new_ack()(**message)
    return response.body, response.headers


@pytest.mark.parametrize("ephemeral", [False, True])
async def test_a_reused_ack_body_is_what_bolt_makes(ephemeral: bool) -> None:
    slack = listeners()
    services = Services(
        build_registry(),
        FrozenClock(datetime(2026, 5, 11, tzinfo=UTC)),
        identities=cast(Any, None),
        targets=cast(Any, None),
    )
    for locale in ("ko", "en", "ko"):
        reply = Reply.of(basics.help_card(services, locale), ephemeral=ephemeral)
        for _ in range(2):
            ack = new_ack()
            await slack._ack_reply(ack, reply, locale)
            assert ack.response is not None
            assert (ack.response.status, ack.response.body, ack.response.headers) == (
                200,
                *(await bolt_body(reply, locale)),
            )
    assert len(slack._ack_bodies) == 2  # one per locale for this ephemeral setting


async def test_replies_that_cannot_be_keyed_are_acked_the_long_way() -> None:
    slack = listeners()
    reply = Reply.of(Card("s", (Text("quiet", tone="subtle"),)))  # type: ignore[arg-type]
    ack = new_ack()
    await slack._ack_reply(ack, reply, "ko")
    assert ack.response is not None and ack.response.body == (await bolt_body(reply, "ko"))[0]
    assert len(slack._ack_bodies) == 0


async def test_help_over_http_is_served_from_the_ack_cache_byte_for_byte(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await bot.slack_command("help")
    first_body, first_type = await first.read(), first.headers["Content-Type"]
    assert first.status == 200 and json.loads(first_body)["blocks"]

    def not_again(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("rendered again")

    monkeypatch.setattr(slack_app, "render_keyed", not_again)
    monkeypatch.setattr(slack_app, "render_message", not_again)
    second = await bot.slack_command("help")
    assert second.status == 200
    assert (await second.read(), second.headers["Content-Type"]) == (first_body, first_type)


# --- the payload pre-check ----------------------------------------------------------------------


def reference_well_formed(body: str, content_type: str) -> bool:
    if content_type == "application/json":
        try:
            return isinstance(json.loads(body), dict)
        except ValueError:
            return False
    form = urllib.parse.parse_qs(body)
    if "payload" not in form:
        return True
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        return False
    return isinstance(payload, dict) and routes._payload_shape_ok(payload)


_NAMES = st.sampled_from(["payload", "p%61yload", "%70ayload", "pay+load", "text", "command", "pa%ylo", "%"])
_VALUES = st.sampled_from(["", "[]", "{}", "1", '{"actions":[1]}', "%7B%7D", "help payload", "a%20b"])
_BODIES = st.one_of(
    st.lists(st.tuples(_NAMES, _VALUES), max_size=5).map(lambda kv: "&".join(f"{k}={v}" for k, v in kv)),
    st.text(alphabet="payload=&%7B}{+;x", max_size=30),
)


@settings(max_examples=400)
@given(_BODIES, st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain"]))
def test_the_pre_check_decides_like_parsing_everything(body: str, content_type: str) -> None:
    assert routes.well_formed(body, content_type) == reference_well_formed(body, content_type)
    if not routes._may_name_payload(body):
        assert "payload" not in urllib.parse.parse_qs(body, keep_blank_values=True)


def test_a_slash_command_body_is_not_parsed() -> None:
    body = urllib.parse.urlencode(
        {"command": "/chatops", "text": "help", "response_url": "https://hooks.slack.com/commands/1"}
    )
    assert not routes._may_name_payload(body)
    assert routes._may_name_payload("p%61yload=%5B%5D") and not routes.well_formed("p%61yload=[]", "x")


# --- the help card and its badges ----------------------------------------------------------------


def services_with(*badges: Any) -> Services:
    registry = Registry()
    basics.register(registry)
    registry.badges.extend(badges)
    clock = FrozenClock(datetime(2026, 5, 11, tzinfo=UTC))
    return Services(registry, clock, identities=cast(Any, None), targets=cast(Any, None))


def context(services: Services, locale: str = "ko") -> CommandContext:
    caller = Caller(Platform.SLACK, "U1", tenant_id="T1", locale=locale)
    return CommandContext(Invocation(caller, Conversation(Platform.SLACK, "D1"), "help"), services)


def test_the_help_card_is_built_once_per_texts_and_badges() -> None:
    services = services_with()
    card = basics.help_card(services, "ko")
    assert basics.help_card(services, "ko") is card
    assert basics.help_card(services, "ko", ("📥 3",)) is not card
    assert basics.help_card(services, "en") != card
    chrome = tuple(t("ko", k) for k in ("help.title", "help.intro", "help.show_example", "help.summary"))
    commands = tuple(
        (c.name, t("ko", c.usage_key), t("ko", c.description_key))
        for c in services.registry.commands
        if not c.hidden
    )
    assert card == basics._help_card.__wrapped__(chrome, (), commands)  # what building it anew gives
    bigger = services_with()
    bigger.registry.command("zzz", basics.ping, example="zzz")
    assert len(basics.help_card(bigger, "ko").elements) == len(card.elements) + 3  # a new command shows


async def test_badges_slow_or_failing_are_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(basics, "BADGE_SECONDS", 0.1)

    async def slow(_ctx: CommandContext) -> str:
        await asyncio.sleep(5)
        return "never"

    async def failing(_ctx: CommandContext) -> str:
        raise UpstreamUnavailable("erp")

    async def good(_ctx: CommandContext) -> str:
        await asyncio.sleep(0)
        return "📥 결재 대기 1건"

    async def empty(_ctx: CommandContext) -> str:
        return ""

    started = time.monotonic()
    reply = await basics.help_command(context(services_with(slow, failing, good, empty)))
    assert time.monotonic() - started < 1.0
    texts = [e.text for e in reply.cards[0].elements if isinstance(e, Text)]
    assert "📥 결재 대기 1건" in texts and "never" not in texts


async def test_cancelling_help_while_a_badge_waits_cancels_it() -> None:
    async def slow(_ctx: CommandContext) -> str:
        await asyncio.sleep(5)
        return "never"

    task = asyncio.ensure_future(basics.help_command(context(services_with(slow))))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_values_derived_from_the_registry_are_rebuilt_after_a_registration() -> None:
    registry, builds = Registry(), []

    def names() -> tuple[str, ...]:
        builds.append(1)
        return tuple(c.name for c in registry.commands)

    async def handler(ctx: CommandContext) -> Reply:
        return Reply("x")

    registry.command("one", handler, example="one")
    assert registry.derived("names", names) == ("one",) and registry.derived("names", names) == ("one",)
    assert len(builds) == 1
    registry.command("two", handler, example="two")
    assert registry.derived("names", names) == ("one", "two") and len(builds) == 2
