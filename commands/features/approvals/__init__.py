"""The approval journey: cards to approvers, decisions from chat, everyone kept up to date."""

from __future__ import annotations

from functools import partial

from commands.features.approvals import commands as cmds
from commands.features.approvals.card import DECIDE, REFRESH, SHOW
from commands.features.approvals.decide import decide, refresh
from commands.features.approvals.sync import ApprovalSync
from commands.ports.erp import DecisionAction
from commands.registry import Registry

NEEDS = ("erp", "outbox", "audit", "decisions")

__all__ = ["ApprovalSync", "register"]


def register(registry: Registry) -> None:
    registry.command(
        "approvals",
        cmds.approvals,
        example="approvals",
        aliases=("결재", "approval"),
        slash=True,
        needs=NEEDS,
    )
    registry.command(
        "delegate",
        cmds.delegate,
        example="delegate 2014001 2026-12-01 2026-12-05",
        aliases=("대결",),
        needs=NEEDS,
    )
    for action in DecisionAction:
        registry.action(f"{DECIDE}.{action.value}", partial(decide, action), needs=NEEDS)
    registry.action(REFRESH, refresh, needs=NEEDS)
    registry.action(SHOW, cmds.show, needs=NEEDS)
    registry.action(cmds.MORE, cmds.more, needs=NEEDS)
    registry.badges.append(cmds.pending_badge)
