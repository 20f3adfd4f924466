"""pre-check lookup indexes

Revision ID: c2e8f4a61d07
Revises: b7d41f0c9e25
Create Date: 2026-11-28 18:30:00

The pre-checks of every review look up other applications by the applicant's NIK, a birth date,
a child's or a deceased person's NIK inside the ``application`` snapshot; expression indexes
keep that from scanning the queue.
"""

from alembic import op
import sqlalchemy as sa


revision = 'c2e8f4a61d07'
down_revision = 'b7d41f0c9e25'
branch_labels = None
depends_on = None

LOOKUPS = (("applicant_nik", "applicant,nik"), ("birth_date", "form,birth_date"),
           ("child_nik", "form,child_nik"), ("deceased_nik", "form,deceased_nik"))


def upgrade() -> None:
    for name, path in LOOKUPS:
        op.create_index(f"ix_queue_items_{name}", "queue_items",
                        [sa.text(f"(application #>> '{{{path}}}')")], schema="verification")


def downgrade() -> None:
    for name, _ in LOOKUPS:
        op.drop_index(f"ix_queue_items_{name}", table_name="queue_items", schema="verification")
