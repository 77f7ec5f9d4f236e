"""The nesting measure read before tomllib (scheduler/base/toml_nesting.py): deep arrays, inline
tables, long dotted keys and headers are found with their line; strings and comments never count;
any TOML that tomli_w writes for a structure is measured no deeper than that structure."""

from __future__ import annotations

import tomllib
from typing import Any

import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.base.toml_nesting import too_deep


def test_the_depth_of_each_construct_is_measured_with_its_line() -> None:
    assert too_deep("a = " + "[" * 10 + "]" * 10, 10) is None
    deep = too_deep("x = 1\n\na = " + "[" * 11 + "]" * 11, 10)
    assert deep is not None and (deep.line, deep.level) == (3, 11)
    assert too_deep("a = " + "{ b = " * 11 + "1" + "}" * 11, 10) is not None
    assert too_deep("a = " + "{ b = " * 10 + "1" + "}" * 10, 10) is None
    assert too_deep(".".join(["k"] * 11) + " = 1", 10) is None  # ten dots: ten tables down
    assert too_deep(".".join(["k"] * 12) + " = 1", 10) is not None
    assert too_deep("[" + ".".join(["t"] * 10) + "]", 10) is None  # the bracket and nine dots
    assert too_deep("[[" + ".".join(["t"] * 10) + "]]", 10) is not None
    # A value under a header counts from the header's table.
    assert too_deep("[a.b.c.d.e]\nx = [[[[[[[[[[1]]]]]]]]]]", 10) is None


def test_strings_comments_numbers_and_sibling_keys_count_for_nothing() -> None:
    text = (
        'a = "[[[[[[[[[[[[[[[[ {{{{{{{{{{{{ ..........."\n'
        "b = '[[[[[[[[[[[[[[[[[[[[[[[[[[['\n"
        'c = """\n[[[[[[[[[[[[[[[[[[[[[\n"[[[[[[[[[[[[""""\n'
        "d = '''[[[[[[[[[[[[[[[[[[[[[[['''''\n"
        "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"
        "e = [1.5, 2.5, 3.5, 1979-05-27T07:32:00.999]\n"
        'f = { a.b = 1, c.d = 2, e.f = 3, g.h = 4, i.j = 5, "k.l.m.n.o.p.q.r.s.t.u.v" = 6 }\n'
        '"q.u.o.t.e.d.k.e.y.s.x.y" = 1\n'
    )
    tomllib.loads(text)  # valid TOML
    assert too_deep(text, 3) is None


def test_a_dotted_key_of_100000_parts_is_found_at_once() -> None:
    """tomllib took half a minute on such a header and gigabytes on such a key."""
    parts = ".".join(["a"] * 100_000)
    for text in (f"[{parts}]\n", f"{parts} = 1\n", f"x = {{ {parts} = 1 }}\n"):
        found = too_deep(text, 10)
        assert found is not None and found.line == 1


# Texts full of what the measure looks for, to show that in strings and keys it is skipped.
_TRICKY = st.text(alphabet="[]{}.,=#'\"\\\nab ", max_size=30) | st.text(max_size=30)
_LEAVES = st.one_of(_TRICKY, st.integers(), st.floats(allow_nan=False), st.booleans())
_KEYS = st.text(alphabet="[]{}.,=#'\"\\ab", min_size=1, max_size=12) | st.text(
    min_size=1, max_size=12
)


def _depth(value: Any) -> int:
    """Containers inside one another, the value itself counted."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        _KEYS,
        st.recursive(
            _LEAVES,
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
            max_leaves=12,
        ),
        max_size=4,
    )
)
def test_what_tomli_w_writes_is_measured_within_twice_its_depth(data: dict[str, Any]) -> None:
    """Any text of brackets, quotes and dots in keys and strings: the measure follows the
    structure, never the text inside strings (it is at most the structure's depth for the
    values, and for headers their brackets besides)."""
    text = tomli_w.dumps(data)
    assert tomllib.loads(text) == data
    assert too_deep(text, 2 * _depth(data) + 2) is None
