"""Servers the fault-injection run starts for itself, so restarting them disturbs nothing else
on the machine: a PostgreSQL cluster and a RabbitMQ node of its own, and a TCP gate in front of
the S3 server (an outage a client sees as refused connections, without losing the objects the
in-memory moto server holds)."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.infra import wait_until


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def gate_port() -> int:
    """A free port below the ephemeral range. While a gate is closed, clients keep connecting
    to its port; with a port inside the range, one of them can be handed that very port as its
    source and connect to itself (TCP simultaneous open), and the gate cannot reopen."""
    low, _ = _ephemeral_range()
    for _attempt in range(200):
        port = random.randint(max(1024, low - 12000), low - 1)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port below the ephemeral range")


PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), Path("/usr/bin"))


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """PostgreSQL refuses to run as root: its tools run as the ``postgres`` user then."""
    command = [str(a) for a in args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


@dataclass
class OwnPostgres:
    directory: Path
    port: int = field(default_factory=gate_port)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/silasidakep"

    def start(self) -> OwnPostgres:
        if not (self.directory / "PG_VERSION").exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            shutil.chown(self.directory, "postgres") if os.geteuid() == 0 else None
            _as_postgres([PG_BIN / "initdb", "-D", self.directory, "-U", "postgres",
                          "--auth=trust", "-E", "UTF8"])
        self._ctl("start", *self._server_args())
        if not getattr(self, "_created", False):
            _as_postgres([PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port,
                          "-U", "postgres", "silasidakep"])
            self._created = True
        return self

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast", "-w")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast", *self._server_args())

    def _server_args(self) -> list:
        # -l: the server must not inherit our pipes (pg_ctl would never seem to finish).
        return ["-w", "-l", self.directory / "server.log", "-o",
                f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                "-c max_connections=200 -c fsync=off"]

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _ctl(self, *args) -> None:
        _as_postgres([PG_BIN / "pg_ctl", "-D", self.directory, *args])


@dataclass
class OwnRabbit:
    directory: Path
    port: int = field(default_factory=gate_port)
    dist_port: int = field(default_factory=gate_port)

    def __post_init__(self) -> None:
        self.node = f"silasidakep-faults-{self.port}@localhost"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        plugins = self.directory / "enabled_plugins"
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
            "RABBITMQ_CONFIG_FILE": str(self.directory / "none"),
            "RABBITMQ_PID_FILE": str(self.directory / "pid"),
        }

    def start(self) -> OwnRabbit:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o777)  # the server script may switch to the rabbitmq user
        plugins = self.directory / "enabled_plugins"
        plugins.write_text("[].\n")
        os.chmod(plugins, 0o666)
        subprocess.run(["rabbitmq-server", "-detached"], env=self._env(), check=True,
                       capture_output=True)
        wait_until(self._accepts, timeout=90, interval=0.5, what="own RabbitMQ node")
        return self

    def _accepts(self) -> bool:
        from kombu import Connection

        try:
            with Connection(self.url, connect_timeout=2) as conn:
                conn.connect()
            return True
        except Exception:  # noqa: BLE001 (not up yet, whatever the error)
            return False

    def stop(self) -> None:
        subprocess.run(["rabbitmqctl", "-n", self.node, "stop"], env=self._env(),
                       capture_output=True, timeout=60)
        wait_until(lambda: not self._accepts(), timeout=30, what="RabbitMQ node stopped")

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _bound(listener: socket.socket, port: int) -> bool:
    try:
        listener.bind(("127.0.0.1", port))
    except OSError:
        return False
    return True


class TcpGate:
    """Forwards a local port to ``target``; ``close()`` refuses connections and cuts live
    ones (an outage), ``open()`` lets them through again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = gate_port()
        self._open = threading.Event()
        self._live: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.close()

    def open(self) -> TcpGate:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        wait_until(lambda: _bound(listener, self.port), timeout=30,
                   what=f"port {self.port} free to reopen the gate")
        listener.listen(128)
        self._listener = listener
        self._open.set()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def close(self, cut_live: bool = True) -> None:
        """Refuse new connections; ``cut_live`` also cuts the open ones mid-conversation."""
        self._open.clear()
        if self._listener:
            # A bare close() leaves the socket listening while the accept thread is blocked
            # in accept() (the call holds the kernel's file); shutdown wakes it first.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        if not cut_live:
            return
        with self._lock:
            for conn in list(self._live):
                _quietly_close(conn)
            self._live.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self._open.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._live.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for conn in (source, sink):
                _quietly_close(conn)
                with self._lock:
                    self._live.discard(conn)


def _quietly_close(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()


def elapsed(since: float) -> float:
    return round(time.monotonic() - since, 2)
