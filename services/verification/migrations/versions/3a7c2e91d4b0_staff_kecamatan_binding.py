"""staff kecamatan binding

Revision ID: 3a7c2e91d4b0
Revises: 05feb1c850ba
Create Date: 2026-11-28 11:40:00

A kecamatan operator's account names the one kecamatan whose print and collection desk it
works (carried in its tokens as "kec"). Existing operator accounts have none until an admin
binds them; until then printing refuses them at the desk.
"""

from alembic import op
import sqlalchemy as sa


revision = '3a7c2e91d4b0'
down_revision = '05feb1c850ba'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('staff', sa.Column('kecamatan_code', sa.String(length=13), nullable=True),
                  schema='verification')


def downgrade() -> None:
    op.drop_column('staff', 'kecamatan_code', schema='verification')
