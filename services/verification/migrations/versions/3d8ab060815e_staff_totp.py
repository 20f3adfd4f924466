"""staff totp

Revision ID: 3d8ab060815e
Revises: c2e8f4a61d07
Create Date: 2026-12-03 06:46:32.034695

Optional TOTP for staff logins (services/verification/totp.py): the secret, sealed with
AES-GCM (never in clear), pending until ``totp_confirmed_at`` is set, and the last accepted
time step so a code is accepted once. Existing accounts have none.
"""

from alembic import op
import sqlalchemy as sa


revision = '3d8ab060815e'
down_revision = 'c2e8f4a61d07'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('staff', sa.Column('totp_secret', sa.Text(), nullable=True),
                  schema='verification')
    op.add_column('staff', sa.Column('totp_confirmed_at', sa.DateTime(timezone=True),
                                     nullable=True), schema='verification')
    op.add_column('staff', sa.Column('totp_last_step', sa.BigInteger(), nullable=True),
                  schema='verification')
    op.create_check_constraint('ck_staff_totp_confirmed_has_secret', 'staff',
                               'totp_confirmed_at IS NULL OR totp_secret IS NOT NULL',
                               schema='verification')


def downgrade() -> None:
    op.drop_constraint('ck_staff_totp_confirmed_has_secret', 'staff', type_='check',
                       schema='verification')
    op.drop_column('staff', 'totp_last_step', schema='verification')
    op.drop_column('staff', 'totp_confirmed_at', schema='verification')
    op.drop_column('staff', 'totp_secret', schema='verification')
