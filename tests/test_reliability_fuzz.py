"""Bad input, generated: the command parser and both platforms' payload handlers, through the real app
over HTTP. Never a 500, never an error in the logs, always a clear answer or a 4xx.

Bounded by the `reliability` hypothesis profile (tests/fixtures/reliability.py)."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.parsing import MAX_TEXT, split_command
from tests.fixtures.bot import BotHarness
from tests.fixtures.reliability import JSON, TEXT, Problems, fuzz, fuzz_settings


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """Dialect-independent checks: SQLite only (PostgreSQL runs would add time, not coverage)."""
    return sqlite_database_url


SLACK_FIELDS = (
    "command",
    "text",
    "user_id",
    "user_name",
    "team_id",
    "channel_id",
    "channel_name",
    "trigger_id",
    "response_url",
    "token",
    "api_app_id",
    "enterprise_id",
    "payload",
)
ACTIVITY_FIELDS = (
    "type",
    "id",
    "serviceUrl",
    "conversation",
    "channelId",
    "from",
    "recipient",
    "channelData",
    "locale",
    "text",
    "value",
    "name",
    "replyToId",
    "entities",
    "attachments",
    "timestamp",
)


@fuzz_settings(300)
@given(TEXT)
def test_parser_gives_one_lowercase_word_and_trimmed_arguments(text: str) -> None:
    word, args = split_command(text)
    assert word == word.lower() and " " not in word and not word.startswith("/")
    assert args == args.strip() and len(word) + len(args) <= MAX_TEXT
    assert word or not args


async def _slack_ok(response: Any) -> dict[str, Any]:
    assert response.status == 200, (response.status, await response.text())
    body = await response.json()
    assert isinstance(body.get("text"), str) and body["text"].strip(), body
    return dict(body)


async def test_slack_command_text(bot: BotHarness, problems: Problems) -> None:
    async def check(text: str) -> None:
        await _slack_ok(await bot.slack_command(text))

    await fuzz(TEXT, check)
    assert problems.all() == []


async def test_slack_command_fields_missing_extra_or_odd(bot: BotHarness, problems: Problems) -> None:
    values = st.one_of(TEXT, JSON.map(lambda v: json.dumps(v)))
    keys = st.sampled_from(SLACK_FIELDS) | st.text(min_size=1, max_size=20)
    forms = st.dictionaries(keys, values, max_size=12)
    base = {"command": "/chatops", "text": "help", "user_id": "U1", "team_id": "T1", "channel_id": "D1"}

    async def check(form: dict[str, str]) -> None:
        merged = {**base, **form} if form.get("command", "").startswith("/") else form
        response = await bot.slack_post(urllib.parse.urlencode(merged), "application/x-www-form-urlencoded")
        assert response.status < 500, (response.status, merged)

    await fuzz(forms, check)
    assert problems.all() == []


def _interaction() -> st.SearchStrategy[dict[str, Any]]:
    """block_actions / view_submission / shortcut payloads: optional parts missing, objects holding
    anything. Slack's own shapes are kept where Bolt depends on them (objects stay objects, actions a
    list of objects with a string id); the other shapes are test_signed_odd_shapes_are_4xx."""
    obj = st.dictionaries(st.text(max_size=12), JSON, max_size=4)
    action = st.fixed_dictionaries(
        {
            "action_id": st.sampled_from(["help.example#0", "approval.decide.approve#1", "x#y", ""])
            | st.text(max_size=30),
            "value": st.one_of(st.just('{"item": "EX-2026-0001", "v": "1"}'), TEXT, JSON),
            "type": JSON,
        },
        optional={"block_id": JSON, "text": JSON, "url": JSON},
    )
    return st.fixed_dictionaries(
        {
            "type": st.sampled_from(["block_actions", "view_submission", "shortcut", "message_action", "x"])
            | st.text(max_size=20),
            "actions": st.one_of(st.lists(action, min_size=1, max_size=3), JSON),
        },
        optional={
            "user": st.one_of(st.just({"id": "U1", "team_id": "T1"}), obj, JSON),
            "team": st.one_of(st.just({"id": "T1"}), obj, JSON),
            "channel": st.one_of(st.just({"id": "C1"}), obj, JSON),
            "container": st.one_of(st.just({"message_ts": "1.2", "is_ephemeral": True}), obj, JSON),
            "view": st.one_of(
                st.fixed_dictionaries(
                    {
                        "callback_id": st.just("chatops.inputs") | st.text(max_size=20),
                        "private_metadata": st.one_of(TEXT, st.just('{"a": "approval.decide.reject"}')),
                        "state": obj,
                    }
                ),
                obj,
                JSON,
            ),
            "response_url": st.one_of(st.just(""), TEXT, JSON),
            "trigger_id": JSON,
            "callback_id": JSON,
        },
    )


async def test_slack_interaction_payloads(bot: BotHarness, problems: Problems) -> None:
    async def check(payload: dict[str, Any]) -> None:
        form = urllib.parse.urlencode({"payload": json.dumps(payload)})
        response = await bot.slack_post(form, "application/x-www-form-urlencoded")
        assert response.status < 500, (response.status, payload)

    await fuzz(_interaction(), check)
    await bot.container.erp_webhook.drain()
    assert problems.all() == []


async def test_slack_raw_bodies(bot: BotHarness, problems: Problems) -> None:
    bodies = st.one_of(TEXT, JSON.map(json.dumps), st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
    types = st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain", ""])

    async def check(case: tuple[str, str]) -> None:
        body, content_type = case
        response = await bot.slack_post(body, content_type)
        assert response.status < 500, (response.status, case)

    await fuzz(st.tuples(bodies, types), check)
    assert problems.all() == []


async def test_teams_message_text(bot: BotHarness, problems: Problems) -> None:
    async def check(text: str) -> None:
        before = len(bot.connector.activities())
        response = await bot.teams_message(text)
        assert response.status == 200, (response.status, text[:80])
        replies = bot.connector.activities()[before:]
        assert replies and (replies[-1].get("attachments") or replies[-1].get("text")), replies

    await fuzz(TEXT, check, examples=25)
    assert problems.all() == []


async def test_teams_activities_with_wrong_or_missing_fields(bot: BotHarness, problems: Problems) -> None:
    def mangle(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        changes = st.dictionaries(st.sampled_from(ACTIVITY_FIELDS), JSON | TEXT, max_size=4)
        drops = st.sets(st.sampled_from(ACTIVITY_FIELDS), max_size=3)
        extra = st.dictionaries(st.text(max_size=10), JSON, max_size=2)
        return st.builds(
            lambda c, d, e: {k: v for k, v in {**base, **e, **c}.items() if k not in d}, changes, drops, extra
        )

    async def check(activity: dict[str, Any]) -> None:
        response = await bot.teams_post(activity)
        assert response.status < 500 or response.status == 501, (response.status, activity)
        assert problems.all() == [], activity

    await fuzz(mangle(bot.activity(text="help")), check)
    assert problems.all() == []


async def test_teams_card_actions(bot: BotHarness, problems: Problems) -> None:
    verbs = st.sampled_from(
        [
            "approval.decide.approve",
            "approval.decide.reject",
            "approval.refresh",
            "approval.show",
            "help.example",
            "kpi.period",
            "",
        ]
    ) | st.text(max_size=30)
    data = st.dictionaries(
        st.sampled_from(["item", "v", "reason", "kpi", "period"]) | st.text(max_size=8), JSON | TEXT
    )
    values = st.one_of(
        st.builds(lambda v, d: {"action": {"type": "Action.Execute", "verb": v, "data": d}}, verbs, data),
        st.builds(lambda a: {"action": a}, JSON),
        JSON,
    )
    names = st.sampled_from(["adaptiveCard/action", "task/fetch", "composeExtension/query", ""]) | JSON

    async def check(case: tuple[Any, Any]) -> None:
        value, name = case
        response = await bot.teams_post(bot.activity(type="invoke", name=name, value=value, replyToId="a-1"))
        assert response.status < 500 or (response.status == 501 and name != "adaptiveCard/action"), (
            response.status,
            case,
        )
        if response.status == 200 and name == "adaptiveCard/action":
            body = await response.json()
            assert body.get("statusCode") in (200, 400) and body.get("value"), body

    await fuzz(st.tuples(values, names), check)
    assert problems.all() == []


# Found by the fuzzing above and fixed (153a251); kept as plain regression tests.


async def test_click_without_response_url_logs_no_error(bot: BotHarness, problems: Problems) -> None:
    """A button outside a message (App Home, a modal) comes without response_url: the notice must not
    go to `respond` (it raised ValueError 'respond is unsupported here', logged as an error)."""
    payload = {
        "type": "block_actions",
        "user": {"id": "U1", "team_id": "T1"},
        "team": {"id": "T1"},
        "actions": [{"action_id": "no.such.action#0", "value": "{}"}],
    }
    response = await bot.slack_post(
        urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    assert response.status == 200
    await asyncio.sleep(0.2)  # the listener answers after the ack
    assert problems.all() == []


ODD_SHAPES = {
    "actions is a string": {"actions": "x"},
    "actions holds a number": {"actions": [5]},
    "view is null": {"actions": [{"action_id": None, "value": "{}"}], "view": None},
    "actions is empty": {"actions": []},
}


@pytest.mark.parametrize("shape", ODD_SHAPES.values(), ids=ODD_SHAPES.keys())
async def test_signed_odd_shapes_are_4xx(bot: BotHarness, problems: Problems, shape: dict[str, Any]) -> None:
    payload = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, **shape}
    payload["response_url"] = bot.slack.response_url("odd")
    response = await bot.slack_post(
        urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    assert response.status < 500 and problems.all() == []


ODD_REPLY_ADDRESSES = {
    "serviceUrl not a URL": {"serviceUrl": "not a url"},
    "serviceUrl a number": {"serviceUrl": 5},
    "an id of 9000 characters": {"id": "x" * 9000},
    "conversation without id": {"conversation": {"conversationType": "personal", "tenantId": "tenant-1"}},
}


@pytest.mark.parametrize("change", ODD_REPLY_ADDRESSES.values(), ids=ODD_REPLY_ADDRESSES.keys())
async def test_local_mode_odd_reply_address_logs_no_error(
    bot: BotHarness, problems: Problems, change: dict[str, Any]
) -> None:
    """Without an app id nothing vouches for serviceUrl: a message whose reply cannot be addressed
    should be refused (400), not run and fail with 'teams turn failed' in the logs."""
    activity = {k: v for k, v in {**bot.activity(text="help"), **change}.items() if v is not None}
    response = await bot.teams_post(activity)
    assert response.status < 500 and problems.all() == []
