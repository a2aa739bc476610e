"""Alembic keeps the schema from now on (meta.schema_version 2 makes tsnvr 0.1.0 refuse the database);
on PostgreSQL, a pg_trgm index makes the plate keyword search (LIKE '%...%') an index scan.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from storage import plate_fts, schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        plate_fts.create_trigram_index(connection)
    schema.set_legacy_version(connection, schema.ALEMBIC_ERA)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        plate_fts.drop_trigram_index(connection)
    schema.set_legacy_version(connection, schema.RELEASE_0_1_0)
