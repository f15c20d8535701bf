"""The KPI catalogue: one YAML file (setting KPI_CATALOG), validated at start-up with one clear line per
bad entry. Each entry says what a KPI is (names, unit, format), where its values come from, how they
add up over time, its target and good direction, its department dimension and who may see it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from commands.errors import ConfigurationError
from commands.ports.erp import Grain
from commands.ports.kpi import Aggregation, KpiSourceSpec, SourceKind

ROLES = frozenset({"employee", "manager", "executive", "finance", "hr", "admin"})
_ID = r"^[a-z][a-z0-9_]{0,39}$"
_SELECT = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)
_WRITE = re.compile(
    r"\b(insert|update|delete|merge|drop|alter|create|truncate|grant|revoke|copy|call|do|vacuum|attach|pragma"
    r"|into|lock|nextval|setval|pg_sleep)\b",
    re.IGNORECASE,
)


class Unit(StrEnum):
    KRW = "KRW"
    PERCENT = "percent"
    COUNT = "count"  # 건
    EA = "EA"  # 개
    PERSONS = "persons"  # 명
    HOURS = "hours"  # 시간


class NumberStyle(StrEnum):
    KOREAN = "korean"  # 1.2억, 3,450만 (₩1.2B in English)
    GROUPED = "grouped"  # 1,234
    PERCENT = "percent"  # 12.3%


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    NEUTRAL = "neutral"  # neither is good (headcount): no colour


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    ko: str = Field(min_length=1, max_length=40)
    en: str = Field(min_length=1, max_length=60)


class Format(_Strict):
    style: NumberStyle = NumberStyle.GROUPED
    decimals: int = Field(0, ge=0, le=3)


class Source(_Strict):
    kind: SourceKind
    metric: str = ""
    database: str = ""
    query: str = ""
    as_of_query: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Source:
        if self.kind is SourceKind.ERP:
            if not self.metric or self.database or self.query or self.as_of_query:
                raise ValueError("an erp source needs `metric` and nothing else")
            return self
        if not self.database or not self.query or self.metric:
            raise ValueError("a sql source needs `database` (a configured name) and `query`")
        for name, sql in (("query", self.query), ("as_of_query", self.as_of_query)):
            if sql:
                check_read_only(sql, name)
        if ":start" not in self.query or ":end" not in self.query:
            raise ValueError("query must filter by :start and :end")
        return self

    def spec(self) -> KpiSourceSpec:
        return KpiSourceSpec(self.kind, self.metric, self.database, self.query, self.as_of_query)


class Target(_Strict):
    """`value` per `per` (month, quarter, year, week, day) for flows, pro-rated over the days of the
    period asked (by calendar or by business days); a level (no `per`) for stocks and rates."""

    value: float = Field(gt=0)
    per: Literal["day", "week", "month", "quarter", "year"] | None = None
    prorate: Literal["calendar", "business_days"] = "calendar"
    by_department: dict[str, float] = Field(default_factory=dict)


class Visibility(_Strict):
    """Executives always see everything. Besides them: `roles` and members of `departments` see
    everything; managers see `managers` (own: their departments; all; none); everyone else sees
    `everyone` (company: the company total; own: their department; none)."""

    everyone: Literal["company", "own", "none"] = "none"
    managers: Literal["own", "all", "none"] = "own"
    roles: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(roles) - ROLES)
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; known: {', '.join(sorted(ROLES))}")
        return roles


class KpiEntry(_Strict):
    id: str = Field(pattern=_ID)
    names: Names
    aliases: tuple[str, ...] = ()
    unit: Unit
    format: Format = Format()
    source: Source
    aggregation: Aggregation
    grain: Grain = Grain.DAY
    target: Target | None = None
    good: Direction
    departments: tuple[str, ...] = ()
    visibility: Visibility = Visibility()
    description: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> KpiEntry:
        if self.grain is not Grain.DAY:
            raise ValueError("grain: only `day` sources are supported (values are aggregated here)")
        if self.target is not None:
            if self.aggregation is Aggregation.SUM and self.target.per is None:
                raise ValueError("target.per is required for a `sum` KPI (the target of which period?)")
            if self.aggregation is not Aggregation.SUM and self.target.per is not None:
                raise ValueError(f"target.per makes no sense for a `{self.aggregation}` KPI (a level)")
            unknown = sorted(set(self.target.by_department) - set(self.departments))
            if unknown:
                raise ValueError(f"target.by_department names departments without data: {unknown}")
        if self.unit is Unit.PERCENT and self.format.style is NumberStyle.KOREAN:
            raise ValueError("format.style korean is for amounts, not percentages")
        return self

    def name(self, locale: str) -> str:
        return self.names.en if locale == "en" else self.names.ko

    def words(self) -> Iterator[str]:
        """Every word a user may call this KPI by (normalized)."""
        for word in (self.id, self.names.ko, self.names.en, *self.aliases):
            yield normalize(word)

    def target_for(self, department: str | None) -> float | None:
        if self.target is None:
            return None
        if department is not None and department in self.target.by_department:
            return self.target.by_department[department]
        return self.target.value if department is None else None


class Catalogue:
    """The validated entries, in file order, with lookup by id, name or alias."""

    def __init__(self, entries: list[KpiEntry], path: str = "") -> None:
        self.entries = tuple(entries)
        self.path = path
        self._by_word = {word: entry for entry in entries for word in entry.words()}

    def find(self, word: str) -> KpiEntry | None:
        return self._by_word.get(normalize(word))

    def get(self, kpi_id: str) -> KpiEntry | None:
        return next((e for e in self.entries if e.id == kpi_id), None)

    def __iter__(self) -> Iterator[KpiEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def normalize(word: str) -> str:
    """'Production Output' == 'production_output' == 'production-output'."""
    return re.sub(r"[\s_\-·]+", "", word.strip().lower())


def check_read_only(sql: str, what: str = "query") -> None:
    """A single SELECT (or WITH … SELECT): no statement separator, no writing keyword."""
    body = sql.strip().rstrip(";").strip()
    if not _SELECT.match(body):
        raise ValueError(f"{what} must be a SELECT")
    if ";" in body:
        raise ValueError(f"{what} must be a single statement")
    found = _WRITE.search(re.sub(r"'[^']*'", "''", body))
    if found:
        raise ValueError(f"{what} must only read (found {found.group(1).upper()})")


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when built with it


def load_catalogue(path: str | Path) -> Catalogue:
    """Read and validate the catalogue; ConfigurationError lists every bad entry, one per line."""
    file = Path(path)
    try:
        raw = yaml.load(file.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except FileNotFoundError:
        raise ConfigurationError(f"KPI_CATALOG: {file} does not exist") from None
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"KPI_CATALOG: {file} cannot be read: {exc}") from exc
    return parse_catalogue(raw, str(file))


def parse_catalogue(raw: Any, source: str = "kpi catalogue") -> Catalogue:
    """Validate already-parsed YAML (see load_catalogue)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("kpis"), list) or not raw["kpis"]:
        raise ConfigurationError(f"{source}: expected a mapping with a non-empty `kpis:` list")
    if raw.get("version", 1) != 1:
        raise ConfigurationError(f"{source}: unsupported version {raw.get('version')!r} (expected 1)")
    entries: list[KpiEntry] = []
    errors: list[str] = []
    owners: dict[str, str] = {}
    for index, item in enumerate(raw["kpis"]):
        label = f"kpis[{index}]" + (
            f" ({item.get('id')})" if isinstance(item, dict) and item.get("id") else ""
        )
        try:
            entry = KpiEntry.model_validate(item)
        except ValidationError as exc:
            errors.append(f"{source}: {label}: {_explain(exc)}")
            continue
        if entry.id in {e.id for e in entries}:
            errors.append(f"{source}: {label}: duplicate id {entry.id!r}")
            continue
        clashes = sorted({w for w in entry.words() if owners.get(w, entry.id) != entry.id})
        if clashes:
            errors.append(
                f"{source}: {label}: name/alias {clashes[0]!r} is already used by {owners[clashes[0]]}"
            )
            continue
        owners.update(dict.fromkeys(entry.words(), entry.id))
        entries.append(entry)
    if errors:
        raise ConfigurationError("\n".join(errors))
    return Catalogue(entries, source)


def _explain(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
