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
        s = self.settings
        mail = EmailMessage()
        mail["From"] = s.mail_from
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = message_id_header(message.message_id)
        mail.set_content(message.text, charset="utf-8")
        try:
            if s.tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client as smtp:
                if s.starttls and not s.tls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password or "")
                smtp.send_message(mail)
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
        return mail["Message-ID"]
