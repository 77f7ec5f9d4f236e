"""What `make bench` ran on: CPU model, cores, memory, Python, OS, date and the load at start."""

from __future__ import annotations

import os
import platform
from datetime import datetime
from pathlib import Path


def _proc(name: str, key: str) -> str | None:
    try:
        lines = Path(f"/proc/{name}").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(key):
            return line.split(":", 1)[1].strip()
    return None


def _os_name() -> str:
    try:
        text = Path("/etc/os-release").read_text(encoding="utf-8")
    except OSError:
        return platform.platform()
    for line in text.splitlines():
        if line.startswith("PRETTY_NAME="):
            return (
                f"{line.split('=', 1)[1].strip(chr(34))} ({platform.system()} {platform.release()})"
            )
    return platform.platform()


def describe(started: datetime) -> list[tuple[str, str]]:
    memory = _proc("meminfo", "MemTotal")
    gib = f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB" if memory else "?"
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    return [
        ("CPU", _proc("cpuinfo", "model name") or platform.processor() or "?"),
        ("cores", str(os.cpu_count())),
        ("memory", gib),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("OS", _os_name()),
        ("date", started.isoformat(timespec="minutes")),
        ("load average at start (1, 5, 15 min)", load),
    ]
