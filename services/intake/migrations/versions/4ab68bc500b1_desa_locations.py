"""desa locations: a desa/kelurahan office can be a service location (front office, issue 15)

Revision ID: 4ab68bc500b1
Revises: 51903b319339
Create Date: 2026-12-03 13:10:13.859896
"""

from alembic import op


revision = '4ab68bc500b1'
down_revision = '51903b319339'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint('ck_locations_kind', 'locations', schema='intake')
    op.create_check_constraint(
        'ck_locations_kind', 'locations', "kind IN ('DINAS', 'MPP', 'KECAMATAN', 'DESA')",
        schema='intake',
    )


def downgrade() -> None:
    op.drop_constraint('ck_locations_kind', 'locations', schema='intake')
    op.create_check_constraint(
        'ck_locations_kind', 'locations', "kind IN ('DINAS', 'MPP', 'KECAMATAN')",
        schema='intake',
    )
