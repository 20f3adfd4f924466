"""application access log: who opened or acted on an application

Revision ID: 9b3f1c7d2e84
Revises: 560cfbc476df
Create Date: 2026-12-04 09:00:00

One row per audit entry naming an application (intake's own and those of verification,
printing and notification, from their audit_recorded events): the citizen's access log.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '9b3f1c7d2e84'
down_revision = '560cfbc476df'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'application_access',
        sa.Column('event_id', sa.UUID(), nullable=False),
        sa.Column('application_id', sa.UUID(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('office', sa.String(length=20), nullable=True),
        sa.Column('roles', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('staff_id', sa.UUID(), nullable=True),
        sa.Column('username', sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint('event_id', name='pk_application_access'),
        schema='intake',
    )
    op.create_index('ix_application_access_application', 'application_access',
                    ['application_id', 'at'], unique=False, schema='intake')


def downgrade() -> None:
    op.drop_index('ix_application_access_application', table_name='application_access',
                  schema='intake')
    op.drop_table('application_access', schema='intake')
