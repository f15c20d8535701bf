"""parse_dooray_webhook: a Dooray `postDueDateChanged` hook in, a DueDateChange (or None) out."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.groupware.dooray import parse_dooray_webhook

KST = timezone(timedelta(hours=9))
HOOK: dict[str, Any] = {
    "webhookType": "postDueDateChanged",
    "hookEventType": "postDueDateChanged",
    "version": 2,
    "tenant": {"id": "1534539604531797824"},
    "project": {"id": "3119639999175643633", "code": "온라인-광고"},
    "source": {
        "type": "member",
        "member": {
            "id": "3118892665733691672",
            "name": "곽상용",
            "emailAddress": "bravo.gwak@demo.dooray.info",
        },
    },
    "post": {
        "id": "3119640112345678901",
        "number": 12,
        "subject": "배너 시안 전달",
        "createdAt": "2022-01-02T12:00:26.453+09:00",
        "updatedAt": "2022-01-03T09:10:00+09:00",
        "dueDate": "2022-01-07T18:00:00+09:00",
        "dueDateFlag": True,
        "users": {
            "from": {"type": "member", "member": {"organizationMemberId": "3118892665733691672"}},
            "to": [
                {
                    "type": "member",
                    "member": {"organizationMemberId": "3118892665733691672", "name": "곽상용"},
                },
                {
                    "type": "group",
                    "group": {"projectMemberGroupId": "9", "members": [{"organizationMemberId": "77"}]},
                },
            ],
            "cc": [],
        },
    },
}


def test_a_due_date_change_is_read() -> None:
    change = parse_dooray_webhook(HOOK)
    assert change is not None
    assert change.source == "dooray"
    assert (change.project_id, change.project_name) == ("3119639999175643633", "온라인-광고")
    assert (change.task_id, change.task_number, change.title) == ("3119640112345678901", 12, "배너 시안 전달")
    assert change.due_at == datetime(2022, 1, 7, 18, 0, tzinfo=KST)
    assert change.assignee_ids == ("3118892665733691672", "77")
    assert (change.changed_by_id, change.changed_by_email) == (
        "3118892665733691672",
        "bravo.gwak@demo.dooray.info",
    )
    assert change.occurred_at == datetime(2022, 1, 3, 9, 10, tzinfo=KST)


def test_removed_due_date_and_number_only_posts() -> None:
    hook = copy.deepcopy(HOOK)
    hook["post"].update(dueDate=None, dueDateFlag=False)
    del hook["post"]["id"]
    hook["post"]["number"] = None
    hook["post"]["taskNumber"] = "온라인-광고/12"
    change = parse_dooray_webhook(hook)
    assert change is not None and change.due_at is None
    assert (change.task_id, change.task_number) == ("", 12)


def test_other_events_and_unusable_hooks_give_none() -> None:
    other = {**HOOK, "webhookType": "postCreated", "hookEventType": "postCreated"}
    no_project = {**HOOK, "project": {}}
    no_post_identity = {**HOOK, "post": {"subject": "x", "dueDate": "2022-01-07T18:00:00+09:00"}}
    unreadable_due = copy.deepcopy(HOOK)
    unreadable_due["post"]["dueDate"] = "next friday"
    bodies: list[Any] = [other, no_project, no_post_identity, unreadable_due]
    bodies += [{}, [], None, "postDueDateChanged", 42]
    for body in bodies:
        assert parse_dooray_webhook(body) is None


def test_wrongly_typed_fields_do_not_raise() -> None:
    hook = copy.deepcopy(HOOK)
    hook["post"]["users"] = {"to": ["x", 5, {"member": "y"}, {"group": {"members": [None, {}]}}]}
    hook["source"] = ["not", "a", "dict"]
    hook["post"]["number"] = True
    change = parse_dooray_webhook(hook)
    assert change is not None and change.assignee_ids == () and change.task_number is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(
    noise=json_values,
    post=json_values,
    key=st.sampled_from(["post", "project", "source", "dueDate", "users"]),
)
def test_garbage_never_raises(noise: Any, post: Any, key: str) -> None:
    parse_dooray_webhook(noise)
    mangled = copy.deepcopy(HOOK)
    if key in mangled:
        mangled[key] = post
    else:
        mangled["post"][key] = post
    result = parse_dooray_webhook(mangled)
    assert result is None or result.project_id
