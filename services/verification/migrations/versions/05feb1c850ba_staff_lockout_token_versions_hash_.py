"""staff lockout, token versions, hash-chained access log

Revision ID: 05feb1c850ba
Revises: 79fe4cda8af8
Create Date: 2026-11-28 09:41:38.468846

The access log is rebuilt as a hash chain (seq, prev_hash, hash; see
services/verification/audit.py): existing rows are chained in their id order, with the username
of their staff account. Triggers make it append-only: UPDATE, DELETE and TRUNCATE raise, an
INSERT must continue the head, and the head may only step forward onto the row just inserted.
"""

import hashlib
import json
from datetime import timezone

from alembic import op
import sqlalchemy as sa


revision = '05feb1c850ba'
down_revision = '79fe4cda8af8'
branch_labels = None
depends_on = None

GENESIS = "0" * 64

TRIGGERS = """
CREATE FUNCTION verification.access_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'verification.access_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION verification.access_log_check_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    head verification.audit_head%ROWTYPE;
BEGIN
    SELECT * INTO head FROM verification.audit_head WHERE id = 1;
    IF NEW.seq <> head.seq + 1 OR NEW.prev_hash <> head.hash THEN
        RAISE EXCEPTION 'verification.access_log: entry % does not continue the chain at %',
            NEW.seq, head.seq USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION verification.audit_head_check_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (
        SELECT 1 FROM verification.access_log WHERE seq = NEW.seq AND hash = NEW.hash
    ) THEN
        RAISE EXCEPTION 'verification.audit_head may only move to the entry just appended'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER access_log_no_update_delete BEFORE UPDATE OR DELETE ON verification.access_log
    FOR EACH ROW EXECUTE FUNCTION verification.access_log_refuse_change();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON verification.access_log
    FOR EACH STATEMENT EXECUTE FUNCTION verification.access_log_refuse_change();
CREATE TRIGGER access_log_continues_chain BEFORE INSERT ON verification.access_log
    FOR EACH ROW EXECUTE FUNCTION verification.access_log_check_insert();
CREATE TRIGGER audit_head_steps_forward BEFORE UPDATE ON verification.audit_head
    FOR EACH ROW EXECUTE FUNCTION verification.audit_head_check_update();
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON verification.audit_head
    FOR EACH ROW EXECUTE FUNCTION verification.access_log_refuse_change();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON verification.audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION verification.access_log_refuse_change();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS audit_head_no_truncate ON verification.audit_head;
DROP TRIGGER IF EXISTS audit_head_no_delete ON verification.audit_head;
DROP TRIGGER IF EXISTS audit_head_steps_forward ON verification.audit_head;
DROP TRIGGER IF EXISTS access_log_continues_chain ON verification.access_log;
DROP TRIGGER IF EXISTS access_log_no_truncate ON verification.access_log;
DROP TRIGGER IF EXISTS access_log_no_update_delete ON verification.access_log;
DROP FUNCTION IF EXISTS verification.audit_head_check_update();
DROP FUNCTION IF EXISTS verification.access_log_check_insert();
DROP FUNCTION IF EXISTS verification.access_log_refuse_change();
"""


def _entry_hash(seq, at, staff_id, username, action, application_id, detail, client_ip,
                prev_hash):
    """Frozen copy of services.verification.audit.entry_hash (a migration must not change
    when the application code does; the format itself must never change)."""
    payload = {
        "seq": int(seq), "at": at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
        "staff_id": None if staff_id is None else str(staff_id), "username": username,
        "action": action,
        "application_id": None if application_id is None else str(application_id),
        "detail": detail, "client_ip": client_ip, "prev_hash": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _create_chained_log() -> None:
    op.create_table('access_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.UUID(), nullable=True),
    sa.Column('username', sa.String(length=60), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('application_id', sa.UUID(), nullable=True),
    sa.Column('detail', sa.String(length=200), nullable=True),
    sa.Column('client_ip', sa.String(length=64), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    schema='verification'
    )
    op.create_index(op.f('ix_verification_access_log_application_id'), 'access_log', ['application_id'], unique=False, schema='verification')
    op.create_index(op.f('ix_verification_access_log_at'), 'access_log', ['at'], unique=False, schema='verification')
    op.create_index(op.f('ix_verification_access_log_staff_id'), 'access_log', ['staff_id'], unique=False, schema='verification')
    op.create_index(op.f('ix_verification_access_log_username'), 'access_log', ['username'], unique=False, schema='verification')


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name='audit_head_single_row'),
    sa.PrimaryKeyConstraint('id'),
    schema='verification'
    )
    op.create_table('login_attempts',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('client_ip', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema='verification'
    )
    op.create_index('ix_verification_login_attempts_client_ip_at', 'login_attempts', ['client_ip', 'at'], unique=False, schema='verification')
    op.create_index('ix_verification_login_attempts_username_at', 'login_attempts', ['username', 'at'], unique=False, schema='verification')
    op.add_column('staff', sa.Column('token_version', sa.Integer(), server_default=sa.text('0'), nullable=False), schema='verification')

    # Chain what is there (in id order), then replace the table.
    bind = op.get_bind()
    old = bind.execute(sa.text(
        "SELECT l.staff_id, s.username, l.action, l.application_id, l.detail, l.at"
        " FROM verification.access_log l LEFT JOIN verification.staff s ON s.id = l.staff_id"
        " ORDER BY l.id"
    )).all()
    op.drop_index(op.f('ix_verification_access_log_staff_id'), table_name='access_log', schema='verification')
    op.drop_index(op.f('ix_verification_access_log_application_id'), table_name='access_log', schema='verification')
    op.drop_table('access_log', schema='verification')
    _create_chained_log()
    prev = GENESIS
    rows = []
    for seq, (staff_id, username, action, application_id, detail, at) in enumerate(old, 1):
        digest = _entry_hash(seq, at, staff_id, username, action, application_id, detail, None,
                             prev)
        rows.append({"seq": seq, "at": at, "staff_id": staff_id, "username": username,
                     "action": action, "application_id": application_id, "detail": detail,
                     "client_ip": None, "prev_hash": prev, "hash": digest})
        prev = digest
    if rows:
        bind.execute(sa.text(
            "INSERT INTO verification.access_log (seq, at, staff_id, username, action,"
            " application_id, detail, client_ip, prev_hash, hash) VALUES (:seq, :at, :staff_id,"
            " :username, :action, :application_id, :detail, :client_ip, :prev_hash, :hash)"
        ), rows)
    bind.execute(sa.text("INSERT INTO verification.audit_head (id, seq, hash) VALUES (1, :seq, :hash)"),
                 {"seq": len(rows), "hash": prev})
    op.execute(TRIGGERS)


def downgrade() -> None:
    op.execute(DROP_TRIGGERS)
    bind = op.get_bind()
    old = bind.execute(sa.text(
        "SELECT seq, staff_id, action, application_id, detail, at FROM verification.access_log"
        " ORDER BY seq"
    )).mappings().all()
    op.drop_index(op.f('ix_verification_access_log_username'), table_name='access_log', schema='verification')
    op.drop_index(op.f('ix_verification_access_log_staff_id'), table_name='access_log', schema='verification')
    op.drop_index(op.f('ix_verification_access_log_at'), table_name='access_log', schema='verification')
    op.drop_index(op.f('ix_verification_access_log_application_id'), table_name='access_log', schema='verification')
    op.drop_table('access_log', schema='verification')
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('staff_id', sa.UUID(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('application_id', sa.UUID(), nullable=True),
    sa.Column('detail', sa.String(length=200), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema='verification'
    )
    op.create_index(op.f('ix_verification_access_log_application_id'), 'access_log', ['application_id'], unique=False, schema='verification')
    op.create_index(op.f('ix_verification_access_log_staff_id'), 'access_log', ['staff_id'], unique=False, schema='verification')
    if old:
        bind.execute(sa.text(
            "INSERT INTO verification.access_log (id, staff_id, action, application_id, detail, at)"
            " VALUES (:seq, :staff_id, :action, :application_id, :detail, :at)"
        ), [dict(row) for row in old])
        bind.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('verification.access_log', 'id'),"
            " (SELECT max(id) FROM verification.access_log))"
        ))
    op.drop_column('staff', 'token_version', schema='verification')
    op.drop_index('ix_verification_login_attempts_username_at', table_name='login_attempts', schema='verification')
    op.drop_index('ix_verification_login_attempts_client_ip_at', table_name='login_attempts', schema='verification')
    op.drop_table('login_attempts', schema='verification')
    op.drop_table('audit_head', schema='verification')
