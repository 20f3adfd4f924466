"""Email over SMTP: plain, implicit TLS (SMTPS) or STARTTLS, optional authentication.

The Message-ID is derived from the message id, so a resend after a crash carries the same
Message-ID. SMTP has no idempotency key: a server that accepted the first copy will accept the
second too. A database that refuses the record afterwards does not cause a resend (dispatch keeps
retrying it and remembers the send); only a process dying between the server's answer and that
record does, and then with the same Message-ID (mail clients and most mailbox stores fold copies
with one Message-ID into one).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage

import eventlet

from services.notification.channels import Outgoing, PermanentError, TransientError
from silasidakep.config import load_settings


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    mail_from: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False  # implicit TLS (port 465)
    timeout: float = 10.0


def smtp_settings() -> SmtpSettings:
    settings = load_settings()
    return SmtpSettings(
        host=settings.smtp_host, port=settings.smtp_port, mail_from=settings.mail_from,
        username=os.environ.get("SMTP_USERNAME") or None,
        password=os.environ.get("SMTP_PASSWORD") or None,
        starttls=os.environ.get("SMTP_STARTTLS") == "1",
        tls=os.environ.get("SMTP_TLS") == "1",
    )


def message_id_header(message_id: str) -> str:
    return f"<{message_id}@silasidakep>"


# A connection is kept open after a message for the next one (a connection, EHLO and QUIT per
# email were most of the notification service's SMTP time); an idle one is closed after this.
KEEP_IDLE_SECONDS = 20.0
MAX_IDLE_CONNECTIONS = 4


class EmailSender:
    provider = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._idle: list[tuple[smtplib.SMTP, float]] = []  # (connection, when it was returned)

    def send(self, message: Outgoing) -> str:
        mail = self._mail(message)
        try:
            smtp = self._deliver(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise PermanentError(f"SMTP recipient refused {codes}") from None
            raise TransientError(f"SMTP recipient deferred {codes}") from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentError(f"SMTP {exc.smtp_code}") from None
            raise TransientError(f"SMTP {exc.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"SMTP {type(exc).__name__}: {exc}") from None
        # The server has the message (its 250 after DATA): answer now, so recording the send is
        # not held up by more round trips; the connection waits for the next message.
        self._idle.append((smtp, time.monotonic()))
        self.tidy()
        return mail["Message-ID"]

    def tidy(self) -> None:
        """Say goodbye (QUIT, in a green thread) to connections idle too long or too many."""
        now = time.monotonic()
        fresh = [entry for entry in self._idle if now - entry[1] < KEEP_IDLE_SECONDS]
        keep = fresh[-MAX_IDLE_CONNECTIONS:]
        for smtp, _ in self._idle:
            if all(smtp is not kept for kept, _ in keep):
                eventlet.spawn_n(_quit_quietly, smtp)
        self._idle[:] = keep

    def _mail(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.settings.mail_from
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = message_id_header(message.message_id)
        mail.set_content(message.text, charset="utf-8")
        return mail

    def _deliver(self, mail: EmailMessage) -> smtplib.SMTP:
        """Hand the message over on a kept connection, or a new one; the connection is left
        open. A kept connection the server has closed meanwhile is replaced once: the message
        was refused at its first command, so it was not sent."""
        while self._idle:
            smtp, returned_at = self._idle.pop()
            if time.monotonic() - returned_at >= KEEP_IDLE_SECONDS:
                eventlet.spawn_n(_quit_quietly, smtp)
                continue
            try:
                smtp.send_message(mail)
                return smtp
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPSenderRefused) as exc:
                smtp.close()
                if not _closed_by_server(exc):
                    raise
                break
            except BaseException:
                smtp.close()
                raise
        smtp = self._connect()
        try:
            smtp.send_message(mail)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _connect(self) -> smtplib.SMTP:
        """Connect and authenticate."""
        s = self.settings
        if s.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.starttls and not s.tls:
                smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _closed_by_server(exc: smtplib.SMTPException) -> bool:
    """The server dropped an idle connection: gone, or 421 (closing) at the first command."""
    return isinstance(exc, smtplib.SMTPServerDisconnected) or getattr(exc, "smtp_code", 0) == 421


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()  # the message was accepted already; a lost goodbye changes nothing
