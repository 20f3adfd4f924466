"""managed reason codes

Revision ID: b7d41f0c9e25
Revises: 3a7c2e91d4b0
Create Date: 2026-11-28 11:45:00

The reason codes a decision carries move from ``reason_codes.yaml`` into the table
``verification.reason_codes``, managed by admins (console, API, ``silasidakep reason-codes``).
Seeded here with the list the YAML file held.
"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'b7d41f0c9e25'
down_revision = '3a7c2e91d4b0'
branch_labels = None
depends_on = None

SEED = [
    ("DOKUMEN_TIDAK_TERBACA", "REQUEST_REVISION",
     "Dokumen yang diunggah tidak terbaca atau buram. Unggah ulang hasil pindaian yang jelas."),
    ("DOKUMEN_TIDAK_SESUAI", "REQUEST_REVISION",
     "Dokumen yang diunggah tidak sesuai dengan jenis dokumen yang diminta."),
    ("DATA_TIDAK_SESUAI_DOKUMEN", "REQUEST_REVISION",
     "Data pada formulir tidak sesuai dengan dokumen pendukung."),
    ("DOKUMEN_KURANG", "REQUEST_REVISION", "Dokumen pendukung belum lengkap."),
    ("BUKAN_PENDUDUK_KABUPATEN", "REJECT",
     "Pemohon bukan penduduk Kabupaten Sumedang; ajukan ke Disdukcapil daerah asal."),
    ("PERMOHONAN_GANDA", "REJECT", "Permohonan yang sama sudah diajukan atau sudah diterbitkan."),
    ("DOKUMEN_TIDAK_SAH", "REJECT",
     "Dokumen pendukung tidak sah atau tidak dapat dipertanggungjawabkan."),
    ("PERSYARATAN_TIDAK_TERPENUHI", "REJECT", "Persyaratan layanan tidak terpenuhi."),
]


def upgrade() -> None:
    table = op.create_table(
        'reason_codes',
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('decisions', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint('code'),
        schema='verification',
    )
    now = datetime.now(UTC)
    op.bulk_insert(table, [
        {"code": code, "text": text, "decisions": [decision], "active": True,
         "created_at": now, "updated_at": now, "updated_by": "migration"}
        for code, decision, text in SEED
    ])


def downgrade() -> None:
    op.drop_table('reason_codes', schema='verification')
