"""Replaying dead letters against the real broker: nothing lost, and a still-broken message
that is parked again at once is not replayed in an endless loop."""

from __future__ import annotations

import json
import threading
import uuid

from kombu import Connection

from silasidakep import deadletters
from silasidakep.messaging import ATTEMPT_HEADER, dead_queue_name
from tests.support.infra import wait_until


def _declare(channel, *names: str) -> None:
    for name in names:
        channel.queue_declare(queue=name, durable=True, auto_delete=False)


def _park(uri: str, dead: str, count: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    with Connection(uri) as conn:
        channel = conn.channel()
        for event_id in ids:
            channel.basic_publish(
                channel.prepare_message(json.dumps({"event_id": event_id}).encode(),
                                        headers={ATTEMPT_HEADER: 5}),
                exchange="", routing_key=dead)
    return ids


def test_replay_moves_each_parked_message_once_even_when_it_fails_again(
    amqp: tuple[str, str],
) -> None:
    _, uri = amqp
    work = f"it-replay-{uuid.uuid4().hex[:8]}"
    dead = dead_queue_name(work)
    with Connection(uri) as conn:
        _declare(conn.channel(), work, dead)
    parked_ids = _park(uri, dead, 200)

    # A handler that is still broken: everything arriving on the work queue goes straight back
    # to the dead queue, as the real handler does with a message that breaks its contract.
    stop = threading.Event()
    seen: list[dict] = []

    def still_broken() -> None:
        with Connection(uri) as conn:
            channel = conn.channel()
            while not stop.is_set():
                message = channel.basic_get(work, no_ack=False)
                if message is None:
                    stop.wait(0.01)
                    continue
                seen.append({"id": json.loads(message.body)["event_id"],
                             "headers": dict(message.headers)})
                channel.basic_publish(channel.prepare_message(message.body), exchange="",
                                      routing_key=dead)
                channel.basic_ack(message.delivery_tag)

    handler = threading.Thread(target=still_broken, daemon=True)
    handler.start()
    result: list[int] = []
    replayer = threading.Thread(target=lambda: result.append(deadletters.replay(uri, work)),
                                daemon=True)
    try:
        replayer.start()
        replayer.join(timeout=20)  # a replay that chases re-parked messages never ends
        assert result, "replay did not finish while the handler kept parking messages"
        moved = result[0]
        wait_until(lambda: len(seen) >= moved, timeout=20, what="handler saw every replay")
    finally:
        stop.set()
        handler.join(timeout=10)

    assert moved == 200
    assert sorted(s["id"] for s in seen) == sorted(parked_ids)
    assert all(ATTEMPT_HEADER not in s["headers"] for s in seen)  # a fresh attempt count
    with Connection(uri) as conn:
        _, depth, _ = conn.default_channel.queue_declare(queue=dead, passive=True)
    assert depth == 200  # parked again, none lost


def test_replay_honours_a_limit(amqp: tuple[str, str]) -> None:
    _, uri = amqp
    work = f"it-replay-{uuid.uuid4().hex[:8]}"
    dead = dead_queue_name(work)
    with Connection(uri) as conn:
        _declare(conn.channel(), work, dead)
    _park(uri, dead, 4)
    assert deadletters.replay(uri, work, limit=3) == 3
    with Connection(uri) as conn:
        _, in_dead, _ = conn.default_channel.queue_declare(queue=dead, passive=True)
        _, in_work, _ = conn.default_channel.queue_declare(queue=work, passive=True)
    assert (in_dead, in_work) == (1, 3)
