"""Alembic migrations of the store (script_location of store.migrate)."""
