"""The email sender keeps its SMTP connection for the next message, and replaces one the server
closed while it sat idle without losing or doubling the message (a real aiosmtpd server)."""

from __future__ import annotations

import time
import uuid

import pytest
from aiosmtpd.controller import Controller

from services.notification.channels import Outgoing
from services.notification.channels.email import EmailSender, SmtpSettings
from tests.support.infra import Mailbox, free_port


class CountingMailbox(Mailbox):
    connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: ANN001
        type(self).connections += 1
        session.host_name = hostname
        return responses


@pytest.fixture
def server():
    mailbox = CountingMailbox()
    CountingMailbox.connections = 0
    # The server closes a connection idle for a second (421), as real ones do after minutes.
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                            server_kwargs={"timeout": 1})
    controller.start()
    yield controller, mailbox
    controller.stop()


def _email(to: str) -> Outgoing:
    return Outgoing(str(uuid.uuid4()), "EMAIL", to, "Status permohonan", "Isi pesan.")


def test_messages_share_a_connection_and_a_closed_one_is_replaced(server) -> None:
    controller, mailbox = server
    sender = EmailSender(SmtpSettings("127.0.0.1", controller.port, "uji@silasidakep.test",
                                      timeout=3))
    for n in range(3):
        sender.send(_email(f"warga{n}@example.org"))
    assert CountingMailbox.connections == 1
    time.sleep(1.5)  # the server has dropped the idle connection meanwhile
    sender.send(_email("warga3@example.org"))
    assert CountingMailbox.connections == 2
    received = [m["To"] for m in mailbox.messages]
    assert received == [f"warga{n}@example.org" for n in range(4)]  # each exactly once
