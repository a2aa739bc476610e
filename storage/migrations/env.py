"""Alembic's environment: storage/schema.py hands in an open connection, already in a transaction,
so that a whole upgrade commits or rolls back as one (SQLite and PostgreSQL both have DDL in
transactions)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables)

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("tsnvr's migrations run through storage.schema.upgrade, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters most columns by copying the table
)
with context.begin_transaction():
    context.run_migrations()
