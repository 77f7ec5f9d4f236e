"""The årshjul drawn as SVG. Pure and deterministic: the same wheel gives the same bytes.

The year runs clockwise from the top, January first, in twelve equal month sectors; a narrow gap
at the top, between December and January, holds each ring's number. Each measure's short name
stands beside the wheel with a leader line to its marks (`_labels`), so the picture reads
without a mouse: on a phone, in print, in the PNG and the PDF. Rings go from the outside in
in plan order, and each measure of a ring has its own lane (a circle at its own radius), so a
measure's meetings read as a row of marks around the year. Meetings are circles and tasks
diamonds, so colour is never the only cue; every mark's colour has at least 3:1 contrast with what
it sits on (WCAG 2.1 AA, non-text contrast).

Built with ElementTree, so every text from the plan is escaped; only presentation attributes, no
<style> or script, so it renders alike in browsers, in resvg (the PNG) and under a strict
Content-Security-Policy.
"""

from __future__ import annotations

import math
import textwrap
import xml.etree.ElementTree as ET
from calendar import monthrange
from datetime import date

from scheduler.arshjul.wheel import Mark, Ring, Wheel
from scheduler.base.swedish import MONTH_WORDS, count
from scheduler.base.templating import swedish_date
from scheduler.model.occurrence import OccurrenceKind

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 1400  # the wheel in the middle, its measures' labels on either side
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"  # fmt: skip

BACKGROUND = "#ffffff"
RING_FILL = "#eef1f4"
TEXT_COLOUR = "#1f2937"
MUTED_TEXT = "#4b5563"
GRID = "#9aa5b1"
LANE_LINE = "#c9d1da"
TODAY = "#111827"
# One colour per area in plan order, repeating after eight (the ring's place and number still
# tell the areas apart). Each has at least 3:1 contrast with BACKGROUND and RING_FILL
# (tests/test_arshjul.py checks it).
PALETTE = ("#1f5fa8", "#b5400c", "#1d7a46", "#7b3fa0", "#a31f5e", "#6b5b00", "#0b6f7a", "#6d4c2f")

GAP_DEGREES = 8.0  # between December and January, for the ring numbers
MONTH_DEGREES = (360.0 - GAP_DEGREES) / 12
HOLE_RADIUS = 100.0  # the middle, with the year
OUTER_RADIUS = 350.0
MONTH_LABEL_RADIUS = 368.0  # where a label's edge nearest the wheel stands
RING_GAP = 6.0
MAX_LANE_WIDTH = 34.0
WHEEL_HALF_HEIGHT = 400.0  # from the centre to beyond the month labels
LINE = 24.0  # legend line height
WRAP = 120  # characters per legend line
LABEL_X = 480.0  # from the centre to a label's edge nearest the wheel, beyond the month names
LABEL_SIZE = 13.0
LABEL_GAP = 17.0  # between two labels' baselines: they never overlap
LABEL_CHARS = 30  # a measure's short name
LEADER = "#6b7280"  # 4.8:1 on white: a leader line is seen


def area_colour(number: int) -> str:
    """The colour of the area with this number (plan order, from 1)."""
    return PALETTE[(number - 1) % len(PALETTE)]


def angle_of(day: date) -> float:
    """Degrees clockwise from the top: the middle of the day within its month's sector."""
    days = monthrange(day.year, day.month)[1]
    return GAP_DEGREES / 2 + (day.month - 1 + (day.day - 0.5) / days) * MONTH_DEGREES


def render_svg(wheel: Wheel) -> str:
    builder = _Builder(wheel)
    return builder.svg()


class _Builder:
    def __init__(self, wheel: Wheel) -> None:
        self.wheel = wheel
        self.root = ET.Element("svg")
        # The wheel is drawn around (0, 0) in a group moved to its place below the header.
        self.cx = self.cy = 0.0

    def svg(self) -> str:
        body = ET.Element("g")
        centre_y = self._header(body) + 20 + WHEEL_HALF_HEIGHT
        drawing = _element(body, "g", id="hjul",
                           transform=f"translate({_number(WIDTH / 2)} {_number(centre_y)})")  # fmt: skip
        self.bounds = self._ring_bounds()
        self._rings(drawing)
        self._months(drawing)
        self._today(drawing)
        for ring, outer, lane_width in self.bounds:
            self._marks(drawing, ring, outer, lane_width)
        self._ring_numbers(drawing)
        self._labels(drawing)
        self._centre(drawing)
        height = math.ceil(self._legend(body, centre_y + WHEEL_HALF_HEIGHT + 20))

        root = self.root
        for name, value in (("xmlns", SVG_NS), ("version", "1.1"),
                            ("viewBox", f"0 0 {WIDTH} {height}"), ("width", str(WIDTH)),
                            ("height", str(height)), ("role", "img"),
                            ("aria-labelledby", "arshjul-titel arshjul-beskrivning"),
                            ("font-family", FONT), ("lang", "sv")):  # fmt: skip
            root.set(name, value)
        _text_element(root, "title", self._title(), id="arshjul-titel")
        _text_element(root, "desc", self._description(), id="arshjul-beskrivning")
        _element(root, "rect", width=WIDTH, height=height, fill=BACKGROUND)
        root.append(body)
        ET.indent(root, space=" ")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"

    # What a screen reader says (the picture is role="img").

    def _title(self) -> str:
        wheel = self.wheel
        title = f"Årshjul {wheel.year}: {wheel.organisation}"
        return f"{title} ({wheel.chosen})" if wheel.chosen else title

    def _description(self) -> str:
        wheel = self.wheel
        parts = ["Årets möten och uppgifter runt ett hjul med årets tolv månader, januari överst "
                 "och medurs. Möten är cirklar och uppgifter romber; det som pågår en tid är "
                 "en båge."]  # fmt: skip
        if wheel.rings:
            rings = "; ".join(f"{ring.label} {ring.area} ({_counts(ring)})" for ring in wheel.rings)
            parts.append(f"En ring per område, utifrån och in: {rings}.")
        else:
            parts.append("Inga daterade möten eller uppgifter.")
        if wheel.without_marks:
            parts.append(f"Utan daterade möten eller uppgifter: {', '.join(wheel.without_marks)}.")
        if self._today_shown():
            parts.append(f"Visaren står på i dag, {swedish_date(wheel.today)}.")
        return " ".join(_one_line(part) for part in parts)

    # The picture.

    def _header(self, parent: ET.Element) -> float:
        wheel = self.wheel
        _text(parent, f"Årshjul {wheel.year}", x=30, y=48, size=28, weight="bold")
        y = 48.0
        for line in _wrap(wheel.organisation):
            y += 26
            _text(parent, line, x=30, y=y, size=17)
        if wheel.chosen:
            for line in _wrap(wheel.chosen):
                y += 24
                _text(parent, line, x=30, y=y, size=17, weight="bold")
        return y

    def _ring_bounds(self) -> list[tuple[Ring, float, float]]:
        """Each ring with its outer radius and lane width, from the outside in."""
        rings = self.wheel.rings
        lanes = sum(len(ring.lanes) for ring in rings)
        if not lanes:
            return []
        room = OUTER_RADIUS - HOLE_RADIUS - RING_GAP * len(rings)
        lane_width = min(MAX_LANE_WIDTH, room / lanes)
        bounds, outer = [], OUTER_RADIUS
        for ring in rings:
            bounds.append((ring, outer, lane_width))
            outer -= lane_width * len(ring.lanes) + RING_GAP
        return bounds

    def _rings(self, parent: ET.Element) -> None:
        group = _element(parent, "g", fill="none")
        for edge in (OUTER_RADIUS, HOLE_RADIUS):  # the wheel's outline, even with no rings
            _element(group, "circle", cx=self.cx, cy=self.cy, r=edge, stroke=GRID,
                     **{"stroke-width": 1})  # fmt: skip
        for ring, outer, lane_width in self.bounds:
            width = lane_width * len(ring.lanes)
            _element(group, "circle", cx=self.cx, cy=self.cy, r=outer - width / 2,
                     stroke=RING_FILL, **{"stroke-width": width})  # fmt: skip
            for lane in range(len(ring.lanes)):
                _element(group, "circle", cx=self.cx, cy=self.cy,
                         r=outer - (lane + 0.5) * lane_width, stroke=LANE_LINE,
                         **{"stroke-width": 0.75})  # fmt: skip

    def _months(self, parent: ET.Element) -> None:
        lines = _element(parent, "g", stroke=GRID, **{"stroke-width": 1})
        labels = _element(parent, "g", fill=TEXT_COLOUR, **{"font-size": 16})
        for month in range(12):
            start = GAP_DEGREES / 2 + month * MONTH_DEGREES
            self._radial(lines, start, HOLE_RADIUS, OUTER_RADIUS + 8)
            middle = start + MONTH_DEGREES / 2
            # Labels on the sides grow away from the wheel; those at the top and bottom centre.
            side = math.sin(math.radians(middle))
            anchor = "start" if side > 0.4 else "end" if side < -0.4 else "middle"
            radius = MONTH_LABEL_RADIUS + (14 if anchor == "middle" else 0)
            x, y = self._point(middle, radius)
            label = _element(labels, "text", x=x, y=y, dy="0.35em", **{"text-anchor": anchor})
            label.text = MONTH_WORDS[month].capitalize()
        self._radial(lines, 360 - GAP_DEGREES / 2, HOLE_RADIUS, OUTER_RADIUS + 8)

    def _today_shown(self) -> bool:
        return self.wheel.today.year == self.wheel.year

    def _today(self, parent: ET.Element) -> None:
        if not self._today_shown():
            return
        today = self.wheel.today
        angle = angle_of(today)
        hand = _element(parent, "g", id="i-dag", **{"data-date": today.isoformat()})
        _text_element(hand, "title", f"I dag: {swedish_date(today)}")
        self._radial(hand, angle, HOLE_RADIUS, OUTER_RADIUS + 14, stroke=TODAY,
                     **{"stroke-width": 2.5})  # fmt: skip
        x, y = self._point(angle, OUTER_RADIUS + 14)
        _element(hand, "circle", cx=x, cy=y, r=4.5, fill=TODAY)

    def _marks(self, parent: ET.Element, ring: Ring, outer: float, lane_width: float) -> None:
        size = max(3.0, min(9.0, lane_width * 0.36))
        self._periods(parent, ring, outer, lane_width, size)
        if not ring.marks:
            return
        group = _element(parent, "g", fill=area_colour(ring.number), stroke=BACKGROUND,
                         **{"stroke-width": 1, "data-area": ring.area})  # fmt: skip
        for mark in ring.marks:
            x, y = self._point(angle_of(mark.day), outer - (mark.lane + 0.5) * lane_width)
            _mark(group, mark, x, y, size)

    def _periods(self, parent: ET.Element, ring: Ring, outer: float, lane_width: float,
                 size: float) -> None:  # fmt: skip
        """A measure that goes on over a stretch ("Löpande under året") as an arc in its lane,
        from its first to its last day, as thick as a mark."""
        colour = area_colour(ring.number)
        for period in ring.periods:
            radius = outer - (period.lane + 0.5) * lane_width
            start, end = angle_of(period.first), angle_of(period.last)
            x1, y1 = self._point(start, radius)
            x2, y2 = self._point(end, radius)
            large = 1 if end - start > 180 else 0
            arc = _element(parent, "path", fill="none", stroke=colour, opacity=0.85,
                           d=f"M{_number(x1)},{_number(y1)} A{_number(radius)},{_number(radius)} 0 "
                             f"{large} 1 {_number(x2)},{_number(y2)}",
                           **{"stroke-width": _number(size * 1.3), "stroke-linecap": "round",
                              "data-period": f"{period.first.isoformat()}/{period.last.isoformat()}"})  # fmt: skip
            _text_element(arc, "title", period.title)

    def _ring_numbers(self, parent: ET.Element) -> None:
        group = _element(parent, "g", **{"text-anchor": "middle", "font-weight": "bold"})
        for ring, outer, lane_width in self.bounds:
            radius = min(10.0, lane_width * len(ring.lanes) / 2)
            if radius < 6:  # too narrow to read: the legend names the rings
                continue
            y = self.cy - (outer - lane_width * len(ring.lanes) / 2)
            _element(group, "circle", cx=self.cx, cy=y, r=radius, fill=area_colour(ring.number))
            _text(group, str(ring.label), x=self.cx, y=y, size=radius * 1.2,
                  fill=BACKGROUND, dy="0.35em")  # fmt: skip

    def _labels(self, parent: ET.Element) -> None:
        """Each measure's short name beside the wheel, on the side where its middle mark is, at
        that mark's height where there is room; a leader line from the mark to its name. Names
        on one side are pushed apart to LABEL_GAP, so none overlaps another."""
        found: list[tuple[float, float, float, str, Ring]] = []  # angle, x, y, name, ring
        for ring, outer, lane_width in self.bounds:
            arcs = {period.lane: period for period in ring.periods}
            for lane, title in enumerate(ring.lanes):
                marks = ring.lane_marks(lane)
                if marks:  # its middle mark: both sides fill
                    angle = angle_of(marks[len(marks) // 2].day)
                elif lane in arcs:  # the middle of its period
                    first, last = arcs[lane].first, arcs[lane].last
                    angle = angle_of(first + (last - first) / 2)
                else:
                    continue
                x, y = self._point(angle, outer - (lane + 0.5) * lane_width)
                found.append((angle, x, y, short_name(title), ring))
        if not found:
            return
        group = _element(parent, "g", id="etiketter", **{"font-size": LABEL_SIZE})
        for side in (1, -1):
            placed = sorted((item for item in found if (item[0] < 180) == (side == 1)),
                            key=lambda item: item[2])  # fmt: skip
            for (angle, x, y, name, ring), label_y in zip(placed, _spread([i[2] for i in placed]),
                                                          strict=True):  # fmt: skip
                label = _element(group, "g")
                ex, ey = self._point(angle, OUTER_RADIUS + 4)
                lx = side * (LABEL_X - 6)
                _element(label, "polyline", fill="none", stroke=LEADER, **{"stroke-width": 0.8},
                         points=" ".join(f"{_number(a)},{_number(b)}"
                                         for a, b in ((x, y), (ex, ey), (lx, label_y))))  # fmt: skip
                _element(label, "circle", cx=side * (LABEL_X - 6), cy=label_y, r=2.5,
                         fill=area_colour(ring.number))  # fmt: skip
                _text(label, name, x=side * LABEL_X, y=label_y, size=LABEL_SIZE, dy="0.35em",
                      anchor="start" if side == 1 else "end")  # fmt: skip

    def _centre(self, parent: ET.Element) -> None:
        wheel = self.wheel
        group = _element(parent, "g", **{"text-anchor": "middle"})
        if self._today_shown():
            _text(group, str(wheel.year), x=self.cx, y=self.cy - 6, size=34, weight="bold")
            today = f"i dag {wheel.today.day} {MONTH_WORDS[wheel.today.month - 1]}"
            _text(group, today, x=self.cx, y=self.cy + 22, size=15, fill=MUTED_TEXT)
        else:
            _text(group, str(wheel.year), x=self.cx, y=self.cy, size=34, weight="bold", dy="0.35em")

    def _legend(self, parent: ET.Element, y: float) -> float:
        """The legend from `y` down; gives where it ends."""
        wheel = self.wheel
        legend = _element(parent, "g", id="teckenforklaring")
        if wheel.rings:
            _text(legend, "Områden, utifrån och in", x=30, y=y, size=17, weight="bold")
        for ring in wheel.rings:
            y += LINE + 6
            colour = area_colour(ring.number)
            _element(legend, "circle", cx=41, cy=y - 5, r=11, fill=colour)
            _text(legend, str(ring.label), x=41, y=y - 5, size=12, weight="bold",
                  fill=BACKGROUND, dy="0.35em", anchor="middle")  # fmt: skip
            lines = _wrap(f"{ring.area} ({_counts(ring)})")
            for number, line in enumerate(lines):
                _text(legend, line, x=62, y=y, size=16)
                if number < len(lines) - 1:
                    y += LINE
        if not wheel.rings and not wheel.without_marks:
            y += LINE
            _text(legend, "Inga daterade möten eller uppgifter.", x=30, y=y, size=16)
        if wheel.without_marks:
            y += LINE + 10
            for number, line in enumerate(_wrap("Utan daterade möten eller uppgifter: "
                                                + ", ".join(wheel.without_marks))):  # fmt: skip
                y += LINE if number else 0
                _text(legend, line, x=30, y=y, size=15, fill=MUTED_TEXT)
        y += LINE + 16
        symbols = _element(legend, "g", fill=TEXT_COLOUR)
        _element(symbols, "circle", cx=41, cy=y - 5, r=7)
        _text(symbols, "Möte", x=56, y=y, size=16)
        _element(symbols, "path", d=_diamond(151, y - 5, 8.5))
        _text(symbols, "Uppgift", x=166, y=y, size=16)
        if self._today_shown():
            _element(symbols, "line", x1=262, y1=y - 5, x2=292, y2=y - 5, stroke=TODAY,
                     **{"stroke-width": 2.5})  # fmt: skip
            _element(symbols, "circle", cx=292, cy=y - 5, r=4.5, fill=TODAY)
            _text(symbols, f"I dag, {swedish_date(wheel.today)}", x=304, y=y, size=16)
        return y + 24

    # Geometry.

    def _point(self, degrees: float, radius: float) -> tuple[float, float]:
        radians = math.radians(degrees)
        return self.cx + radius * math.sin(radians), self.cy - radius * math.cos(radians)

    def _radial(
        self, parent: ET.Element, degrees: float, inner: float, outer: float, **style: object
    ) -> None:
        x1, y1 = self._point(degrees, inner)
        x2, y2 = self._point(degrees, outer)
        _element(parent, "line", x1=x1, y1=y1, x2=x2, y2=y2, **style)


def _mark(parent: ET.Element, mark: Mark, x: float, y: float, size: float) -> None:
    group = _element(parent, "g", transform=f"translate({_number(x)} {_number(y)})",
                     **{"data-uid": mark.uid, "data-date": mark.day.isoformat(),
                        "data-kind": mark.kind})  # fmt: skip
    _text_element(group, "title", mark.title)
    if mark.kind == OccurrenceKind.MEETING:
        _element(group, "circle", r=size)
    else:  # a diamond of about the circle's area
        _element(group, "path", d=_diamond(0, 0, size * 1.25))


def short_name(title: str) -> str:
    """A measure's name as it fits beside the wheel: whole words, at most LABEL_CHARS, "…" when
    cut."""
    text = _one_line(title)
    if len(text) <= LABEL_CHARS:
        return text
    return textwrap.shorten(text, LABEL_CHARS, placeholder=" …", break_on_hyphens=False)


def _spread(wanted: list[float]) -> list[float]:
    """Heights for labels wanting `wanted` (in order), at least LABEL_GAP apart, within the
    wheel's height where they fit: pushed down where they crowd, then back up from the bottom."""
    top, bottom = -WHEEL_HALF_HEIGHT + 10, WHEEL_HALF_HEIGHT - 10
    placed: list[float] = []
    for y in wanted:
        placed.append(max(y, top, placed[-1] + LABEL_GAP if placed else top))
    for index in range(len(placed) - 1, -1, -1):
        limit = bottom if index == len(placed) - 1 else placed[index + 1] - LABEL_GAP
        placed[index] = min(placed[index], limit)
    return placed


def _diamond(x: float, y: float, half: float) -> str:
    points = [(x, y - half), (x + half, y), (x, y + half), (x - half, y)]
    return "M" + " L".join(f"{_number(px)},{_number(py)}" for px, py in points) + " Z"


def _counts(ring: Ring) -> str:
    parts = []
    if ring.meetings:
        parts.append(count(ring.meetings, "möte"))
    if ring.tasks:
        parts.append(count(ring.tasks, "uppgift"))
    if ring.periods:
        parts.append(count(len(ring.periods), "löpande åtgärd", "löpande åtgärder"))
    return ", ".join(parts)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(_one_line(text), WRAP, break_on_hyphens=False) or [""]


def _number(value: float) -> str:
    """Two decimals at most, without trailing zeros or a negative zero: stable bytes."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _element(parent: ET.Element, tag: str, **attributes: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    for name, value in attributes.items():
        element.set(name, _number(value) if isinstance(value, float | int) else str(value))
    return element


def _text_element(parent: ET.Element, tag: str, text: str, **attributes: object) -> ET.Element:
    element = _element(parent, tag, **attributes)
    element.text = _one_line(text)
    return element


def _text(
    parent: ET.Element,
    text: str,
    *,
    x: float,
    y: float,
    size: float,
    weight: str | None = None,
    fill: str = TEXT_COLOUR,
    dy: str | None = None,
    anchor: str | None = None,
) -> None:
    attributes: dict[str, object] = {"x": x, "y": y, "font-size": size, "fill": fill}
    if weight:
        attributes["font-weight"] = weight
    if dy:
        attributes["dy"] = dy
    if anchor:
        attributes["text-anchor"] = anchor
    _text_element(parent, "text", text, **attributes)
