"""Email rendering (Jinja2) and delivery over SMTP."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")
WIB = timezone(timedelta(hours=7), "WIB")  # Indonesia has no DST: a fixed offset is exact


def tanggal(value: date | datetime) -> str:
    """``2 Desember 2026``, or ``2 Desember 2026 pukul 16.00 WIB`` for an aware datetime."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        local = value.astimezone(WIB)
        return f"{local.day} {BULAN[local.month - 1]} {local.year} pukul {local:%H.%M} WIB"
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


@cache
def _environment() -> Environment:
    # Plain-text templates: autoescape is for the HTML templates issue #6 adds.
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    environment.filters["tanggal"] = tanggal
    return environment


def render_email(template: str, **context: Any) -> RenderedEmail:
    text = _environment().get_template(f"email/{template}.txt").render(**context)
    first, _, rest = text.lstrip().partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"template {template} must start with a Subject line")
    return RenderedEmail(subject=first.removeprefix("Subject: ").strip(), body=rest.lstrip("\n"))


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    mail_from: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


def send_email(settings: SmtpSettings, to: str, email: RenderedEmail) -> str:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain="silasidakep")
    message.set_content(email.body, charset="utf-8")
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)
    return message["Message-ID"]
