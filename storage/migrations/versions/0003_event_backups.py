"""The event backups of PUT /api/event-videos/trigger: one row per channel's copy into DIR/event-storage,
so that a backup still waiting for its post-alarm recording survives a restart.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_backups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("chid", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("begin_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=256), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("done_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_event_backups_path", "event_backups", ["path"], unique=True)
    op.create_index("ix_event_backups_event_id", "event_backups", ["event_id"])
    op.create_index("ix_event_backups_state", "event_backups", ["state"])


def downgrade() -> None:
    op.drop_table("event_backups")
