"""CPU time and resident memory of processes, read from /proc (Linux only).

CPU is utime + stime, plus cutime + cstime (children already waited for) when asked: PostgreSQL
backends that exit are reaped by the postmaster, so summing all four over every ``postgres``
process before and after a phase still counts a backend that came and went in between.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class Watched:
    """A row of the CPU table: a name and how to find its processes right now."""

    name: str
    pids: Callable[[], Iterable[int]]
    children: bool = True  # add cutime/cstime
    in_total: bool = True  # part of "all but the load generator"
    group: str = "system"  # system, naive or client


@dataclass(frozen=True)
class Reading:
    cpu_ms: float
    rss_kib: int
    processes: int


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    return raw[raw.rindex(")") + 2:].split()


def cpu_ms(pid: int, children: bool = True) -> float | None:
    fields = _stat_fields(pid)
    if fields is None:
        return None
    # After ')': state is field 3 of proc(5), so utime (14) is index 11, cstime (17) index 14.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks * TICK_MS


def nice(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[16])  # field 19 of proc(5)


def rss_kib(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pids_named(comm: str) -> list[int]:
    """Processes whose /proc/<pid>/comm is ``comm`` (every PostgreSQL process, for one: the
    server is shared, and a backend's database cannot be told once it has exited)."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == comm:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def read(watched: Watched) -> Reading:
    total_cpu, total_rss, count = 0.0, 0, 0
    for pid in watched.pids():
        cpu = cpu_ms(pid, watched.children)
        if cpu is None:  # gone between listing and reading
            continue
        total_cpu += cpu
        total_rss += rss_kib(pid)
        count += 1
    return Reading(total_cpu, total_rss, count)


Snapshot = dict[str, Reading]


def snapshot(rows: Iterable[Watched]) -> Snapshot:
    return {row.name: read(row) for row in rows}


def cpu_delta(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """CPU milliseconds per row between two snapshots (never below zero)."""
    return {name: max(0.0, after[name].cpu_ms - before[name].cpu_ms)
            for name in after if name in before}
