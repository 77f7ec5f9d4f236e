"""the organisation's roles edited in the workspace (/roller), and one-time links that let a new
coordinator or reader set their password (/konton)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 23:20:00

`organisation_role`: a role's person and address as the coordinator set them, per organisation; a
role named here wins over config.toml's [roles] for that organisation (config.toml gives the
starting values). `account_invitation`: a link to set a new account's password, kept only as the
SHA-256 of its secret, used once and then stamped, and good until `expires_at`; the account it
makes gets `account_role` ("coordinator" or "reader").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("person", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation", "role", name="uq_organisation_role"),
    )
    op.create_table(
        "account_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_role", sa.Text(), nullable=False, server_default="coordinator"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )


def downgrade() -> None:
    op.drop_table("account_invitation")
    op.drop_table("organisation_role")
