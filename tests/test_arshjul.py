"""The årshjul: one mark per dated meeting and task the agenda lists, at its date's angle, for the
whole plan, one area or one role; titles, escaping, structure, the PNG; and a look in Chromium."""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
import xml.etree.ElementTree as ET
import zlib
from datetime import date
from pathlib import Path

import pytest

from scheduler.arshjul.png import svg_to_png
from scheduler.arshjul.svg import (
    BACKGROUND,
    LABEL_GAP,
    PALETTE,
    RING_FILL,
    WIDTH,
    render_svg,
    short_name,
)
from scheduler.arshjul.wheel import PLAN_RING, build_wheel, choose_area, choose_role
from scheduler.base.errors import ResourceError, UsageError
from scheduler.base.templating import swedish_date
from scheduler.base.time import STOCKHOLM
from scheduler.model.plan import Area, Measure, Plan
from tests.support.cli import Cli
from tests.support.feeds_fixture import Scheduled, scheduled_plan
from tests.support.seed import SEED_PLAN

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2024, 3, 13)
SCREENSHOTS = Path(__file__).parent / "screenshots"


# Reading the SVG back.


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def marks(root: ET.Element) -> list[ET.Element]:
    return [element for element in root.iter() if "data-uid" in element.attrib]


def uids(root: ET.Element) -> set[str]:
    found = [element.attrib["data-uid"] for element in marks(root)]
    assert len(found) == len(set(found)), "a UID marked twice"
    return set(found)


def _translate(element: ET.Element) -> tuple[float, float]:
    match = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)", element.attrib["transform"])
    assert match, element.attrib["transform"]
    return float(match[1]), float(match[2])


def positions(root: ET.Element) -> dict[str, tuple[float, float]]:
    """Each mark's place relative to the wheel's centre, x to the right and y upwards."""
    wheel = next(e for e in root.iter(f"{SVG}g") if e.get("id") == "hjul")
    cx, cy = _translate(wheel)
    found = {}
    for mark in marks(wheel):
        x, y = _translate(mark)
        found[mark.attrib["data-uid"]] = (x, -y)
    assert len(found) == len(marks(root)), "every mark is drawn on the wheel"
    assert (cx, cy) != (0, 0)
    return found


def clockwise_from_top(x: float, y: float) -> float:
    return math.degrees(math.atan2(x, y)) % 360


def title_of(element: ET.Element) -> str:
    title = element.find(f"{SVG}title")
    assert title is not None and title.text
    return title.text


# The CLI.


def imported(cli: Cli) -> Cli:
    result = cli("import", str(SEED_PLAN))
    assert result.code == 0, result.err
    return cli


def agenda(cli: Cli, *extra: str) -> list[dict[str, object]]:
    result = cli("agenda", "--json", "--year", "2024", *extra)
    assert result.code == 0, result.err
    entries: list[dict[str, object]] = json.loads(result.out)
    return entries


def published(entries: list[dict[str, object]]) -> set[str]:
    return {str(e["uid"]) for e in entries if e["status"] != "cancelled"}


def wheel_file(cli: Cli, path: Path, *extra: str) -> ET.Element:
    result = cli("arshjul", str(path), "--year", "2024", "--idag", TODAY.isoformat(), *extra)
    assert result.code == 0, result.err
    assert result.err == ""
    return parse(path.read_text(encoding="utf-8"))


def test_one_mark_per_dated_occurrence_the_agenda_lists(cli: Cli, tmp_path: Path) -> None:
    imported(cli)
    entries = agenda(cli)
    assert len(entries) > 50  # the seed plan's year is full of meetings and tasks
    root = wheel_file(cli, tmp_path / "arshjul.svg")
    assert uids(root) == published(entries)

    # A cancelled meeting leaves the wheel; a moved one stands at its new date.
    first, second = [e for e in entries if e["kind"] == "meeting"][:2]
    assert cli("cancel", str(first["uid"])).code == 0
    moved_to = "2024-10-02"
    assert cli("move", str(second["uid"]), moved_to).code == 0
    after = agenda(cli)
    assert str(first["uid"]) not in published(after)
    root = wheel_file(cli, tmp_path / "arshjul.svg")
    assert uids(root) == published(after) == published(entries) - {str(first["uid"])}
    moved = next(m for m in marks(root) if m.attrib["data-uid"] == second["uid"])
    assert moved.attrib["data-date"] == moved_to
    assert swedish_date(date.fromisoformat(moved_to)) in title_of(moved)


def test_one_area_or_one_role_shows_only_its_marks(sqlite_cli: Cli, tmp_path: Path) -> None:
    entries = agenda(imported(sqlite_cli))
    areas = {str(e["area"]) for e in entries if e["area"]}  # not the plan's own hand-in task
    assert len(areas) == 2  # the seed dates two of its five areas
    for area in sorted(areas):
        # Any case will do, as the coordinator types it.
        root = wheel_file(sqlite_cli, tmp_path / "omrade.svg", "--omrade", area.upper())
        assert uids(root) == published([e for e in entries if e["area"] == area])
        assert {g.attrib["data-area"] for g in root.iter(f"{SVG}g") if "data-area" in g.attrib} == {
            area
        }
        assert f"Område: {area}" in title_of(root)

    role = "Kommunpolis"
    root = wheel_file(sqlite_cli, tmp_path / "roll.svg", "--roll", "kommunpolisen")
    expected = published(agenda(sqlite_cli, "--role", role))
    assert expected and expected < published(entries)
    assert uids(root) == expected
    assert f"Roll: {role}" in title_of(root)


def test_an_unknown_area_or_role_is_one_line_naming_the_known_ones(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    imported(sqlite_cli)
    path = tmp_path / "arshjul.svg"
    result = sqlite_cli("arshjul", str(path), "--omrade", "Parkerna")
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("Fel: okänt område «Parkerna»")
    assert "Unga i riskzon för destruktivt beteende" in result.err
    assert "Kriminella miljöer och livsstilar" in result.err

    result = sqlite_cli("arshjul", str(path), "--roll", "Brandkåren")
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("Fel: okänd roll «Brandkåren»")
    assert "Kommunpolis" in result.err and "Trygghetssamordnare" in result.err

    result = sqlite_cli("arshjul", str(tmp_path / "arshjul.pdf"))
    assert (result.code, result.err) == (
        2,
        "Fel: skriv årshjulet till en .svg- eller .png-fil (fick «arshjul.pdf»).\n",
    )
    assert not path.exists() and not (tmp_path / "arshjul.pdf").exists()


def test_a_district_gets_the_wheel_of_its_own_plan(tmp_path: Path) -> None:
    from scheduler.plan.files import write_plan
    from tests.support.cli import upgraded_cli
    from tests.support.districts import NORRMALM, norrmalm_plan, write_two_district_config

    cli = upgraded_cli(write_two_district_config(tmp_path, f"sqlite:///{tmp_path / 'two.sqlite3'}"))
    write_plan(norrmalm_plan(), tmp_path / "norrmalm-2024.toml")
    for plan_file in (SEED_PLAN, tmp_path / "norrmalm-2024.toml"):
        assert cli("import", str(plan_file)).code == 0
    unnamed = cli("arshjul", str(tmp_path / "arshjul.svg"), "--year", "2024")
    assert unnamed.code == 2 and "--organisation" in unnamed.err
    wheels = {}
    for district in ("kungsholmen", "norrmalm"):
        root = wheel_file(cli, tmp_path / f"{district}.svg", "--organisation", district)
        assert uids(root) == published(agenda(cli, "--organisation", district))
        wheels[district] = root
    assert not uids(wheels["kungsholmen"]) & uids(wheels["norrmalm"])
    assert title_of(wheels["norrmalm"]) == f"Årshjul 2024: {NORRMALM}"
    norrmalm_titles = [title_of(m) for m in marks(wheels["norrmalm"])]
    assert any(t.startswith("SSP Norrmalm – ") for t in norrmalm_titles)
    assert not any(
        t.startswith("SSP Norrmalm") for t in map(title_of, marks(wheels["kungsholmen"]))
    )


# The picture itself, from the schedule (pure).


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Scheduled:
    return scheduled_plan(tmp_path_factory.mktemp("arshjul"))


def seed_svg(seed: Scheduled, **chosen: str) -> str:
    return render_svg(build_wheel(seed.schedule(), seed.rows(), today=TODAY, **chosen))


def test_a_mark_stands_at_its_dates_angle(seed: Scheduled) -> None:
    root = parse(seed_svg(seed))
    days = {m.attrib["data-uid"]: date.fromisoformat(m.attrib["data-date"]) for m in marks(root)}
    places = positions(root)
    rows = {row.uid: row for row in seed.rows()}
    for uid, (x, y) in places.items():
        day = days[uid]
        assert day == rows[uid].start.astimezone(STOCKHOLM).date()
        angle = clockwise_from_top(x, y)
        # January at the top and clockwise: the share of the year gone by, within a few degrees
        # (months are drawn equally wide, with a narrow gap at the top).
        share = ((day - date(day.year, 1, 1)).days + 0.5) / 366
        assert abs(angle - share * 360) < 6, (uid, day, angle)
        if day.month == 2:  # February: upper right
            assert x > 0 and y > 0
        if day.month in (4, 5):  # April and May: lower right
            assert x > 0 and y < 0
        if day.month in (8, 9):  # August, September: lower left (September's last days, left)
            assert x < 0
        if day.month in (11, 12):  # November, December: upper left
            assert x < 0 and y > 0
    months = {day.month for day in days.values()}
    assert {2, 4, 5, 8, 11} <= months  # the checks above were made


def test_later_dates_stand_further_round_and_each_area_has_its_ring(seed: Scheduled) -> None:
    root = parse(seed_svg(seed))
    places = positions(root)
    by_day: dict[str, list[float]] = {}
    for mark in marks(root):
        angle = clockwise_from_top(*places[mark.attrib["data-uid"]])
        by_day.setdefault(mark.attrib["data-date"], []).append(angle)
    assert all(max(a) - min(a) < 0.1 for a in by_day.values())  # one day, one angle
    angles = [min(by_day[day]) for day in sorted(by_day)]
    assert all(earlier < later for earlier, later in itertools.pairwise(angles))
    # Rings: every mark of an area lies between its ring's radii, and the rings do not overlap.
    spans = {}
    for group in (g for g in root.iter(f"{SVG}g") if "data-area" in g.attrib):
        radii = [math.hypot(*places[m.attrib["data-uid"]]) for m in marks(group)]
        spans[group.attrib["data-area"]] = (min(radii), max(radii))
    areas = [area.name for area in seed.schedule().stored.plan.areas] + [PLAN_RING]
    assert list(spans) == [area for area in areas if area in spans]  # plan order, outside in
    # The seed's two dated areas, the test's weekly meeting, and the plan's own hand-in inside.
    assert len(spans) == 4
    for (_, (inner, _)), (_, (_, outer)) in itertools.pairwise(spans.items()):
        assert outer < inner


def test_today_is_a_hand_at_its_angle_and_only_in_the_plans_year(seed: Scheduled) -> None:
    root = parse(seed_svg(seed))
    hand = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "i-dag")
    assert hand.attrib["data-date"] == "2024-03-13"
    assert title_of(hand) == "I dag: onsdag 13 mars 2024"
    line = hand.find(f"{SVG}line")
    assert line is not None
    x, y = float(line.attrib["x2"]), -float(line.attrib["y2"])
    assert abs(clockwise_from_top(x, y) - (31 + 29 + 12.5) / 366 * 360) < 6
    assert "i dag, onsdag 13 mars 2024" in str(root.find(f"{SVG}desc").text)  # type: ignore[union-attr]

    other_year = render_svg(build_wheel(seed.schedule(), seed.rows(), today=date(2025, 3, 13)))
    assert 'id="i-dag"' not in other_year and "13 mars" not in other_year


def test_titles_name_the_measure_and_the_date(seed: Scheduled) -> None:
    root = parse(seed_svg(seed))
    schedule = seed.schedule()
    titles = {item.stored.id: item.stored.measure.title for item in schedule.measures}
    by_uid = {row.uid: row for row in seed.rows()}
    for mark in marks(root):
        row = by_uid[mark.attrib["data-uid"]]
        title = title_of(mark)
        assert title.startswith(titles[row.measure_id]), title
        assert swedish_date(row.start) in title
        assert mark.attrib["data-kind"] == row.kind
    texts = [title_of(m) for m in marks(root)]
    assert any(
        re.fullmatch(r"SSP – Gymnasiet: \w+dag \d+ \w+ 2024 kl\. \d\d:\d\d", t) for t in texts
    )
    assert any(t.startswith("Nyhetsbrev (uppgift): ") for t in texts)
    # Meetings are circles and tasks diamonds: colour is not the only cue.
    for mark in marks(root):
        shape = "circle" if mark.attrib["data-kind"] == "meeting" else "path"
        assert [child.tag for child in mark] == [f"{SVG}title", f"{SVG}{shape}"]


def test_the_svg_is_an_image_with_a_title_and_a_description(seed: Scheduled) -> None:
    svg = seed_svg(seed)
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["viewBox"] == f"0 0 {WIDTH} {root.attrib['height']}"
    assert root.attrib["width"] == str(WIDTH)
    title, desc = root[0], root[1]
    assert (title.tag, desc.tag) == (f"{SVG}title", f"{SVG}desc")
    assert title.text == "Årshjul 2024: Kungsholmens stadsdelsförvaltning"
    assert root.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}"
    assert "januari överst och medurs" in str(desc.text)
    assert "Unga i riskzon för destruktivt beteende" in str(desc.text)
    # No script, no style element: it shows under the site's Content-Security-Policy.
    assert not [e for e in root.iter() if e.tag in {f"{SVG}script", f"{SVG}style"}]
    # The same input gives the same bytes.
    assert seed_svg(seed) == svg


def test_the_area_colours_stand_out_from_what_they_are_drawn_on() -> None:
    """WCAG 2.1 AA, non-text contrast: at least 3:1 against the background and the rings."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    assert len(set(PALETTE)) == len(PALETTE) >= 6
    for colour in PALETTE:
        assert contrast(colour, BACKGROUND) >= 3, colour
        assert contrast(colour, RING_FILL) >= 3, colour


def hostile_plan() -> Plan:
    measure = Measure(
        title='<script>alert("x")</script> & Co',
        when_text="4 ggr/år",
        responsible_text="Kommunpolisen sammankallar.",
        convener='Roll <b>&"',
    )
    quiet = Measure(title="Bara text", when_text="Vid behov")
    return Plan("Kungsholmens stadsdelsförvaltning", 2024,
                (Area('<script>&"', (measure,)), Area("Lugnt & stilla", (quiet,))))  # fmt: skip


def test_hostile_text_stays_text(tmp_path: Path) -> None:
    hostile = scheduled_plan(tmp_path, plan=hostile_plan())
    schedule = hostile.schedule()
    area = choose_area(schedule, '<SCRIPT>&"')
    role = choose_role(schedule, 'roll <b>&"')
    for chosen in ({}, {"area": area}, {"role": role}):
        svg = render_svg(build_wheel(schedule, hostile.rows(), today=TODAY, **chosen))
        assert "<script" not in svg and "<b>" not in svg
        root = parse(svg)  # well-formed XML
        found = [m for m in marks(root) if not title_of(m).startswith("Lämna in åtgärdsplanen")]
        assert len(found) == 4
        assert all(title_of(m).startswith('<script>alert("x")</script> & Co: ') for m in found)
        texts = {e.text for e in root.iter(f"{SVG}text")}
        assert any(t and t.startswith('<script>&" (4 möten') for t in texts)
    assert 'Roll: Roll <b>&"' in title_of(parse(svg))
    with pytest.raises(UsageError, match="Lugnt & stilla"):
        choose_area(schedule, "<img>")
    # An area with nothing dated is an empty wheel that says so.
    quiet = build_wheel(schedule, hostile.rows(), today=TODAY, area="Lugnt & stilla")
    assert (quiet.marks, quiet.without_marks) == ((), ("Lugnt & stilla",))
    quiet_texts = [e.text for e in parse(render_svg(quiet)).iter(f"{SVG}text")]
    assert "Utan daterade möten eller uppgifter: Lugnt & stilla" in quiet_texts


# The PNG.


def png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit, non-interlaced RGB(A) PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, []
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        chunks.append((kind, data))
        position += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, interlace) == (8, 0) and colour in (2, 6)
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT"))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (
                    line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)
                ) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def test_the_png_is_the_wheel_at_twice_its_size(sqlite_cli: Cli, tmp_path: Path) -> None:
    imported(sqlite_cli)
    svg = wheel_file(sqlite_cli, tmp_path / "arshjul.svg")
    result = sqlite_cli("arshjul", str(tmp_path / "arshjul.png"), "--year", "2024",
                        "--idag", TODAY.isoformat())  # fmt: skip
    assert result.code == 0, result.err
    png = (tmp_path / "arshjul.png").read_bytes()
    width, height, rows = png_pixels(png)
    assert (width, height) == (2 * int(svg.attrib["width"]), 2 * int(svg.attrib["height"]))
    channels = len(rows[0]) // width
    white = b"\xff" * channels
    pixels = [row[i : i + channels] for row in rows[::4] for i in range(0, len(row), channels * 4)]
    coloured = sum(pixel != white for pixel in pixels)
    assert 0.05 < coloured / len(pixels) < 0.9  # a picture, not a blank page nor a filled one
    area_colour = bytes.fromhex(PALETTE[0][1:])
    assert any(pixel[:3] == area_colour for pixel in pixels)  # the first area's marks


def test_the_png_draws_the_text(seed: Scheduled) -> None:
    svg = seed_svg(seed)
    without_text = re.sub(r"<text [^>]*>[^<]*</text>", "", svg)
    assert without_text != svg
    assert svg_to_png(svg, zoom=0.5) != svg_to_png(without_text, zoom=0.5)


def test_a_machine_without_fonts_gets_no_png_without_text(seed: Scheduled) -> None:
    with pytest.raises(ResourceError, match="fonts-dejavu-core"):
        svg_to_png(seed_svg(seed), system_fonts=False)


# A look in a real browser, for reviewers: tests/screenshots/arshjul.png.


def test_chromium_shows_the_wheel(seed: Scheduled, tmp_path: Path, browser: object) -> None:
    path = tmp_path / "arshjul.svg"
    path.write_text(seed_svg(seed), encoding="utf-8")
    root = parse(path.read_text(encoding="utf-8"))
    expected = uids(root)
    size = {"width": int(root.attrib["width"]), "height": int(root.attrib["height"])}
    page = browser.new_page(viewport=size)  # type: ignore[attr-defined]
    page.goto(path.as_uri())
    assert page.locator("[data-uid]").count() == len(expected)
    first = page.locator("[data-uid]").first
    box = first.bounding_box()
    assert box and box["width"] > 4 and box["height"] > 4  # drawn, not collapsed
    assert page.title() == "Årshjul 2024: Kungsholmens stadsdelsförvaltning"
    SCREENSHOTS.mkdir(exist_ok=True)
    # The viewport is the picture's size (a full-page screenshot of an SVG document hangs).
    page.screenshot(path=str(SCREENSHOTS / "arshjul.png"))
    page.close()


@pytest.mark.parametrize("chosen", [{}, {"role": "Kommunpolis"}])
def test_every_measure_with_dates_or_a_period_has_its_name_on_the_wheel_without_overlap(
    seed: Scheduled, chosen: dict[str, str]
) -> None:
    """A name per lane (a measure's series) beside the wheel, not only on mouse-over: on a phone,
    in print and in the PNG; a leader line from its mark; on each side at least LABEL_GAP apart."""
    root = parse(seed_svg(seed, **chosen))
    wheel = build_wheel(seed.schedule(), seed.rows(), today=TODAY, **chosen)
    wanted = sorted(short_name(lane) for ring in wheel.rings
                    for n, lane in enumerate(ring.lanes)
                    if ring.lane_marks(n) or ring.lane_period(n))  # fmt: skip
    assert wanted
    # What goes on over a stretch ("Löpande under året") is an arc, with its period as its title.
    arcs = [p for p in root.iter(f"{SVG}path") if "data-period" in p.attrib]
    assert len(arcs) == sum(len(ring.periods) for ring in wheel.rings)
    assert all("(löpande): " in title_of(arc) for arc in arcs)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "etiketter")
    labels = list(group.iter(f"{SVG}text"))
    assert sorted(str(label.text) for label in labels) == wanted
    assert len(list(group.iter(f"{SVG}polyline"))) == len(wanted)  # each with its leader line
    for side in (1, -1):
        heights = sorted(float(t.attrib["y"]) for t in labels if float(t.attrib["x"]) * side > 0)
        assert all(b - a >= LABEL_GAP - 0.01 for a, b in itertools.pairwise(heights))
