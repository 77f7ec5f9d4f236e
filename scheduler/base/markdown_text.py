"""Plan and answer text made safe to put into a Markdown document.

Text a user typed must read as that text: no HTML (`<script>`, `<img onerror=…>`) reaches a
renderer, and no character turns into Markdown structure (emphasis, links, code, headings, lists,
tables). Every character that could do so is written as an HTML entity or backslash-escaped, which
CommonMark and GitHub render as the character itself.
"""

from __future__ import annotations

import re

# Markdown syntax anywhere in a line: emphasis, code, links and images, tables, strikethrough,
# headings' closing #. (CommonMark lets any ASCII punctuation be backslash-escaped.)
_INLINE = re.compile(r"([\\`*_\[\]|~#])")
# What only means something at the start of a line: list items, setext underlines, ordered lists.
_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _escape_line(line: str) -> str:
    line = _INLINE.sub(r"\\\1", line.strip())
    # "12." stays a number followed by a period: "12\\."; "-" at the start: "\\-".
    line = _LINE_START.sub(lambda m: m[1] + "\\" if m[1][0].isdigit() else "\\" + m[1], line)
    return "".join(_HTML.get(ch, ch) for ch in line)


def markdown_inline(value: object) -> str:
    """One line of Markdown for a heading or a list item: line breaks become spaces."""
    return " ".join(_escape_line(line) for line in str(value).splitlines() if line.strip())


def markdown_block(value: object) -> str:
    """Paragraphs of Markdown: a blank line still separates paragraphs, and a line break inside
    one is kept as a hard break (a trailing backslash)."""
    paragraphs = re.split(r"\n\s*\n", str(value).strip())
    out = []
    for paragraph in paragraphs:
        lines = [_escape_line(line) for line in paragraph.splitlines() if line.strip()]
        out.append("\\\n".join(lines))
    return "\n\n".join(p for p in out if p)
