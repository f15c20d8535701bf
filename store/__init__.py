"""The store: SQLModel tables, repositories implementing the core's ports, Alembic migrations.

Public entry points (nothing here connects at import time):
- store.db.Database.from_url(url)          async engine + sessions, ping, run-with-retry, dispose
- store.migrate.upgrade(url) / current(url) schema migrations (Alembic configured in code)
- store.identities.SqlIdentityRepository    commands.ports.identity.IdentityRepository
- store.targets.SqlTargetRepository         commands.ports.targets.TargetRepository
- store.errors.DatabaseUnavailable          the database cannot answer (a ChatOpsError)
"""
