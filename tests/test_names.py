"""One name per idea: no two classes or constants of `scheduler/` share a name, and no function
is named like the module it is in (so `from scheduler.cadence import place` names one thing).

Read from the source's syntax tree, so the check needs no import. The migrations are left out:
each is a frozen copy of the values of its time and imports nothing of the live code.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "scheduler"
FROZEN = PACKAGE / "store" / "migrations"


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _is_constant(name: str) -> bool:
    """An UPPER_CASE name, public or private (`_LIMIT`): a constant by the project's style."""
    bare = name.lstrip("_")
    return bare.isupper() and bare[:1].isalpha()


def _assigned(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        targets: list[ast.expr] = []
        for target in node.targets:
            targets += target.elts if isinstance(target, ast.Tuple) else [target]
        return [target.id for target in targets if isinstance(target, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def declared_names(source: str) -> list[tuple[str, str]]:
    """The module's top-level classes and constants, as (name, "class" or "constant")."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            found.append((node.name, "class"))
        found += [(name, "constant") for name in _assigned(node) if _is_constant(name)]
    return found


def functions_named_like(source: str, module: str) -> list[str]:
    """The top-level functions with the module's own name."""
    return [
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == module
    ]


def _sources() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if FROZEN not in path.parents)


def test_no_two_classes_or_constants_share_a_name() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for path in _sources():
        for name, what in declared_names(path.read_text(encoding="utf-8")):
            where[name].append(f"{what} in {_module(path)}")
    shared = [f"{name}: {', '.join(places)}" for name, places in where.items() if len(places) > 1]
    assert not shared, "\n".join(shared)


def test_no_function_hides_its_module() -> None:
    hidden = [
        f"{_module(path)}.{name}"
        for path in _sources()
        for name in functions_named_like(path.read_text(encoding="utf-8"), path.stem)
    ]
    assert hidden == []


def test_the_checks_see_what_they_look_for() -> None:
    """The readers find a class, a private and a tuple-unpacked constant, and a module's name."""
    source = (
        "class Window: ...\n_LIMIT = 3\nA, B = 1, 2\nlower = 4\nLIMIT: int = 5\n"
        "def place(): ...\nasync def other(): ..."
    )
    assert declared_names(source) == [
        ("Window", "class"),
        ("_LIMIT", "constant"),
        ("A", "constant"),
        ("B", "constant"),
        ("LIMIT", "constant"),
    ]
    assert functions_named_like(source, "place") == ["place"]
    assert functions_named_like(source, "other") == ["other"]
    assert functions_named_like(source, "window") == []
