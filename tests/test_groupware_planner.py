"""PlannerTaskSource against a fake Graph (HTTP) and a fake Entra authority (HTTPS) on loopback,
with the real msal client-credentials path."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.groupware.graph import PlannerTaskSource
from adapters.groupware.retry import RetryPolicy
from commands.errors import Conflict, NotFound, UpstreamUnavailable
from commands.ports.tasks import TaskSource
from tests.fixtures.groupware import CapturedLogs
from tests.fixtures.groupware_graph import (
    GRAPH_CLIENT_ID,
    GRAPH_CLIENT_SECRET,
    GRAPH_TENANT,
    PLAN_CLOSE,
    PLAN_LAUNCH,
    FakeGraph,
)


class SleepLog:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(seconds)


def planner(fake: FakeGraph, **kwargs: Any) -> PlannerTaskSource:
    kwargs.setdefault("retry", RetryPolicy(max_retries=2, backoff_base=0.0, max_retry_wait=0.02))
    return PlannerTaskSource(
        GRAPH_TENANT,
        GRAPH_CLIENT_ID,
        kwargs.pop("client_secret", GRAPH_CLIENT_SECRET),
        [PLAN_LAUNCH, PLAN_CLOSE],
        graph_url=fake.base_url,
        authority_url=fake.authority_url,
        ca_bundle=fake.ca_bundle,
        **kwargs,
    )


async def test_open_tasks_follow_next_links_whole_through_a_throttle(groupware_fake_graph: FakeGraph) -> None:
    fake = groupware_fake_graph
    sleep = SleepLog()
    async with planner(
        fake, retry=RetryPolicy(max_retries=2, backoff_base=0, max_retry_wait=0.02, sleep=sleep)
    ) as src:
        tasks = [task async for task in src.open_tasks()]

    assert [t.source_id for t in tasks] == ["t1", "t2", "t5", "t6"]  # not done (t3), not undated (t4)
    launch_pages = fake.paths("GET", f"/v1.0/planner/plans/{PLAN_LAUNCH}/tasks")
    issued = [link.split("127.0.0.1", 1)[1].split("/", 1)[1] for link in fake.issued_links]
    assert len(issued) == 2  # three pages for the launch plan
    # page 2 asked twice (429 then success), each nextLink requested exactly as issued
    assert launch_pages == [
        f"/v1.0/planner/plans/{PLAN_LAUNCH}/tasks",
        *[f"/{issued[0]}"] * 2,
        f"/{issued[1]}",
    ]
    assert fake.throttled == 1 and sleep.waits == [0.02]  # Retry-After: 1, capped for the test
    assert fake.token_requests == 1  # msal went to the authority once; the token was reused

    by_id = {t.source_id: t for t in tasks}
    assert by_id["t2"].assignee_emails == ("minjun.kim@hanbit.example", "seoyeon.lee@hanbit.example")
    assert by_id["t5"].assignee_ids == ("u-ghost",) and by_id["t5"].assignee_emails == ()
    assert by_id["t1"].project_name == "신제품 출시" and by_id["t6"].project_name == "연말 결산"
    assert by_id["t1"].due_at == datetime(2026, 9, 2, 9, 0, tzinfo=UTC)
    assert by_id["t1"].url == f"https://tasks.office.com/{GRAPH_TENANT}/Home/Task/t1"
    assert all(t.source == "planner" and t.status == "open" for t in tasks)
    user_lookups = fake.paths("GET", "/v1.0/users/")
    assert len(user_lookups) == len(set(user_lookups)) == 3  # cached, including the unknown user
    assert all(p.endswith("?%24select=mail%2CuserPrincipalName") for p in user_lookups)


async def test_due_before_filters(groupware_fake_graph: FakeGraph) -> None:
    async with planner(groupware_fake_graph) as src:
        tasks = [t async for t in src.open_tasks(due_before=datetime(2026, 9, 3, tzinfo=UTC))]
    assert [t.source_id for t in tasks] == ["t1", "t2"]


async def test_complete_patches_percent_complete_with_if_match(groupware_fake_graph: FakeGraph) -> None:
    fake = groupware_fake_graph
    etag_before = fake.etags["t1"]
    async with planner(fake) as src:
        task = await src.get_task(PLAN_LAUNCH, "t1")
        assert task is not None and task.status == "open"
        assert await src.complete(task) is True
        after = await src.get_task(PLAN_LAUNCH, "t1")
    assert after is not None and after.status == "done"
    assert fake.tasks["t1"]["percentComplete"] == 100
    [patch] = [headers for method, _, headers in fake.requests if method == "PATCH"]
    assert patch["If-Match"] == etag_before


async def test_complete_reads_the_etag_again_after_a_412(groupware_fake_graph: FakeGraph) -> None:
    fake = groupware_fake_graph
    fake.interfere_next_patch = True
    async with planner(fake) as src:
        task = await src.get_task(PLAN_CLOSE, "t6")
        assert task is not None
        assert await src.complete(task) is True
    if_matches = [headers["If-Match"] for method, _, headers in fake.requests if method == "PATCH"]
    assert len(if_matches) == 2 and if_matches[0] != if_matches[1]
    assert fake.tasks["t6"]["percentComplete"] == 100


async def test_complete_gives_up_when_the_task_keeps_changing(groupware_fake_graph: FakeGraph) -> None:
    fake = groupware_fake_graph

    async def always_interfere() -> str:
        fake.interfere_next_patch = True
        return fake.tokens[-1] if fake.tokens else fake.issue_token()

    async with planner(fake, token_provider=always_interfere) as src:
        task = await src.get_task(PLAN_CLOSE, "t6")
        assert task is not None
        with pytest.raises(Conflict):
            await src.complete(task)


async def test_missing_things(groupware_fake_graph: FakeGraph) -> None:
    async with planner(groupware_fake_graph) as src:
        assert await src.get_task(PLAN_LAUNCH, "nope") is None
        assert await src.member_email("nobody") is None
        assert await src.member_email("u-lee") == "seoyeon.lee@hanbit.example"
        task = await src.get_task(PLAN_LAUNCH, "t3")
        assert task is not None and task.status == "done"
        groupware_fake_graph.tasks.pop("t3")
        with pytest.raises(NotFound):
            await src.complete(task)


async def test_a_user_we_may_not_read_leaves_the_task_without_that_email(
    groupware_fake_graph: FakeGraph,
) -> None:
    groupware_fake_graph.forbidden_users = {"u-kim"}
    async with planner(groupware_fake_graph) as src:
        tasks = {t.source_id: t async for t in src.open_tasks()}
    assert tasks["t1"].assignee_ids == ("u-kim",) and tasks["t1"].assignee_emails == ()
    assert tasks["t2"].assignee_emails == ("seoyeon.lee@hanbit.example",)


async def test_a_revoked_token_is_replaced_once(groupware_fake_graph: FakeGraph) -> None:
    fake = groupware_fake_graph
    async with planner(fake) as src:
        assert await src.get_task(PLAN_LAUNCH, "t1") is not None
        fake.tokens.clear()  # the authority revoked everything it issued
        assert await src.get_task(PLAN_LAUNCH, "t1") is not None
    assert fake.token_requests == 2


async def test_wrong_client_secret_is_upstream_unavailable_without_leaking(
    groupware_fake_graph: FakeGraph, groupware_logs: CapturedLogs
) -> None:
    secret = "wrong-secret-value-3c1d"
    async with planner(groupware_fake_graph, client_secret=secret) as src:
        with pytest.raises(UpstreamUnavailable) as caught:
            await src.get_task(PLAN_LAUNCH, "t1")
    assert "invalid_client" in str(caught.value) and caught.value.service == "Microsoft Graph"
    assert secret not in repr(caught.value) and secret not in groupware_logs.text()


async def test_tokens_and_secret_never_logged(
    groupware_fake_graph: FakeGraph, groupware_logs: CapturedLogs
) -> None:
    async with planner(groupware_fake_graph) as src:
        _ = [t async for t in src.open_tasks()]
    text = groupware_logs.text()
    assert "retry" in text  # the throttle was logged
    assert GRAPH_CLIENT_SECRET not in text
    assert all(token not in text for token in groupware_fake_graph.tokens)


async def test_next_link_to_another_host_is_refused(groupware_fake_graph: FakeGraph) -> None:
    fake = groupware_fake_graph
    fake.next_link_origin = "https://graph.attacker.example"
    async with planner(fake) as src:
        with pytest.raises(UpstreamUnavailable, match="nextLink"):
            _ = [t async for t in src.open_tasks()]


async def test_persistent_throttling_is_upstream_unavailable(groupware_fake_graph: FakeGraph) -> None:
    fake = groupware_fake_graph
    fake.throttle_pages = {0, 1, 2}
    fake.page_size = 100

    async def token() -> str:
        return fake.tokens[-1] if fake.tokens else fake.issue_token()

    # the fake throttles each page once: allow no retry, and the first 429 is final
    async with planner(fake, token_provider=token, retry=RetryPolicy(max_retries=0)) as src:
        with pytest.raises(UpstreamUnavailable) as caught:
            _ = [t async for t in src.open_tasks()]
    assert caught.value.status == 429
    assert fake.token_requests == 0  # the injected provider replaced msal


def _is_a_task_source(source: PlannerTaskSource) -> TaskSource:
    return source  # mypy checks that the Planner client implements the port
