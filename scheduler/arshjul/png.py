"""The årshjul's SVG as PNG, for the plan document: rendered by resvg (the `resvg-py` wheel, which
needs no system library), at twice the SVG's size for print.

resvg draws text with the fonts it finds on the machine (the usual font folders; no fontconfig
needed). A machine without any font would give a wheel without month names, so that is refused
with a message saying what to install, never written as a picture that looks finished.
"""

from __future__ import annotations

from scheduler.arshjul.svg import FONT
from scheduler.base.caches import memo
from scheduler.base.errors import ResourceError

ZOOM = 2.0  # 900 SVG units → 1800 pixels: sharp in a printed plan
# resvg's own fallback for the generic `sans-serif` is Arial; a server seldom has it.
SANS_SERIF = "DejaVu Sans"

# A word in the wheel's own fonts, and nothing: the two differ when a font is found.
_PROBE = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
          f'<text x="2" y="16" font-size="16" font-family="{FONT}">Åj</text></svg>')  # fmt: skip
_BLANK = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"></svg>'


def svg_to_png(svg: str, *, zoom: float = ZOOM, system_fonts: bool = True) -> bytes:
    """PNG bytes of `svg`, `zoom` times its size. `system_fonts=False` loads no font (for tests:
    how a machine without fonts is told)."""
    if not fonts_draw_text(system_fonts):
        raise ResourceError(
            "årshjulet kan inte ritas som PNG: datorn har inget typsnitt att skriva texten med "
            "(installera t.ex. Debians paket fonts-dejavu-core), eller spara det som .svg."
        )
    return _render(svg, zoom=zoom, system_fonts=system_fonts)


@memo("once.fonts_draw_text")
def fonts_draw_text(system_fonts: bool = True) -> bool:
    """Whether resvg finds a font here: a word drawn differs from nothing drawn."""
    drawn, blank = (_render(svg, zoom=1.0, system_fonts=system_fonts) for svg in (_PROBE, _BLANK))
    return drawn != blank


def _render(svg: str, *, zoom: float, system_fonts: bool) -> bytes:
    import resvg_py  # only where a PNG is made: the SVG needs none of it

    return resvg_py.svg_to_bytes(
        svg_string=svg,
        zoom=zoom,
        skip_system_fonts=not system_fonts,
        sans_serif_family=SANS_SERIF,
    )
