"""Bolt answers when a listener returns (process_before_response): every listener acks at once and
leaves slow work to a task of its own. A held Slack Web API or a slow ERP must never hold the ack."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import SlackListeners
from adapters.slack.profiles import SlackProfiles
from commands.features import build_registry
from store.errors import DatabaseUnavailable
from tests.fixtures.bot import BotFactory, BotHarness
from tests.fixtures.erp_proxy import ErpBehindProxyFactory
from tests.fixtures.platforms import FakeSlackApi, eventually
from tests.fixtures.reliability import Problems
from tests.test_approvals_journey import TEAM_HEAD, link_slack

WORKING = "처리 중"  # slack.working (ko)
UNAVAILABLE = "응답하지 않습니다"  # error.upstream (ko)


async def _example_button(bot: BotHarness) -> dict[str, Any]:
    help_body = await (await bot.slack_command("help")).json()
    return next(
        e
        for b in help_body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "ping" in e["value"]
    )


async def test_a_click_is_acked_while_its_work_waits_on_slack(bot: BotHarness, problems: Problems) -> None:
    button = await _example_button(bot)
    released = bot.slack.held["chat.update"] = asyncio.Event()
    response = await asyncio.wait_for(bot.slack_click({**button, "block_id": "b1", "action_ts": "1"}), 5)
    assert response.status == 200  # acked although chat.update has not been answered
    assert not released.is_set()
    released.set()
    updates = await eventually(lambda: bot.slack.method_calls("chat.update"), limit=10)
    assert len(updates) == 1 and "ping" in json.dumps(updates[0])
    assert problems.all() == []


async def test_a_command_slower_than_the_ack_budget_is_answered_through_response_url(
    erp_behind_proxy: ErpBehindProxyFactory, problems: Problems
) -> None:
    # the ERP list answers after 0.3 s (its client waits 5 s): longer than the 0.05 s budget
    erp = await erp_behind_proxy(delay=0.3, timeout_seconds=5, slack={"ack_budget_seconds": 0.05})
    bot = erp.bot
    await link_slack(bot, "UHEAD", TEAM_HEAD)
    erp.proxy.mode = "timeout"
    before = len(bot.slack.responses())
    ack = await (await bot.slack_command("approvals", user="UHEAD")).json()
    assert WORKING in ack["text"] and ack["response_type"] == "ephemeral"
    later = await eventually(lambda: bot.slack.responses()[before:], limit=10)
    answer = json.dumps(later, ensure_ascii=False)
    assert len(later) == 1 and later[0].get("blocks") and UNAVAILABLE not in answer
    assert erp.proxy.seen["timeout"] >= 1
    assert problems.all() == []


def _listeners() -> SlackListeners:
    return SlackListeners(cast(Any, None), cast(Any, None), cast(Any, None), build_registry())


async def test_drain_lets_work_after_the_ack_finish() -> None:
    slack, release, finished = _listeners(), asyncio.Event(), []

    async def work() -> None:
        await release.wait()
        finished.append(True)

    slack._after_ack(work())
    asyncio.get_running_loop().call_later(0.05, release.set)
    await slack.drain(grace=5)
    assert finished == [True]


async def test_drain_cancels_work_that_outlasts_the_grace() -> None:
    slack, cancelled = _listeners(), []

    async def work() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    slack._after_ack(work())
    await asyncio.sleep(0)
    await slack.drain(grace=0.05)
    assert cancelled == [True]
    await slack.drain(grace=0.05)  # nothing left: returns at once


async def test_work_after_the_ack_that_fails_is_logged_not_lost_silently(problems: Problems) -> None:
    slack = _listeners()

    async def work() -> None:
        raise RuntimeError("boom")

    slack._after_ack(work())
    await slack.drain(grace=1)
    assert any("failed after the ack" in p for p in problems.all())


async def test_a_slow_profile_lookup_is_inside_the_ack_budget(
    make_bot: BotFactory, problems: Problems
) -> None:
    bot = await make_bot(slack={"ack_budget_seconds": 0.2})
    released = bot.slack.held["users.info"] = asyncio.Event()  # a user this process has not seen
    before = len(bot.slack.responses())
    ack = await asyncio.wait_for(bot.slack_command("help", user="UNEW"), 5)
    body = await ack.json()
    assert WORKING in body["text"]  # the default locale (ko): the user's own is not known yet
    released.set()
    later = await eventually(lambda: bot.slack.responses()[before:], limit=10)
    assert len(later) == 1 and "ChatOps" in json.dumps(later[0], ensure_ascii=False)
    assert problems.all() == []


async def test_a_caller_is_still_known_from_slack_when_the_store_is_down(fake_slack: FakeSlackApi) -> None:
    class DownIdentities:
        async def get(self, *args: Any) -> None:
            raise DatabaseUnavailable()

    fake_slack.users["U7"] = {
        "id": "U7",
        "locale": "en-US",
        "profile": {"real_name": "Ann", "email": "a@x.io"},
    }
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    profiles = SlackProfiles(client, cast(Any, DownIdentities()), "ko")
    assert profiles.known_locale("T1", "U7") == "ko"
    caller = await profiles.caller("T1", "U7")
    assert (caller.locale, caller.name, caller.email) == ("en", "Ann", "a@x.io")
    assert profiles.known_locale("T1", "U7") == "en"


async def test_finished_within_tells_a_quick_task_from_a_slow_one_and_leaves_both_running() -> None:
    from adapters.slack.app import finished_within

    quick = asyncio.ensure_future(asyncio.sleep(0, result="q"))
    assert await finished_within(quick, 5) and quick.result() == "q"
    release = asyncio.Event()
    slow = asyncio.ensure_future(release.wait())
    assert not await finished_within(slow, 0.01)
    assert not slow.done()  # still running: its answer goes out through response_url later
    release.set()
    await slow
    waiting = asyncio.ensure_future(finished_within(asyncio.ensure_future(asyncio.Event().wait()), 5))
    await asyncio.sleep(0)
    waiting.cancel()  # the listener itself cancelled: nothing of the wait is left behind
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_drain_also_waits_for_work_started_while_draining() -> None:
    slack, finished = _listeners(), []

    async def late() -> None:
        await asyncio.sleep(0.05)
        finished.append("late")

    async def first() -> None:
        await asyncio.sleep(0.02)
        slack._after_ack(late())  # a command that was still inside its ack budget
        finished.append("first")

    slack._after_ack(first())
    await slack.drain(grace=5)
    assert finished == ["first", "late"]
