"""The ports a handler can use, built once by the composition root (`bot/`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from commands.ports.audit import AuditLog
from commands.ports.clock import Clock
from commands.ports.decisions import DecisionQueue
from commands.ports.erp import ErpPort
from commands.ports.identity import IdentityRepository
from commands.ports.outbox import Outbox
from commands.ports.targets import TargetRepository
from commands.registry import Registry


@dataclass
class Services:
    """Everything handlers may use. Optional ports are None when a deployment lacks them;
    a handler declaring `needs=("erp",)` then fails start-up, not the first click."""

    registry: Registry
    clock: Clock
    identities: IdentityRepository
    targets: TargetRepository
    default_locale: str = "ko"
    timezone: str = "Asia/Seoul"
    erp: ErpPort | None = None
    tasks: Any = None
    outbox: Outbox | None = None
    audit: AuditLog | None = None
    decisions: DecisionQueue | None = None
    # Manual `link` needs the chat account's email to match the employee's unless this is off.
    link_requires_email_match: bool = True
    extras: dict[str, Any] = field(default_factory=dict)
