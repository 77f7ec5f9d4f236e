"""The layers hold: import-linter's contracts (in pyproject.toml) and no import cycle between
modules, so each module can be read, tested and changed on top of the ones below it."""

from __future__ import annotations

import subprocess
import sys

import grimp
import pytest

from tests.support.seed import ROOT


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("scheduler")
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycles(graph) == [["a.x", "a.y"]]


@pytest.mark.processes
def test_the_layer_contracts_are_kept() -> None:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "lint-imports")] if (ROOT / ".venv").exists()
        else [sys.executable, "-m", "importlinter.cli"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]


def _store_annotations() -> dict[str, str]:
    """What the store hands the layers above, as annotated: the return of its public functions
    and of the public methods of its public classes, and those classes' fields; by where."""
    import dataclasses
    import importlib
    import inspect
    import pkgutil

    import scheduler.store

    found: dict[str, str] = {}

    def signature(where: str, function: object) -> None:
        assert callable(function)
        found[f"{where} ->"] = str(inspect.signature(function).return_annotation)

    for info in pkgutil.iter_modules(scheduler.store.__path__, "scheduler.store."):
        if info.name in {"scheduler.store.tables", "scheduler.store.migrations"}:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                continue
            where = f"{module.__name__}.{name}"
            if inspect.isfunction(value):
                signature(where, value)
            elif inspect.isclass(value):
                for field in dataclasses.fields(value) if dataclasses.is_dataclass(value) else ():
                    found[f"{where}.{field.name}"] = str(field.type)
                for method, function in vars(value).items():
                    if inspect.isfunction(function) and not method.startswith("_"):
                        signature(f"{where}.{method}", function)
    return found


def test_no_orm_row_leaves_the_store() -> None:
    """What the store hands out is plain values (scheduler/model/): no function, method or
    field it shows the layers above names an ORM row class of scheduler/store/tables.py."""
    import re

    from sqlmodel import SQLModel

    from scheduler.store import tables

    rows = {name for name, value in vars(tables).items()
            if isinstance(value, type) and issubclass(value, SQLModel) and value is not SQLModel}  # fmt: skip
    assert {"OutboxRow", "AccountRow", "FeedTokenRow", "CampaignRow"} <= rows
    annotations = _store_annotations()
    assert "scheduler.store.outbox.list_outbox ->" in annotations  # the scan reaches the store
    leaking = {
        where: annotation for where, annotation in annotations.items()
        if set(re.findall(r"\w+", annotation)) & rows
    }  # fmt: skip
    assert leaking == {}
