"""Every path, module name and link the docs and the code's comments mention exists.

The docs (README.md, docs/*.md, BENCHMARKS.md) and the comments and docstrings under `scheduler/`
name files (`scheduler/web/app.py`, `tests/test_cli.py`, `docs/feeds.md`), modules
(`scheduler.cadence.parse`, `scheduler.store.engine.is_busy`) and, in Markdown, link to one another.
A rename that forgets them leaves a newcomer looking for what is not there, so each is checked
against the working tree: a path must exist, a dotted name must be a module or a name defined in
one, a relative link must reach a file and, for a Markdown heading, that heading. Only the few
words below that look like paths but are not (a user's folders, files the program makes) are let
through, each with the reason.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scheduler"

DOCS = sorted([ROOT / "README.md", ROOT / "BENCHMARKS.md", *(ROOT / "docs").glob("*.md")])

# The repository's top-level folders: a word that starts with one of them is a path from the root.
ROOT_FOLDERS = ("scheduler", "tests", "bench", "docs", "db", ".ci")
# The package's own folders: `web/agenda.py`, `templates/emails/` are read inside `scheduler/`.
PACKAGE_FOLDERS = tuple(
    sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name[0] != "_")
)

# Words that look like repository paths or module names and are not, each with why.
NOT_PATHS = {
    "db/scheduler.sqlite3": "the default database, made by `scheduler db upgrade`, ignored by git",
    "tests/screenshots/": "the browser tests' screenshots, ignored by git",
    "tests/clients/node_modules": "npm's folder, made by `make clients`, ignored by git",
    "scheduler.log": "the error log's file name, not a module",
    "scheduler.sqlite3": "the database's file name, not a module",
    "feeds/<token>/": "a folder of a bucket on a CDN (docs/feeds.md), not of the repository",
    "NNNN_what_changed.py": "the name a new migration gets (docs/CONTRIBUTING.md)",
}
# Docs other branches write, linked to before they arrive: a link to one resolves once it exists.
WRITTEN_ELSEWHERE: dict[str, str] = {}

_FOLDERS = "|".join(re.escape(name) for name in (*ROOT_FOLDERS, *PACKAGE_FOLDERS))
# A path: a known first folder, then `/` and more; not the tail of a URL or of a longer path.
PATH = re.compile(rf"(?<![\w/.~<>-])(?:{_FOLDERS})/[\w./*<>…-]*")
# A Python file named alone (`activity.py`): it must be one of the repository's.
PY_FILE = re.compile(r"(?<![\w/.*-])[A-Za-z_]\w*\.py\b")
MODULE = re.compile(r"(?<![\w.])scheduler(?:\.[A-Za-z_]\w*)+")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Mention:
    where: str  # file and line, for the failure message
    text: str


def _doc_lines() -> Iterator[tuple[str, int, str]]:
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            yield doc.relative_to(ROOT).as_posix(), number, line


@cache
def _code_prose() -> list[tuple[str, int, str]]:
    """The comments and docstrings of every module under `scheduler/`, line by line."""
    return list(_comments_and_docstrings())


def _comments_and_docstrings() -> Iterator[tuple[str, int, str]]:
    for module in sorted(PACKAGE.rglob("*.py")):
        name, source = module.relative_to(ROOT).as_posix(), module.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                yield name, token.start[0], token.string
        for start, docstring in _docstrings(ast.parse(source)):
            for offset, line in enumerate(docstring.splitlines()):
                yield name, start + offset, line


Documented = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


def _docstrings(node: ast.AST) -> Iterator[tuple[int, str]]:
    """The docstrings of a module, its classes and functions, nested ones too (statements only
    are walked: a docstring is never inside an expression)."""
    body: list[ast.stmt] = [
        *getattr(node, "body", []), *getattr(node, "orelse", []),
        *getattr(node, "finalbody", []), *getattr(node, "handlers", []),
    ]  # fmt: skip
    first = body[0] if isinstance(node, Documented) and body else None
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):  # fmt: skip
        yield first.lineno, first.value.value
    for statement in body:
        yield from _docstrings(statement)


def _prose() -> Iterator[tuple[str, int, str]]:
    yield from _doc_lines()
    yield from _code_prose()


def _clean(word: str) -> str:
    """A path as written in a sentence, without the sentence's punctuation after it."""
    return word.rstrip(".,:;)")


def _path_exists(word: str) -> bool:
    path = word.split("#")[0]
    first = path.split("/")[0]
    base = ROOT if first in ROOT_FOLDERS else PACKAGE
    if "…" in path:
        return False  # an elided path says nothing a reader can find
    if "*" in path or "<" in path:  # a pattern: `planer/*.toml`, `templates/emails/<name>.txt`
        pattern = re.sub(r"<[^>/]*>", "*", path).rstrip("/")
        return any("__pycache__" not in p.parts for p in base.glob(pattern))
    return (base / path).exists()


@cache
def _python_files() -> set[str]:
    return {p.name for folder in ("scheduler", "tests", "bench")
            for p in (ROOT / folder).rglob("*.py")}  # fmt: skip


def _defines(module: Path, names: list[str]) -> bool:
    """Whether `names` (an attribute chain) is defined at the top of `module`, or in its class."""
    body: list[ast.stmt] = ast.parse(module.read_text(encoding="utf-8")).body
    for index, name in enumerate(names):
        found: ast.stmt | None = None
        for node in body:
            if _binds(node, name):
                found = node
        if found is None:
            return False
        if index < len(names) - 1:
            if not isinstance(found, ast.ClassDef):
                return True  # an attribute of a value: the module does define the value
            body = found.body
    return True


def _binds(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    if isinstance(node, ast.Import | ast.ImportFrom):
        return any((alias.asname or alias.name.split(".")[0]) == name for alias in node.names)
    return False


def _module_exists(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        folder = ROOT.joinpath(*parts[:cut])
        module = folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")
        if module.is_file():
            return cut == len(parts) or _defines(module, parts[cut:])
    return False


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@cache
def _anchors(doc: Path) -> set[str]:
    anchors: set[str] = set()
    inside_code = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside_code = not inside_code
        elif not inside_code and line.startswith("#"):
            anchors.add(_slug(line.lstrip("#")))
    return anchors


def _missing_paths() -> list[Mention]:
    missing = []
    python_files = _python_files()
    for where, number, line in _prose():
        for word in dict.fromkeys(_clean(found) for found in PATH.findall(line)):
            if word not in NOT_PATHS and word not in WRITTEN_ELSEWHERE and not _path_exists(word):
                missing.append(Mention(f"{where}:{number}", word))
        for found in PY_FILE.findall(line):
            if found not in python_files and found not in NOT_PATHS:
                missing.append(Mention(f"{where}:{number}", found))
    return missing


def test_every_path_mentioned_exists() -> None:
    missing = _missing_paths()
    assert not missing, "\n".join(f"{m.where}: {m.text}" for m in missing)


def test_every_module_name_mentioned_exists() -> None:
    missing = [
        Mention(f"{where}:{number}", name)
        for where, number, line in _prose()
        for name in (_clean(found) for found in MODULE.findall(line))
        if name not in NOT_PATHS and not _module_exists(name)
    ]
    assert not missing, "\n".join(f"{m.where}: {m.text}" for m in missing)


def _broken_links(doc: Path, line: str) -> list[str]:
    """The relative links of one line of `doc` that lead nowhere: no such file, or no such
    heading in the Markdown file they aim at."""
    broken = []
    for target in LINK.findall(line):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto: …: not the repository's
        path, _, anchor = target.partition("#")
        aimed = (doc.parent / path).resolve() if path else doc
        if not aimed.exists():
            if _relative(aimed) not in WRITTEN_ELSEWHERE:
                broken.append(target)
        elif anchor and aimed.suffix == ".md" and anchor not in _anchors(aimed):
            broken.append(f"{target} (no such heading)")
    return broken


def test_every_relative_link_resolves() -> None:
    broken = [f"{where}:{number}: {target}"
              for where, number, line in _doc_lines()
              for target in _broken_links(ROOT / where, line)]  # fmt: skip
    assert not broken, "\n".join(broken)


def test_the_docs_stand_on_their_own() -> None:
    """Nothing in the docs points outside the repository (a clone has no `../shared`)."""
    outside = [
        f"{where}:{number}"
        for where, number, line in _doc_lines()
        if "../shared" in line
        or any(not (ROOT / where).parent.joinpath(target.partition("#")[0]).resolve()
               .is_relative_to(ROOT) for target in LINK.findall(line)
               if not re.match(r"[a-z]+:", target))
    ]  # fmt: skip
    assert not outside, outside


@pytest.mark.parametrize(
    "word",
    ["scheduler/web/nothing.py", "tests/test_nothing.py", "web/nothing.py", "nothing_here.py"],
)
def test_a_path_that_is_not_there_is_found(word: str) -> None:
    """The check can fail: a made-up path in a sentence is reported."""
    line = f"See `{word}`, which explains it."
    found = [_clean(w) for w in PATH.findall(line)] or PY_FILE.findall(line)
    assert found == [word]
    assert not _path_exists(word) or word not in _python_files()


def test_a_module_name_that_is_not_there_is_found() -> None:
    assert _module_exists("scheduler.cadence.parse")
    assert _module_exists("scheduler.store.engine.is_busy")
    assert not _module_exists("scheduler.cadence.nothing")
    assert not _module_exists("scheduler.store.engine.nothing")


def test_a_link_that_leads_nowhere_is_found() -> None:
    doc = ROOT / "docs" / "CONTRIBUTING.md"
    assert _broken_links(doc, "[the layers](ARCHITECTURE.md#the-layers)") == []
    assert _broken_links(doc, "[x](nothing.md) and [y](https://example.org/nothing)") == [
        "nothing.md"
    ]
    assert _broken_links(doc, "[x](ARCHITECTURE.md#nothing)") == [
        "ARCHITECTURE.md#nothing (no such heading)"
    ]


def test_anchors_are_made_as_github_makes_them() -> None:
    assert _slug("When the dispatcher inside `scheduler serve` wakes") == (
        "when-the-dispatcher-inside-scheduler-serve-wakes"
    )
    assert _slug("The suite's parts") == "the-suites-parts"
    assert _slug("Cadence: what a När means") == "cadence-what-a-när-means"
    assert _slug("`scheduler plan --json`") == "scheduler-plan---json"
