"""The per-process write-skipping caches of the target and identity repositories: a skip happens only
when the write would change nothing, only for a short while after this process wrote (or read) the row,
and never hides what this process itself has changed or seen."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from commands.invocation import Caller, ConversationKind, Platform
from commands.ports.clock import FrozenClock
from commands.ports.identity import ChatUser
from commands.ports.targets import Target
from store import identities as identities_module
from store import targets as targets_module
from store.db import Database
from store.identities import SqlIdentityRepository
from store.targets import SqlTargetRepository, _fingerprint, _unchanged
from tests.fixtures.db import statements

T0 = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
WINDOW = 0.3  # seconds; short so the tests can wait it out
DM = Target(
    Platform.SLACK,
    "T1",
    "D1",
    ConversationKind.PERSONAL,
    user_id="U1",
    reference={"team_id": "T1", "channel_id": "D1", "user_id": "U1"},
)
KIM = Caller(Platform.SLACK, "U1", tenant_id="T1", name="Kim", email="kim@example.com", locale="ko")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


# --- targets -------------------------------------------------------------------------------------


def test_the_trust_windows_are_short_by_default() -> None:
    for repo, constant in (
        (SqlTargetRepository, targets_module.WRITE_TRUST_SECONDS),
        (SqlIdentityRepository, identities_module.READ_TRUST_SECONDS),
    ):
        assert inspect.signature(repo).parameters["cache_ttl"].default == constant
        assert 0 < constant <= 5


async def test_a_deactivation_by_another_process_is_undone_by_the_first_contact_after_the_window(
    database: Database, clock: FrozenClock
) -> None:
    here = SqlTargetRepository(database, clock=clock, cache_ttl=WINDOW)
    elsewhere = SqlTargetRepository(database, clock=clock)  # another replica, same database
    stored = await here.upsert(DM)
    assert stored.id is not None
    await elsewhere.deactivate(stored.id, "not_in_channel")
    await asyncio.sleep(WINDOW + 0.05)
    back = await here.upsert(DM)
    assert (back.active, back.inactive_reason) == (True, "")
    found = await elsewhere.find(Platform.SLACK, "T1", "D1")
    assert found is not None and found.active


async def test_a_read_that_shows_a_deactivation_drops_the_entry_at_once(
    database: Database, clock: FrozenClock
) -> None:
    here = SqlTargetRepository(database, clock=clock, cache_ttl=60)
    elsewhere = SqlTargetRepository(database, clock=clock)
    stored = await here.upsert(DM)
    assert stored.id is not None
    await elsewhere.deactivate(stored.id, "bot removed")
    seen = await here.get(stored.id)  # this process now knows the row changed
    assert seen is not None and not seen.active
    back = await here.upsert(DM)
    assert back.active
    assert (await elsewhere.find(Platform.SLACK, "T1", "D1")) == back


async def test_another_reference_written_elsewhere_is_dropped_when_read(
    database: Database, clock: FrozenClock
) -> None:
    here = SqlTargetRepository(database, clock=clock, cache_ttl=60)
    elsewhere = SqlTargetRepository(database, clock=clock)
    await here.upsert(DM)
    moved = replace(DM, reference={**DM.reference, "extra": "x"})
    await elsewhere.upsert(moved)
    assert [t.reference for t in await here.list()] == [moved.reference]
    assert (await here.upsert(DM)).reference == DM.reference  # written again, not skipped


async def test_hits_do_not_extend_the_window(database: Database, clock: FrozenClock) -> None:
    repo = SqlTargetRepository(database, clock=clock, cache_ttl=WINDOW)
    await repo.upsert(DM)
    with statements(database) as skipped:
        await asyncio.sleep(WINDOW / 2)
        await repo.upsert(DM)
    assert skipped == []
    await asyncio.sleep(WINDOW / 2 + 0.05)  # past the window counted from the write, not the hit
    with statements(database) as written:
        await repo.upsert(DM)
    assert written != []


async def test_only_an_identical_upsert_is_skipped(database: Database, clock: FrozenClock) -> None:
    repo = SqlTargetRepository(database, clock=clock, cache_ttl=60)
    await repo.upsert(DM)
    changes = [
        replace(DM, kind=ConversationKind.CHANNEL),
        replace(DM, user_id="U2"),
        replace(DM, reference={**DM.reference, "user_id": "U2"}),
        replace(DM, reference={**DM.reference, "n": 1}),
        replace(DM, reference={**DM.reference, "n": True}),  # == 1, but stored as true
        replace(DM, reference={**DM.reference, "n": 1.0}),  # == 1, but stored as 1.0
        replace(DM, reference={**DM.reference, "n": 0.0}),
        replace(DM, reference={**DM.reference, "n": -0.0}),  # == 0.0, but stored as -0.0
        replace(DM, reference={**DM.reference, "n": [-0.5]}),
        replace(DM, reference={**DM.reference, "n": (-0.5,)}),  # the same JSON: skipped below
    ]
    for target in changes[:-1]:
        with statements(database) as seen:
            stored = await repo.upsert(target)
        assert seen != [], target
        assert stored.reference == target.reference
        if database.dialect == "sqlite":  # jsonb keeps no negative zero
            assert json.dumps(stored.reference, sort_keys=True) == json.dumps(
                target.reference, sort_keys=True
            )
        assert (stored.kind, stored.user_id) == (target.kind, target.user_id)
    with statements(database) as seen:
        await repo.upsert(changes[-2])
        await repo.upsert(changes[-1])  # a tuple is stored as the same JSON list
        await repo.upsert(replace(changes[-2], user_id=""))  # an empty user keeps the stored one
    assert seen == []


_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-3, max_value=3),
        st.sampled_from([0.0, -0.0, 1.0, 1.5, float("inf")]),
        st.sampled_from(["", "a", "T1", "가"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
        st.dictionaries(st.sampled_from([1, "1", True]), inner, max_size=2),
    ),
    max_leaves=8,
)


def _twin(value: Any) -> Any:
    """An equal value with types swapped where Python allows it (ints/bools/floats, tuples/lists)."""
    if isinstance(value, dict):
        return {k: _twin(v) for k, v in reversed(value.items())}
    if isinstance(value, list | tuple):
        items = [_twin(v) for v in value]
        return tuple(items) if isinstance(value, list) else items
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return float(value)
    if isinstance(value, float) and value == 0:
        return -value
    return value


def _old_rule(target: Target, fingerprint: bytes, stored: Target) -> bool:
    known_user = target.user_id or stored.user_id
    payload = json.dumps(
        [target.kind.value, known_user, target.reference], sort_keys=True, default=str
    ).encode()
    return hashlib.blake2b(payload, digest_size=16).digest() == fingerprint


@given(
    reference=st.dictionaries(st.sampled_from(["team_id", "channel_id", "x"]), _JSON, max_size=3),
    variant=st.sampled_from(["same", "copy", "twin", "json"]),
    user=st.sampled_from(["", "U1", "U2"]),
    kind=st.sampled_from(list(ConversationKind)),
)
@example(reference={"x": 0.0}, variant="twin", user="", kind=ConversationKind.PERSONAL)
@example(reference={"x": [1, True]}, variant="twin", user="U1", kind=ConversationKind.PERSONAL)
def test_the_fast_comparison_decides_like_the_fingerprint(
    reference: dict[str, Any], variant: str, user: str, kind: ConversationKind
) -> None:
    stored = replace(DM, reference=reference)
    given_reference = {
        "same": reference,
        "copy": dict(reference),
        "twin": _twin(reference),
        "json": json.loads(json.dumps(reference, default=str)),
    }[variant]
    target = replace(DM, kind=kind, user_id=user, reference=given_reference)
    try:
        fingerprint = _fingerprint(stored)
    except TypeError:
        return  # keys JSON cannot sort: such a reference cannot be stored at all
    assert _outcome(_unchanged, target, fingerprint, stored) == _outcome(
        _old_rule, target, fingerprint, stored
    )


def _outcome(rule: Any, *args: Any) -> object:
    try:
        return bool(rule(*args))
    except TypeError:
        return TypeError  # both rules must refuse the same references


# --- identities ----------------------------------------------------------------------------------


def _old_nothing_new(stored: ChatUser, caller: Caller) -> bool:
    width = identities_module._WIDTH
    new = {f: getattr(caller, f)[: width[f]] for f in ("name", "email", "aad_object_id", "locale")}
    merged = replace(
        stored,
        name=new["name"] or stored.name,
        email=new["email"] or stored.email,
        aad_object_id=new["aad_object_id"] or stored.aad_object_id,
        locale=new["locale"] or stored.locale,
    )
    return merged == stored


_FIELD = st.sampled_from(["", "Kim", "kim@example.com", "ko", "en", "x" * 300])


@given(name=_FIELD, email=_FIELD, aad=_FIELD, locale=_FIELD, s_name=_FIELD, s_email=_FIELD, s_locale=_FIELD)
def test_nothing_new_decides_like_the_merge(
    name: str, email: str, aad: str, locale: str, s_name: str, s_email: str, s_locale: str
) -> None:
    stored = ChatUser(Platform.SLACK, "T1", "U1", name=s_name[:255], email=s_email, locale=s_locale)
    caller = Caller(
        Platform.SLACK, "U1", tenant_id="T1", name=name, email=email, aad_object_id=aad, locale=locale
    )
    assert identities_module._nothing_new(stored, caller) == _old_nothing_new(stored, caller)


async def test_a_link_or_unlink_made_elsewhere_shows_after_the_window(
    database: Database, clock: FrozenClock
) -> None:
    here = SqlIdentityRepository(database, clock=clock, cache_ttl=WINDOW)
    elsewhere = SqlIdentityRepository(database, clock=clock)
    await here.remember(KIM)
    await elsewhere.link(Platform.SLACK, "T1", "U1", "E100", "email")
    await asyncio.sleep(WINDOW + 0.05)
    assert (await here.remember(KIM)).employee_no == "E100"
    await elsewhere.unlink(Platform.SLACK, "T1", "U1")
    await asyncio.sleep(WINDOW + 0.05)
    assert (await here.remember(KIM)).employee_no == ""


async def test_remember_skips_only_within_the_window(database: Database, clock: FrozenClock) -> None:
    repo = SqlIdentityRepository(database, clock=clock, cache_ttl=WINDOW)
    await repo.remember(KIM)
    with statements(database) as skipped:
        await repo.remember(KIM)
        await repo.remember(replace(KIM, name=""))
    assert skipped == []
    with statements(database) as changed:
        user = await repo.remember(replace(KIM, locale="en"))
    assert changed != [] and user.locale == "en"
    await asyncio.sleep(WINDOW + 0.05)
    with statements(database) as again:
        await repo.remember(replace(KIM, locale="en"))
    assert again != []
