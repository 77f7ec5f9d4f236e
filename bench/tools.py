"""Debian tools the benchmarks run (wrk, nginx, faketime): found, or installed with apt-get."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path


def find_tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )


def ensure_tool(name: str, package: str) -> str:
    """The tool's path, its Debian package installed first when it is missing (retried while
    dpkg is locked by another install)."""
    for _ in range(30):
        found = find_tool(name)
        if found:
            return found
        installed = subprocess.run(["apt-get", "install", "-y", package],
                                   capture_output=True, text=True, check=False)  # fmt: skip
        if installed.returncode != 0 and "lock" not in installed.stderr:
            raise RuntimeError(f"apt-get install {package}: {installed.stderr.strip()[-300:]}")
        time.sleep(0 if installed.returncode == 0 else 10)
    raise RuntimeError(f"{package} could not be installed (dpkg stayed locked)")
