"""Strict decoding of the ERP's JSON into the core's models: a missing or mistyped field raises
MalformedResponse naming the field's path (the client turns it into UpstreamUnavailable)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from commands.ports.erp import (
    Absence,
    ApprovalItem,
    ApprovalStatus,
    ApprovalStep,
    Attachment,
    DecisionAction,
    Department,
    Employee,
    Grain,
    KpiMetric,
    KpiPoint,
    KpiSeries,
    LineItem,
    Page,
    PersonRef,
    StepKind,
    StepState,
)

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


class MalformedResponse(ValueError):
    """The ERP answered JSON that does not follow the contract."""


class Reader:
    """Typed access to one JSON object; `where` is its path for error messages."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise MalformedResponse(f"{where}: expected an object")
        self._data: dict[str, Any] = data
        self.where = where

    def _get(self, key: str, types: type | tuple[type, ...], *, nullable: bool = False) -> Any:
        if key not in self._data:
            raise MalformedResponse(f"{self.where}.{key}: missing")
        value = self._data[key]
        if value is None and nullable:
            return None
        # bool is an int in Python; never accept it for a number.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
            raise MalformedResponse(f"{self.where}.{key}: expected {types}, got {type(value).__name__}")
        return value

    def text(self, key: str) -> str:
        return str(self._get(key, str))

    def opt_text(self, key: str) -> str | None:
        value = self._get(key, str, nullable=True)
        return None if value is None else str(value)

    def integer(self, key: str) -> int:
        return int(self._get(key, int))

    def flag(self, key: str) -> bool:
        return bool(self._get(key, bool))

    def number(self, key: str) -> Decimal:
        return Decimal(self._get(key, (int, Decimal, float)))

    def opt_number(self, key: str) -> Decimal | None:
        value = self._get(key, (int, Decimal, float), nullable=True)
        return None if value is None else Decimal(value)

    def day(self, key: str) -> date:
        return self._convert(key, date.fromisoformat, self.text(key))

    def opt_day(self, key: str) -> date | None:
        raw = self.opt_text(key)
        return None if raw is None else self._convert(key, date.fromisoformat, raw)

    def time(self, key: str) -> datetime:
        return self._aware(key, self.text(key))

    def opt_time(self, key: str) -> datetime | None:
        raw = self.opt_text(key)
        return None if raw is None else self._aware(key, raw)

    def enum(self, key: str, kind: type[E]) -> E:
        return self._convert(key, kind, self.text(key))

    def obj(self, key: str) -> Reader:
        return Reader(self._get(key, dict), f"{self.where}.{key}")

    def opt_obj(self, key: str) -> Reader | None:
        value = self._get(key, dict, nullable=True)
        return None if value is None else Reader(value, f"{self.where}.{key}")

    def objs(self, key: str) -> list[Reader]:
        return [Reader(v, f"{self.where}.{key}[{i}]") for i, v in enumerate(self._get(key, list))]

    def texts(self, key: str) -> tuple[str, ...]:
        values = self._get(key, list)
        if not all(isinstance(v, str) for v in values):
            raise MalformedResponse(f"{self.where}.{key}: expected strings")
        return tuple(values)

    def _aware(self, key: str, raw: str) -> datetime:
        value = self._convert(key, datetime.fromisoformat, raw)
        if value.tzinfo is None:
            raise MalformedResponse(f"{self.where}.{key}: time without offset")
        return value

    def _convert(self, key: str, convert: Callable[[str], T], raw: str) -> T:
        try:
            return convert(raw)
        except ValueError as exc:
            raise MalformedResponse(f"{self.where}.{key}: bad value {raw[:40]!r}") from exc


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def person(r: Reader) -> PersonRef:
    dept = r.obj("department")
    return PersonRef(r.text("employee_no"), r.text("name"), dept.text("code"), dept.text("name"))


def employee(r: Reader) -> Employee:
    dept = r.obj("department")
    absence = r.opt_obj("absence")
    return Employee(
        employee_no=r.text("employee_no"),
        name=r.text("name"),
        english_name=r.text("english_name"),
        email=r.text("email"),
        department_code=dept.text("code"),
        department_name=dept.text("name"),
        title=r.text("title"),
        position=r.text("position"),
        manager_no=r.opt_text("manager_employee_no"),
        roles=r.texts("roles"),
        absence=None
        if absence is None
        else Absence(absence.day("from"), absence.day("to"), absence.text("acting_employee_no")),
    )


def department(r: Reader) -> Department:
    return Department(
        r.text("code"), r.text("name"), r.opt_text("parent_code"), r.opt_text("head_employee_no")
    )


def step(r: Reader) -> ApprovalStep:
    allowed = r.texts("allowed_actions")
    try:
        actions = tuple(DecisionAction(a) for a in allowed)
    except ValueError as exc:
        raise MalformedResponse(f"{r.where}.allowed_actions: unknown action") from exc
    return ApprovalStep(
        seq=r.integer("seq"),
        kind=r.enum("kind", StepKind),
        approver=person(r.obj("approver")),
        state=r.enum("state", StepState),
        decided_at=r.opt_time("decided_at"),
        decided_by=r.opt_text("decided_by"),
        acting_for=r.opt_text("acting_for"),
        comment=r.text("comment"),
        final_authority=r.flag("final_authority"),
        allowed_actions=actions,
    )


def approval(r: Reader) -> ApprovalItem:
    lines = tuple(
        LineItem(x.text("description"), x.number("quantity"), x.number("unit_price"), x.number("amount"))
        for x in r.objs("lines")
    )
    return ApprovalItem(
        id=r.text("id"),
        type=r.text("type"),
        title=r.text("title"),
        requester=person(r.obj("requester")),
        amount=r.opt_number("amount"),
        currency=r.text("currency"),
        lines=lines,
        due_date=r.opt_day("due_date"),
        attachments=tuple(Attachment(a.text("name"), a.text("url")) for a in r.objs("attachments")),
        web_url=r.text("web_url"),
        status=r.enum("status", ApprovalStatus),
        version=r.integer("version"),
        created_at=r.time("created_at"),
        updated_at=r.time("updated_at"),
        steps=tuple(sorted((step(s) for s in r.objs("steps")), key=lambda s: s.seq)),
    )


def page(r: Reader, item: Callable[[Reader], T]) -> Page[T]:
    return Page(tuple(item(x) for x in r.objs("items")), r.opt_text("next_cursor"))


def kpi_metric(r: Reader) -> KpiMetric:
    return KpiMetric(
        metric=r.text("metric"),
        name=r.text("name"),
        name_en=r.text("name_en"),
        unit=r.text("unit"),
        aggregation=r.text("aggregation"),
        departments=r.texts("departments"),
    )


def kpi_series(r: Reader) -> KpiSeries:
    return KpiSeries(
        metric=r.text("metric"),
        unit=r.text("unit"),
        grain=r.enum("grain", Grain),
        department=r.opt_text("department"),
        as_of=r.time("as_of"),
        points=tuple(KpiPoint(p.day("period_start"), float(p.number("value"))) for p in r.objs("points")),
    )
