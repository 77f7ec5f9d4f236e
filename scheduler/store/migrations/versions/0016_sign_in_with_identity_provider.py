"""accounts as coordinator or reader, made by signing in through an identity provider; the
sign-ins under way; the audit record

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 23:00:00

Every existing account is a coordinator's, as it was. The numbers 0014–0015 are other branches'
(issue 25); whichever lands first, this one follows the newest (down_revision is set at merge).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.Text(), nullable=False, server_default="coordinator")
        )
        batch_op.add_column(sa.Column("oidc_issuer", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("oidc_subject", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("display_name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("email", sa.Text(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_account_oidc", ["organisation", "oidc_issuer", "oidc_subject"]
        )
    op.create_table(
        "oidc_sign_in",
        sa.Column("state_hash", sa.Text(), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=False),
        sa.Column("nonce", sa.Text(), nullable=False),
        sa.Column("code_verifier", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash"),
    )
    with op.batch_alter_table("oidc_sign_in", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oidc_sign_in_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("client_address", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_organisation"), ["organisation"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_organisation"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
    op.drop_table("audit_event")
    with op.batch_alter_table("oidc_sign_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_sign_in_created_at"))
    op.drop_table("oidc_sign_in")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_constraint("uq_account_oidc", type_="unique")
        batch_op.drop_column("email")
        batch_op.drop_column("display_name")
        batch_op.drop_column("oidc_subject")
        batch_op.drop_column("oidc_issuer")
        batch_op.drop_column("role")
