"""issuance attempts per document

Revision ID: b7c4e9a1d2f3
Revises: a97f2b175f4f
Create Date: 2026-12-04 19:20:00

Documents allocated before this migration count one attempt: a resumed issuance of one of
them that is still RENDERING counts two and so lists its storage prefix, as before.
"""

from alembic import op
import sqlalchemy as sa


revision = 'b7c4e9a1d2f3'
down_revision = 'a97f2b175f4f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('documents', sa.Column('attempts', sa.Integer(), server_default='1',
                                         nullable=False), schema='printing')


def downgrade() -> None:
    op.drop_column('documents', 'attempts', schema='printing')
