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


class EmailSender:
    provider = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

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
        # The server has the message (its 250 after DATA): answer now and say goodbye (QUIT)
        # in a green thread, so recording the send is not held up by one more round trip: a
        # process dying in between is the one window in which an email goes out twice.
        eventlet.spawn_n(_quit_quietly, smtp)
        return mail["Message-ID"]

    def _mail(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.settings.mail_from
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = message_id_header(message.message_id)
        mail.set_content(message.text, charset="utf-8")
        return mail

    def _deliver(self, mail: EmailMessage) -> smtplib.SMTP:
        """Connect, authenticate and hand the message over; the connection is left open."""
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
            smtp.send_message(mail)
        except BaseException:
            smtp.close()
            raise
        return smtp


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()  # the message was accepted already; a lost goodbye changes nothing
