"""Small views of digest subscriptions: how a schedule reads, and a subscription's recent runs."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.cards import Card, Fact, Facts, Header, Text
from commands.features.kpi.feature import KpiFeature
from commands.i18n import t
from commands.ports.kpi import DigestSubscription, job_name
from commands.services import Services


def schedule_text(sub: DigestSubscription, locale: str) -> str:
    """'매일 08:30', 'Weekly on mon, thu at 09:00', 'cron `30 8 * * 1-5` · 영업일만'."""
    days = ", ".join(sub.weekdays)
    text = t(locale, f"digest.schedule.{sub.schedule.value}", time=sub.at, days=days, cron=sub.cron)
    if sub.business_days_only and sub.schedule.value != "business-days":
        text += t(locale, "digest.schedule.business_only")
    return text


async def history_card(services: Services, feature: KpiFeature, sub: DigestSubscription, locale: str) -> Card:
    """The subscription's last runs (the scheduler's records): when, and sent / skipped / failed why."""
    assert feature.runs is not None and sub.id is not None
    runs = await feature.runs.last_runs(job_name(sub.id), 10)
    title = t(locale, "digest.history.title", id=sub.id)
    if not runs:
        return Card(summary=title, elements=(Header(title), Text(t(locale, "digest.history.empty"))))
    zone = ZoneInfo(sub.timezone)
    facts = []
    for run in runs:
        status = t(locale, f"digest.status.{run.status.value}")
        detail = f"{status} · {run.error[:200]}" if run.error else status
        facts.append(Fact(run.scheduled_for.astimezone(zone).strftime("%Y-%m-%d %H:%M"), detail))
    return Card(summary=title, elements=(Header(title), Facts(tuple(facts))))
