"""ikm survey: one invitation per ended application, anonymous answers (issue 15)

Revision ID: e0da3cda0539
Revises: 4ab68bc500b1
Create Date: 2026-12-03 13:20:00

The survey of PermenPAN-RB No. 14/2017 (docs/ikm.md): the invitation keeps the token's hash;
a response keeps the scores per element, the free text and what reports group by.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'e0da3cda0539'
down_revision = '4ab68bc500b1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'survey_invitations',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('application_id', sa.UUID(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('ended_by', sa.String(length=20), nullable=False),
        sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("ended_by IN ('DOWNLOADED', 'COLLECTED')",
                           name='ck_survey_invitations_ended_by'),
        sa.ForeignKeyConstraint(['application_id'], ['intake.applications.id'],
                                name='fk_survey_invitations_application'),
        sa.PrimaryKeyConstraint('id', name='pk_survey_invitations'),
        sa.UniqueConstraint('application_id', name='uq_survey_invitations_application'),
        sa.UniqueConstraint('token_hash', name='uq_survey_invitations_token_hash'),
        schema='intake',
    )
    op.create_table(
        'survey_responses',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('application_id', sa.UUID(), nullable=False),
        sa.Column('service_code', sa.String(length=40), nullable=False),
        sa.Column('kecamatan_code', sa.String(length=13), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('scores', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('ikm_version', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.CheckConstraint("jsonb_typeof(scores) = 'object'", name='ck_survey_responses_scores'),
        sa.ForeignKeyConstraint(['application_id'], ['intake.applications.id'],
                                name='fk_survey_responses_application'),
        sa.PrimaryKeyConstraint('id', name='pk_survey_responses'),
        sa.UniqueConstraint('application_id', name='uq_survey_responses_application'),
        schema='intake',
    )
    op.create_index('ix_survey_responses_answered_service', 'survey_responses',
                    ['answered_at', 'service_code'], unique=False, schema='intake')


def downgrade() -> None:
    op.drop_index('ix_survey_responses_answered_service', table_name='survey_responses',
                  schema='intake')
    op.drop_table('survey_responses', schema='intake')
    op.drop_table('survey_invitations', schema='intake')
