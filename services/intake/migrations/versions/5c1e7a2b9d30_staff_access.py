"""staff access: refuse tokens verification has ended

Revision ID: 5c1e7a2b9d30
Revises: 04b94768b23e
Create Date: 2026-11-28 12:00:00

The newest token version and active flag per staff account, from verification's
staff.access_changed events (silasidakep/staff_access.py).
"""

from alembic import op
import sqlalchemy as sa


revision = '5c1e7a2b9d30'
down_revision = '04b94768b23e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'staff_access',
        sa.Column('staff_id', sa.UUID(), nullable=False),
        sa.Column('token_version', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('staff_id'),
        schema='intake',
    )


def downgrade() -> None:
    op.drop_table('staff_access', schema='intake')
