"""The schema of tsnvr 0.1.0 (its meta.schema_version 1), the first release, made by create_all.

A database of that release is stamped at this revision and upgraded from it; nothing older exists.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    raise RuntimeError("a database is created at the newest revision (storage.schema.upgrade), never at 0001")


def downgrade() -> None:
    raise RuntimeError("0001 is the first release's schema; there is nothing before it")
