"""What Linux's /proc says of the processes a test or benchmark started: parents, sessions, CPU.

Read straight from ``/proc/PID/stat`` (proc(5)): psutil would be one more dependency for
five numbers.  The command name, field 2, is in parentheses and may hold spaces, so the
fields are counted from the last ``)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessStat:
    pid: int
    ppid: int
    session: int
    cpu: float  # user + system seconds, all threads
    threads: int


def processes() -> list[ProcessStat]:
    """Every live process."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        found.append(ProcessStat(int(entry), int(fields[1]), int(fields[3]), (int(fields[11]) + int(fields[12])) / _TICK, int(fields[17])))
    return found


def tree(pid: int) -> list[ProcessStat]:
    """``pid`` and its live descendants (``pid`` first, when it is alive)."""
    table = processes()
    children: dict[int, list[ProcessStat]] = {}
    for process in table:
        children.setdefault(process.ppid, []).append(process)
    found = [process for process in table if process.pid == pid]
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child.pid)
    return found
