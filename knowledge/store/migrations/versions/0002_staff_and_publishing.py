"""Staff accounts and sessions, versioned editing, publications for replicas, the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("guides") as t:
        t.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("updated_by", sa.String(64), nullable=True))
    with op.batch_alter_table("guide_versions") as t:
        t.add_column(sa.Column("comment", sa.Text(), nullable=True))
        t.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("published_by", sa.String(64), nullable=True))

    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), sa.ForeignKey("users.username", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_user_sessions_username", "user_sessions", ["username"])
    op.create_table(
        "publications",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("guide_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_publications_guide_id", "publications", ["guide_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("guide_id", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_audit_log_guide_id_id", "audit_log", ["guide_id", "id"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("publications")
    op.drop_table("user_sessions")
    op.drop_table("users")
    with op.batch_alter_table("guide_versions") as t:
        t.drop_column("published_by")
        t.drop_column("published_at")
        t.drop_column("comment")
    with op.batch_alter_table("guides") as t:
        t.drop_column("updated_by")
        t.drop_column("updated_at")
