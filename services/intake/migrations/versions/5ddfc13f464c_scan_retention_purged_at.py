"""scan retention purged_at

Scans past SCAN_RETENTION_DAYS are deleted from object storage; the upload row stays, marked.

Revision ID: 5ddfc13f464c
Revises: 9b3f1c7d2e84
Create Date: 2026-12-03 12:30:53.958520
"""

from alembic import op
import sqlalchemy as sa


revision = '5ddfc13f464c'
down_revision = '9b3f1c7d2e84'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('documents', sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True), schema='intake')
    op.create_index('ix_documents_unpurged', 'documents', ['application_id'], unique=False, schema='intake', postgresql_where=sa.text('purged_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_documents_unpurged', table_name='documents', schema='intake', postgresql_where=sa.text('purged_at IS NULL'))
    op.drop_column('documents', 'purged_at', schema='intake')
