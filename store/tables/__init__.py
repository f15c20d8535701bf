"""Every table of the store. Each module here defines tables on `SQLModel.metadata`; importing this
package registers them all, so Alembic and the schema test see one complete metadata.

Add a table module? Import it below (one line) and write its migration in store/migrations/versions.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from store.tables.identity import CHAT_USER, ChatUserRow
from store.tables.target import TARGET, TargetRow

metadata: MetaData = SQLModel.metadata

__all__ = ["CHAT_USER", "TARGET", "ChatUserRow", "TargetRow", "metadata"]
