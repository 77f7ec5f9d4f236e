"""The program uses its dependencies through their public APIs only, and memoises only through
scheduler/base/caches.py: a scan of every module of scheduler/ (its syntax tree, nothing run).

What fails:
- an import of a third-party module with a private part (`openpyxl.worksheet._reader`), of an
  underscore name (`from uvicorn.config import _x`), or of a module that is a dependency's
  implementation rather than its API (`NOT_API`);
- a class derived from a dependency's class that is not one made to be derived from
  (`MADE_TO_SUBCLASS`), wherever it was imported from;
- an underscore attribute the program does not define itself (`sheet._get_source()`,
  `workbook._date_formats`), and the internals this program once reached (`INTERNALS`);
- `functools.cache` or `lru_cache` outside scheduler/base/caches.py, a memo name not declared
  there, or a declared one no module makes.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import scheduler
from scheduler.base import caches

PACKAGE = Path(scheduler.__file__).parent
CACHES = PACKAGE / "base" / "caches.py"

# Modules of dependencies that are their implementation, though no part of the name says so,
# with the public way instead.
NOT_API = {
    "uvicorn.protocols": "name the protocol with uvicorn.Config(http=…)",
    "uvicorn.importer": "uvicorn.Config resolves its own settings",
    "sqlalchemy.sql.compiler": "compile through the public API, or write the SQL",
    "sqlalchemy.engine.default": "the Dialect interface (sqlalchemy.Dialect)",
    "jinja2.runtime": "Template.render",
    "jinja2.compiler": "Environment.get_template / from_string",
    "openpyxl.reader": "openpyxl.load_workbook",
    "openpyxl.worksheet._read_only": "load_workbook(read_only=True) and its iter_rows",
}
# Dependencies' classes documented as bases for the program's own.
MADE_TO_SUBCLASS = {
    ("sqlmodel", "SQLModel"): "a table or a model",
    ("sqlalchemy.types", "TypeDecorator"): "a column type with its own conversion",
    ("sqlalchemy", "TypeDecorator"): "a column type with its own conversion",
    ("pydantic", "BaseModel"): "the settings model",
}
# Attributes of dependencies' objects this program once used, none of them public.
INTERNALS = {"positiontup", "insert_prefetch", "root_render_func", "new_context", "parse_cell",
             "valid_files", "find_sheets"}  # fmt: skip
# Underscore attributes of the standard library used on purpose (not dependencies): namedtuple's
# public `_asdict`, and argparse's help layout, which it offers no other way to read.
STANDARD_LIBRARY = {"_asdict", "_actions", "_SubParsersAction", "_positionals", "_optionals",
                    "_MutuallyExclusiveGroup"}  # fmt: skip


@dataclass(frozen=True)
class Module:
    path: Path
    tree: ast.Module

    @property
    def name(self) -> str:
        return str(self.path.relative_to(PACKAGE.parent))


def modules() -> list[Module]:
    return [Module(path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
            for path in sorted(PACKAGE.rglob("*.py"))]  # fmt: skip


MODULES = modules()


def third_party(module: str) -> bool:
    top = module.split(".")[0]
    return (
        bool(top) and top not in sys.stdlib_module_names and top not in ("scheduler", "__future__")
    )


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def not_public(module: str) -> str | None:
    """Why `module` (of a dependency) is not its API; None when it is."""
    if any(private(part) for part in module.split(".")):
        return "a private module"
    for internal, instead in NOT_API.items():
        if module == internal or module.startswith(internal + "."):
            return f"the dependency's implementation ({instead})"
    return None


def imports(module: Module) -> Iterator[tuple[int, str, str | None]]:
    """(line, module, name or None) of every third-party import."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if third_party(alias.name):
                    yield node.lineno, alias.name, None
        elif (
            isinstance(node, ast.ImportFrom) and node.level == 0 and third_party(node.module or "")
        ):
            for alias in node.names:
                yield node.lineno, str(node.module), alias.name


def imported_names(module: Module) -> dict[str, tuple[str, str | None]]:
    """Local name → (third-party module, name or None for the module itself)."""
    names: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if third_party(alias.name):
                    names[alias.asname or alias.name.split(".")[0]] = (alias.name, None)
        elif (
            isinstance(node, ast.ImportFrom) and node.level == 0 and third_party(node.module or "")
        ):
            for alias in node.names:
                names[alias.asname or alias.name] = (str(node.module), alias.name)
    return names


def base_origin(base: ast.expr, names: dict[str, tuple[str, str | None]]) -> tuple[str, str] | None:  # fmt: skip
    """(module, class) of a base class imported from a dependency; None for any other."""
    while isinstance(base, ast.Subscript):  # TypeDecorator[datetime]
        base = base.value
    parts: list[str] = []
    while isinstance(base, ast.Attribute):
        parts.insert(0, base.attr)
        base = base.value
    if not isinstance(base, ast.Name) or base.id not in names:
        return None
    module, name = names[base.id]
    if name is not None and not parts:  # `from m import C` … `class X(C)`
        return module, name
    if not parts:  # `import m` … `class X(m)`: not a class
        return None
    # `import m as a` … `class X(a.b.C)`, or `from m import b` … `class X(b.C)`
    return ".".join([module, *([name] if name else []), *parts[:-1]]), parts[-1]


def own_names() -> set[str]:
    """Every name the program defines or binds anywhere: its own attributes may be private."""
    names: set[str] = set()
    for module in MODULES:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.id if isinstance(node, ast.Name) else node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)  # __slots__ and field names
    return names


def test_the_scan_sees_the_whole_program() -> None:
    assert len(MODULES) > 150
    assert any(m.name == "scheduler/store/bulk.py" for m in MODULES)


def test_no_private_or_internal_module_or_name_of_a_dependency_is_imported() -> None:
    found = []
    for module in MODULES:
        for line, imported, name in imports(module):
            why = not_public(imported) or ("an underscore name" if name and private(name) else None)
            if why:
                found.append(f"{module.name}:{line}: {imported} {name or ''}: {why}")
    assert found == []


def test_only_classes_made_to_be_derived_from_are_derived_from() -> None:
    found = []
    for module in MODULES:
        names = imported_names(module)
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for base in node.bases:
                origin = base_origin(base, names)
                if origin is not None and origin not in MADE_TO_SUBCLASS:
                    found.append(f"{module.name}:{node.lineno}: {node.name}({'.'.join(origin)})")
    assert found == []


def test_no_private_attribute_of_a_dependency_is_used() -> None:
    own = own_names() | STANDARD_LIBRARY
    found = []
    for module in MODULES:
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Attribute):
                continue
            if (private(node.attr) and node.attr not in own) or node.attr in INTERNALS:
                found.append(f"{module.name}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("from openpyxl.worksheet._reader import WorkSheetParser", "private module"),
        ("from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol", "implementation"),
        ("from sqlalchemy.sql.compiler import SQLCompiler", "implementation"),
        ("from jinja2.runtime import new_context", "implementation"),
        ("from sqlalchemy.orm import _x", "underscore"),
    ],
)
def test_the_scan_finds_what_it_is_for(source: str, problem: str) -> None:
    """The checks above, each given one offence: they can fail."""
    module = Module(PACKAGE / "example.py", ast.parse(source))
    (found,) = list(imports(module))
    why = not_public(found[1]) or ("an underscore name" if found[2] and private(found[2]) else "")
    assert problem in why


def test_a_derived_dependency_class_is_found_wherever_it_is_imported_from() -> None:
    tree = ast.parse("import uvicorn.protocols.http.httptools_impl as h\nfrom uvicorn import Server\n"
                     "class A(h.HttpToolsProtocol): ...\nclass B(Server): ...\n")  # fmt: skip
    names = imported_names(Module(PACKAGE / "example.py", tree))
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    origins = [base_origin(c.bases[0], names) for c in classes]
    assert origins == [("uvicorn.protocols.http.httptools_impl", "HttpToolsProtocol"),
                       ("uvicorn", "Server")]  # fmt: skip
    assert not any(origin in MADE_TO_SUBCLASS for origin in origins)


def test_memo_caches_are_made_only_through_the_module_of_caches() -> None:
    found = []
    used: set[str] = set()
    for module in MODULES:
        if module.path == CACHES:
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom) and node.module == "functools":
                for alias in node.names:
                    if alias.name in ("cache", "lru_cache"):
                        found.append(f"{module.name}:{node.lineno}: functools.{alias.name}")
            elif isinstance(node, ast.Attribute) and node.attr in ("cache", "lru_cache"):
                if isinstance(node.value, ast.Name) and node.value.id == "functools":
                    found.append(f"{module.name}:{node.lineno}: functools.{node.attr}")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id in ("memo", "memoised")):  # fmt: skip
                name = node.args[0]
                assert isinstance(name, ast.Constant), f"{module.name}:{node.lineno}"
                used.add(str(name.value))
    assert found == []
    assert used - set(caches.KEPT) == set()  # every name is declared
    assert set(caches.KEPT) - used == set()  # and every declared one is used


def test_every_declared_cache_is_bounded_and_cleared_by_clear_all() -> None:
    for info in pkgutil.walk_packages(scheduler.__path__, "scheduler."):
        if ".migrations" not in info.name and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    # Each INSERT statement makes its own converters when it is first written (store/bulk.py).
    assert set(caches.KEPT) - caches.made() <= {"store.converted_moment"}
    assert all(0 < kept.size <= 16_384 and kept.why for kept in caches.KEPT.values())
    from scheduler.cadence import parse_when

    parse_when("4 ggr/år")
    assert caches.entries("cadence.parse_when") >= 1
    caches.clear_all()
    assert all(caches.entries(name) == 0 for name in caches.KEPT)
