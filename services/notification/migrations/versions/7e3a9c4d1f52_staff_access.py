"""staff access: refuse tokens verification has ended

Revision ID: 7e3a9c4d1f52
Revises: 08c8bc2b3dec
Create Date: 2026-11-28 12:00:00

The newest token version and active flag per staff account, from verification's
staff.access_changed events (silasidakep/staff_access.py).
"""

from alembic import op
import sqlalchemy as sa


revision = '7e3a9c4d1f52'
down_revision = '08c8bc2b3dec'
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
        schema='notification',
    )


def downgrade() -> None:
    op.drop_table('staff_access', schema='notification')
