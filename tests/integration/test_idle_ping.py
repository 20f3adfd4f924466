"""A pooled connection is tested on checkout only after sitting idle (silasidakep.db)."""

from __future__ import annotations

import time

from sqlalchemy import text

from silasidakep.db import make_engine, ping_when_idle


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_killed_while_idle_is_replaced_before_use(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    ping_when_idle(engine, idle_seconds=0.05)
    killer = make_engine(database_url, pool_size=1)
    try:
        first = _backend_pid(engine)
        with killer.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            connection.commit()
        time.sleep(0.1)  # idle past the threshold: the checkout pings, finds it dead
        assert _backend_pid(engine) != first  # answered on a fresh connection, no error
    finally:
        engine.dispose()
        killer.dispose()

