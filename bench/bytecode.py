"""The package's bytecode compiled before anything is timed, as an installed package has it.

pip compiles a package's modules when it installs it, and a Python that may write bytecode
caches it at the first run; this machine sets PYTHONDONTWRITEBYTECODE, under which every
`python -m scheduler` of a source checkout would compile every module again (about 0.2 s of each
process here). The benches time the program as deployed, so they compile once first."""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "scheduler"


def compile_package() -> None:
    if not compileall.compile_dir(PACKAGE, quiet=1):
        raise RuntimeError(f"{PACKAGE}: a module does not compile")
