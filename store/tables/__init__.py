"""Every table of the store. Each module here defines tables on `SQLModel.metadata`; importing this
package registers them all, so Alembic and the schema test see one complete metadata.

Add a table module? Import it below (one line) and write its migration in store/migrations/versions.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from store.tables import audit as audit  # audit_event (append-only)
from store.tables import decisions as decisions  # decision_queue
from store.tables import digests as digests  # digest_subscription
from store.tables import jobs as jobs  # scheduled_job, job_run
from store.tables import nudges as nudges  # nudge_sent, nudge_snooze, nudge_prefs, nudge_team, nudge_roundup
from store.tables import outbox as outbox  # outbox (proactive delivery)
from store.tables.identity import CHAT_USER, ChatUserRow
from store.tables.target import TARGET, TargetRow

metadata: MetaData = SQLModel.metadata

__all__ = ["CHAT_USER", "TARGET", "ChatUserRow", "TargetRow", "metadata"]
