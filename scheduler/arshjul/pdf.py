"""The årshjul's SVG as a print-ready PDF on A4 or A3: the picture scaled to the page (its
proportions kept, centred), its text as text in the fonts cairo finds, embedded (subset) in the
file, so it prints alike anywhere. Rendered by CairoSVG's public `svg2pdf` over Debian's cairo.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from scheduler.arshjul.svg import SVG_NS

# Paper sizes in millimetres, portrait.
PAPERS = {"a4": (210, 297), "a3": (297, 420)}


def on_paper(svg: str, paper: str) -> str:
    """The same picture sized to `paper` (a key of PAPERS): the viewBox stays, so the drawing
    is scaled to fit the page and centred (SVG's default preserveAspectRatio)."""
    width, height = PAPERS[paper]
    ET.register_namespace("", SVG_NS)
    root = ET.fromstring(svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg)
    root.set("width", f"{width}mm")
    root.set("height", f"{height}mm")
    return ET.tostring(root, "unicode")


def svg_to_pdf(svg: str, *, paper: str = "a4") -> bytes:
    """PDF bytes of `svg` on one page of `paper`."""
    import cairosvg  # only where a PDF is made: loading cairo costs a few tenths of a second

    pdf: bytes = cairosvg.svg2pdf(bytestring=on_paper(svg, paper).encode("utf-8"))
    return pdf
