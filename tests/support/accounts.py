"""Citizen accounts in end-to-end tests: the one-time codes that arrive by email, and letting
the per-address minute pass without waiting for it."""

from __future__ import annotations

import re

import psycopg2

from tests.support.infra import body_text, wait_until
from tests.support.system import System


def code_mails(system: System, address: str) -> int:
    return sum("kode" in m["Subject"].lower() for m in system.mailbox.to(address))


def latest_code(system: System, address: str, seen: int = 0) -> str:
    """The code in the newest code mail to ``address`` once more than ``seen`` have arrived."""
    def mail():
        found = [m for m in system.mailbox.to(address) if "kode" in m["Subject"].lower()]
        return found[-1] if len(found) > seen else None
    message = wait_until(mail, 30, what=f"a code mail to {address}")
    return re.search(r"\b(\d{6})\b", body_text(message)).group(1)


def a_minute_later(system: System) -> None:
    """Age the codes sent so far, as if the citizen asked again after the one-minute limit."""
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=system.database)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE intake.one_time_codes SET created_at = created_at - "
                        "interval '2 minutes'")
    finally:
        conn.close()
