"""A page's HTML read the way the tests ask about it (stdlib html.parser): the text a reader sees,
the form fields with their labels, and where an element starts in the source."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

# Text in these is not shown on the page.
_HIDDEN = {"script", "style", "title", "head"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    position: int  # the offset of its start tag in the source
    text: str = ""  # the text inside it (for labels and summaries)


class HtmlPage(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.words: list[str] = []
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self._hidden_depth = 0
        self._line_offsets = [0]
        for line in self.source.splitlines(keepends=True):
            self._line_offsets.append(self._line_offsets[-1] + len(line))
        self.feed(self.source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        element = Element(
            tag, {k: v or "" for k, v in attrs}, self._line_offsets[line - 1] + column
        )
        self.elements.append(element)
        if tag in _HIDDEN:
            self._hidden_depth += 1
        if tag not in {"input", "meta", "link", "br", "img"}:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden_depth -= 1
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        if self._hidden_depth:
            return
        self.words.append(data)
        for element in self._open:
            element.text += data

    # -- what the tests ask ---------------------------------------------------------------
    @property
    def text(self) -> str:
        """Every word a reader can see (folded parts included), spaces collapsed."""
        return " ".join(" ".join(self.words).split())

    def by_id(self, element_id: str) -> Element:
        (found,) = [e for e in self.elements if e.attrs.get("id") == element_id]
        return found

    def all(self, tag: str, **attrs: str) -> list[Element]:
        wanted = {name.rstrip("_"): value for name, value in attrs.items()}
        return [e for e in self.elements if e.tag == tag
                and all(e.attrs.get(name) == value for name, value in wanted.items())]  # fmt: skip

    def label_of(self, element_id: str) -> str:
        (label,) = [
            e for e in self.elements if e.tag == "label" and e.attrs.get("for") == element_id
        ]
        return " ".join(label.text.split())

    def end_of(self, element: Element) -> int:
        """Where `element` ends: the offset of its matching end tag (same tag, nesting counted)."""
        depth, position = 0, element.position
        tag = element.tag
        while True:
            opening = self.source.find(f"<{tag}", position + 1)
            closing = self.source.find(f"</{tag}>", position + 1)
            if opening != -1 and opening < closing:
                depth, position = depth + 1, opening
            elif depth:
                depth, position = depth - 1, closing
            else:
                return closing
