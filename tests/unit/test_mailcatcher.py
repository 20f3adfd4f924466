"""The developer mail catcher, run as a real process and fed over SMTP."""

import queue
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from silasidakep.devtools.mailcatcher import summarize

HOST = "127.0.0.1"
# Non-ASCII on purpose: on the wire the subject is an encoded word and the body is
# quoted-printable or base64, so finding them in the output proves the catcher decodes MIME.
SUBJECT = "Permohonan KK diterima — nomor 3211**********01 ✓"
BODY = "Yth. Budi Santoso,\npermohonan Anda sedang diverifikasi — terima kasih ✓\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def make_message(cte: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "noreply@example.org"
    message["To"] = "budi.santoso@example.org"
    message["Subject"] = SUBJECT
    message.set_content(BODY, charset="utf-8", cte=cte)
    return message


class Catcher:
    """The catcher subprocess plus a thread that collects its stdout lines."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "silasidakep.devtools.mailcatcher",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--dir",
                str(directory),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        # None marks the end of stdout (the process exited).
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, text: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.output):
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                line = None
            if line is None:
                pytest.fail(f"{text!r} not printed; output so far: {''.join(self.output)}")
            self.output.append(line)


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[Catcher]:
    running = Catcher(tmp_path / "mail")
    running.wait_for("listening on")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait(timeout=10)


def wait_for_files(directory: Path, timeout: float = 10) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(directory.glob("*.eml"))
        if files:
            return files
        time.sleep(0.05)
    pytest.fail(f"no .eml file appeared in {directory}")


@pytest.mark.parametrize(
    ("cte", "stop_signal"),
    [("quoted-printable", signal.SIGINT), ("base64", signal.SIGTERM)],
)
def test_catcher_saves_and_prints_decoded_mail(
    catcher: Catcher, tmp_path: Path, cte: str, stop_signal: signal.Signals
) -> None:
    with smtplib.SMTP(HOST, catcher.port, timeout=10) as client:
        client.send_message(make_message(cte))

    files = wait_for_files(tmp_path / "mail")
    assert len(files) == 1
    raw = files[0].read_bytes()
    assert b"=?utf-8?" in raw  # the subject really was encoded on the wire
    assert "✓".encode() not in raw

    catcher.wait_for(SUBJECT)
    catcher.wait_for("sedang diverifikasi — terima kasih ✓")
    printed = "".join(catcher.output)
    assert "To:      budi.santoso@example.org" in printed
    assert str(files[0]) in printed

    catcher.process.send_signal(stop_signal)
    assert catcher.process.wait(timeout=15) == 0
    catcher.wait_for("mailcatcher: stopped")
    assert catcher.process.stderr is not None
    assert "Traceback" not in catcher.process.stderr.read()


def test_summary_prefers_the_plain_text_part() -> None:
    message = make_message("base64")
    message.add_alternative("<p>HTML</p>", subtype="html")
    summary = summarize(message.as_bytes())
    assert f"Subject: {SUBJECT}" in summary
    assert "terima kasih ✓" in summary
    assert "<p>HTML</p>" not in summary


def test_summary_falls_back_to_envelope_recipients() -> None:
    message = make_message("quoted-printable")
    del message["To"]
    summary = summarize(message.as_bytes(), ["siti@example.com"])
    assert "To:      siti@example.com" in summary
