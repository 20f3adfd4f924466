"""staff location binding: a front_office account works one service location's counter

Revision ID: 9e9542a7fa7c
Revises: 6d7095086d5a
Create Date: 2026-12-03 13:10:09.981579
"""

from alembic import op
import sqlalchemy as sa


revision = '9e9542a7fa7c'
down_revision = '6d7095086d5a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('staff', sa.Column('location_code', sa.String(length=20), nullable=True),
                  schema='verification')
    op.create_check_constraint(
        'ck_staff_front_office_location', 'staff',
        "NOT (roles ? 'front_office') OR location_code IS NOT NULL", schema='verification',
    )


def downgrade() -> None:
    op.drop_constraint('ck_staff_front_office_location', 'staff', schema='verification')
    op.drop_column('staff', 'location_code', schema='verification')
