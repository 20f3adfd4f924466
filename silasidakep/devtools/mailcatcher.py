"""Local SMTP mail catcher for the developer run.

Accepts every message, saves it unchanged as an .eml file and prints a short decoded summary
(To, Subject, text/plain body), so notification mails can be read without a real mail server.
Nothing is relayed anywhere.

    python -m silasidakep.devtools.mailcatcher --host 127.0.0.1 --port 1025 --dir var/mail
"""

import argparse
import io
import signal
import sys
import threading
import uuid
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TextIO, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# Notifications are short; anything longer is still complete in the saved file.
MAX_BODY_CHARS = 4000


def _text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return "(no text/plain part)"
    try:
        # get_content() undoes quoted-printable/base64 and applies the declared charset.
        return part.get_content()
    except (LookupError, ValueError):
        # Unknown or lying charset: show what we can instead of losing the summary.
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def summarize(raw: bytes, recipients: list[str] | None = None) -> str:
    """Readable summary of a raw RFC 5322 message: To, Subject and the decoded body."""
    # policy.default makes the parser return an EmailMessage with decoded headers.
    message = cast(EmailMessage, message_from_bytes(raw, policy=policy.default))
    to = message.get("To") or ", ".join(recipients or []) or "(none)"
    body = _text_body(message).rstrip()
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS] + "\n... (truncated, see the .eml file)"
    return f"To:      {to}\nSubject: {message.get('Subject', '(none)')}\n\n{body}"


class MailCatcherHandler:
    """aiosmtpd handler: save each message to `directory` and print a summary to `out`."""

    def __init__(self, directory: Path, out: TextIO | None = None) -> None:
        self.directory = directory
        self.out = out or sys.stdout

    def save(self, raw: bytes) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        path = self.directory / name
        # Write then rename, so anyone watching the directory never reads a partial file.
        partial = path.with_suffix(".part")
        partial.write_bytes(raw)
        partial.replace(path)
        return path

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        path = self.save(raw)
        try:
            summary = summarize(raw, list(envelope.rcpt_tos))
        except Exception as error:  # a broken message must never stop the catcher
            summary = f"(could not parse message: {error!r})"
        print(f"--- mail saved to {path}\n{summary}\n---", file=self.out, flush=True)
        return "250 Message accepted for delivery"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Local SMTP mail catcher for development.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path("var/mail"))
    return parser.parse_args(argv)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        # Mails carry arbitrary characters; never crash on a console that cannot show them.
        sys.stdout.reconfigure(errors="backslashreplace")
    # Installed before listening, so an early Ctrl+C still shuts down cleanly.
    stop = _stop_on_signals()
    controller = Controller(MailCatcherHandler(args.dir), hostname=args.host, port=args.port)
    try:
        controller.start()
    except OSError as error:
        print(f"mailcatcher: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    print(
        f"mailcatcher: listening on {args.host}:{args.port}, saving to {args.dir} (Ctrl+C to stop)",
        flush=True,
    )
    try:
        # A timeout keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        controller.stop()
    print("mailcatcher: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
