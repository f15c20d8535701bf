"""Start-up without the heavy imports it does not need: the schema check without Alembic, psycopg only
on PostgreSQL, the demo backends and `holidays` only when used. Each shortcut is checked against the
slow path it replaces."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from bot import bootstrap
from commands.errors import ConfigurationError
from jobs.leader import PgAdvisoryLeader
from store import migrate
from store.db import Database

ROOT = Path(__file__).resolve().parents[1]
FIRST = "0001_identity_targets"
HEAVY = ("alembic", "mako", "pygments", "psycopg", "holidays", "adapters.erp.demo", "adapters.groupware.demo")


def _loaded(code: str) -> list[str]:
    """Run `code` in a fresh interpreter; the HEAVY modules it left loaded."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def _alembic_current(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def test_importing_the_app_loads_none_of_the_heavy_modules() -> None:
    assert _loaded("import bot.app, bot.cli") == []


def test_the_declared_heads_are_alembics_heads() -> None:
    assert migrate.declared_heads() == set(migrate.heads())


def _write(directory: Path, name: str, body: str) -> None:
    (directory / name).write_text(textwrap.dedent(body), encoding="utf-8")


def test_declared_heads_follow_branches_and_merges_like_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "__init__.py", "")
    _write(tmp_path, "a.py", 'revision = "a"\ndown_revision = None\n')
    _write(tmp_path, "b.py", 'revision: str = "b"\ndown_revision: str | None = "a"\n')
    _write(tmp_path, "c.py", 'revision = "c"\ndown_revision = "a"\n')
    _write(tmp_path, "d.py", 'revision = "d"\ndown_revision = ("b", "c")\n')
    _write(tmp_path, "e.py", 'revision = "e"\ndown_revision = "a"\ndepends_on = "d"\n')
    _write(tmp_path, "notes.txt", 'revision = "x"\n')
    monkeypatch.setattr(migrate, "VERSIONS", tmp_path)
    alembic = ScriptDirectory(str(migrate.SCRIPT_LOCATION), version_locations=[str(tmp_path)])
    assert migrate.declared_heads() == set(alembic.get_heads()) == {"d", "e"}


def test_declared_heads_give_up_on_what_they_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrate, "VERSIONS", tmp_path)
    _write(tmp_path, "a.py", 'revision = "a"\ndown_revision = None\n')
    assert migrate.declared_heads() == {"a"}
    _write(tmp_path, "b.py", 'PARENT = "a"\nrevision = "b"\ndown_revision = PARENT\n')
    assert migrate.declared_heads() is None


def test_current_heads_read_the_version_table_as_alembic_does(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    assert migrate.current_heads(url) == _alembic_current(url) == set()
    migrate.upgrade(url, FIRST)
    assert migrate.current_heads(url) == _alembic_current(url) == {FIRST}
    migrate.upgrade(url)
    assert migrate.current_heads(url) == _alembic_current(url) == set(migrate.heads())
    assert len(migrate.current_heads(url)) > 1  # several branches: every row counts


async def test_the_start_up_schema_check_refuses_a_database_behind_the_scripts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    for expected in ("nothing", FIRST):
        db = Database.from_url(url)
        with pytest.raises(ConfigurationError, match=f"schema is at {expected}, not .*chatops migrate"):
            await bootstrap._require_migrated(db)
        await asyncio.to_thread(migrate.upgrade, url, FIRST)
    db = Database.from_url(url)
    await asyncio.to_thread(migrate.upgrade, url)
    await bootstrap._require_migrated(db)
    await db.dispose()


async def test_the_schema_check_asks_alembic_when_the_declared_heads_disagree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    await asyncio.to_thread(migrate.upgrade, url)
    monkeypatch.setattr(bootstrap, "declared_heads", lambda: {"something-else"})
    db = Database.from_url(url)
    await bootstrap._require_migrated(db)  # Alembic's heads match: accepted
    await db.dispose()
    await asyncio.to_thread(migrate.downgrade, url, FIRST)
    db = Database.from_url(url)
    with pytest.raises(ConfigurationError, match=f"schema is at {FIRST}, not .*chatops migrate"):
        await bootstrap._require_migrated(db)


def test_a_migrated_database_passes_the_check_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    migrate.upgrade(url)
    code = (
        "import asyncio\nfrom bot.bootstrap import _require_migrated\nfrom store.db import Database\n"
        f"asyncio.run(_require_migrated(Database.from_url({url!r})))"
    )
    assert _loaded(code) == []


def test_sqlite_leads_alone_without_psycopg(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    code = (
        "from jobs.leader import AlwaysLeader, build_leader\nfrom store.db import Database\n"
        f"assert isinstance(build_leader(Database.from_url({url!r})), AlwaysLeader)"
    )
    assert _loaded(code) == []


async def test_an_unreachable_postgresql_is_no_leadership_not_a_crash() -> None:
    leader = PgAdvisoryLeader("postgresql://chatops:secret@127.0.0.1:1/chatops")
    assert await leader.check() is False
    assert leader.is_leader is False
    await leader.release()
