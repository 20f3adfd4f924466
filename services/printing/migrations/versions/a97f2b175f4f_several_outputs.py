"""several outputs per application; print jobs per document; revocation cancels print jobs

Revision ID: a97f2b175f4f
Revises: 87f9f9928bb8
Create Date: 2026-12-03 18:32:41.046135

An application issues one register row per output (the akta, the updated KK, the KIA): the
unique on application_id becomes one on (application_id, output_key); existing rows get their
document type as output key (a single-output application's key). ``kind``, ``replaces`` and
``superseded_by`` record the register's history; existing SUPERSEDED rows get the document that
superseded them (issued at the very moment they were superseded, by the same subject and type).
Print jobs are unique per document; CANCELLED jobs get ``cancelled_at``. Alembic does not
compare CHECK constraints: ``documents_kind_known`` and ``blanko_movements_kind_known`` are
written here by hand.

Downgrading fails while an application has more than one document (the old unique cannot
hold them).
"""

from alembic import op
import sqlalchemy as sa


revision = 'a97f2b175f4f'
down_revision = '87f9f9928bb8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('documents', sa.Column('output_key', sa.String(length=40), nullable=True), schema='printing')
    op.add_column('documents', sa.Column('kind', sa.String(length=12), nullable=True), schema='printing')
    op.add_column('documents', sa.Column('replaces', sa.String(length=40), nullable=True), schema='printing')
    op.add_column('documents', sa.Column('superseded_by', sa.String(length=40), nullable=True), schema='printing')
    op.execute("UPDATE printing.documents SET output_key = document_type, kind = 'ORIGINAL'")
    op.execute(
        "UPDATE printing.documents AS old SET superseded_by = newer.document_number "
        "FROM printing.documents AS newer "
        "WHERE old.status = 'SUPERSEDED' AND newer.subject_hash = old.subject_hash "
        "AND newer.document_type = old.document_type "
        "AND newer.issued_at = old.superseded_at "
        "AND newer.document_number <> old.document_number"
    )
    op.alter_column('documents', 'output_key', nullable=False, schema='printing')
    op.alter_column('documents', 'kind', nullable=False, schema='printing')
    op.create_check_constraint(
        'documents_kind_known', 'documents', "kind IN ('ORIGINAL', 'CORRECTION', 'REPRINT')",
        schema='printing',
    )
    op.drop_constraint('documents_application_id_key', 'documents', schema='printing', type_='unique')
    op.create_unique_constraint('documents_application_output_key', 'documents', ['application_id', 'output_key'], schema='printing')

    op.add_column('print_jobs', sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True), schema='printing')
    op.drop_constraint('print_jobs_application_id_key', 'print_jobs', schema='printing', type_='unique')
    op.create_index('ix_print_jobs_application', 'print_jobs', ['application_id'], unique=False, schema='printing')
    op.create_unique_constraint('print_jobs_document_number_key', 'print_jobs', ['document_number'], schema='printing')

    op.create_check_constraint(
        'blanko_movements_kind_known', 'blanko_movements',
        "kind IN ('RECEIVED', 'ADJUSTED', 'USED', 'RETURNED')", schema='printing',
    )


def downgrade() -> None:
    op.drop_constraint('blanko_movements_kind_known', 'blanko_movements', schema='printing', type_='check')
    op.drop_constraint('print_jobs_document_number_key', 'print_jobs', schema='printing', type_='unique')
    op.drop_index('ix_print_jobs_application', table_name='print_jobs', schema='printing')
    op.create_unique_constraint('print_jobs_application_id_key', 'print_jobs', ['application_id'], schema='printing')
    op.drop_column('print_jobs', 'cancelled_at', schema='printing')
    op.drop_constraint('documents_application_output_key', 'documents', schema='printing', type_='unique')
    op.create_unique_constraint('documents_application_id_key', 'documents', ['application_id'], schema='printing')
    op.drop_constraint('documents_kind_known', 'documents', schema='printing', type_='check')
    op.drop_column('documents', 'superseded_by', schema='printing')
    op.drop_column('documents', 'replaces', schema='printing')
    op.drop_column('documents', 'kind', schema='printing')
    op.drop_column('documents', 'output_key', schema='printing')
