"""The door's costs (issue 22), as context figures: what the request limits at the edge add to a
feed poll, and how quickly absurd plan files are refused.

- Request limits: `scheduler/web/request_limits.py` in front of a protocol that does nothing,
  in-process on uvloop, fed a feed poll as a calendar client sends it (eight headers): the CPU it
  adds per poll on a kept-alive connection and per new connection with its poll, against
  httptools parsing the same bytes with no callbacks. (bench/feeds.py serves polls end to end,
  the limits included, against nginx.)
- Plan files: `read_plan` refusing a TOML file nested 100,000 deep (it crashed with a
  RecursionError), a workbook of 1,048,000 empty rows (11 KB; read for seconds) and one of
  3,000,000 empty cells, with the peak of memory Python allocated meanwhile.

`python -m bench.edge` prints the rows. BENCH_QUICK=1: fewer repeats.
"""

from __future__ import annotations

import asyncio
import io
import os
import statistics
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import Row
from scheduler.settings.model import Settings

QUICK = os.environ.get("BENCH_QUICK") == "1"
POLL = (
    b"GET /feeds/Xq3kP0aZbq2r8cT1mN5vW7yL4hJ6dF9sG2eR0tY8uI1o/plan.ics HTTP/1.1\r\n"
    b"Host: kalender.example.se\r\nUser-Agent: Google-Calendar-Importer\r\n"
    b"Accept: text/calendar, */*\r\nAccept-Encoding: gzip, deflate\r\n"
    b'If-None-Match: "3f2a9c0d41b7e6a85f1c2d3e4b5a6978"\r\nConnection: keep-alive\r\n'
    b"Cache-Control: no-cache\r\n\r\n"
)


def _best_us(work: Callable[[int], object], count: int) -> float:
    """The fastest of several rounds, in µs per item: the least disturbed by a busy machine."""
    rounds = []
    for _ in range(3 if QUICK else 9):
        started = time.perf_counter()
        work(count)
        rounds.append((time.perf_counter() - started) / count * 1e6)
    return min(rounds)


class _Nothing(asyncio.Protocol):
    def data_received(self, data: bytes) -> None:
        pass


class _Transport:
    def get_extra_info(self, name: str) -> Any:
        return None

    def is_closing(self) -> bool:
        return False


def edge_rows() -> list[Row]:
    import httptools
    import uvloop

    from scheduler.web.request_limits import RequestLimits, limited_protocol

    count = 5_000 if QUICK else 50_000
    figures: dict[str, float] = {}

    async def measure() -> None:
        limited = limited_protocol(_Nothing, RequestLimits.from_settings(Settings()))
        kept = limited()
        kept.connection_made(_Transport())  # type: ignore[arg-type]

        def polls(n: int) -> None:
            for _ in range(n):
                kept.data_received(POLL)

        def connections(n: int) -> None:
            for _ in range(n):
                guard = limited()
                guard.connection_made(_Transport())  # type: ignore[arg-type]
                guard.data_received(POLL)
                guard.connection_lost(None)

        parser = httptools.HttpRequestParser(_Nothing())

        def parsed(n: int) -> None:
            for _ in range(n):
                parser.feed_data(POLL)

        figures["poll"] = _best_us(polls, count)
        figures["connection"] = _best_us(connections, count // 2)
        figures["parse"] = _best_us(parsed, count)

    uvloop.run(measure())
    return [
        Row("request limits at the edge: CPU added per feed poll (in-process, 8 headers)", "",
            f"{figures['poll']:.1f} µs on a kept-alive connection, {figures['connection']:.1f} µs "
            f"for a new connection and its poll (httptools alone, no callbacks: "
            f"{figures['parse']:.1f} µs)"),
    ]  # fmt: skip


def _workbook_listing(rows_xml: bytes) -> bytes:
    """A one-area workbook whose sheet also lists `rows_xml`, packed tight."""
    from openpyxl import Workbook

    from tests.test_planfile import HEADER, INSTRUCTIONS

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["Trygghet", *INSTRUCTIONS])
    sheet.append(["SSP", "Orsak", "Möten", "4 ggr/år", "Polisen", None])
    plain, packed = io.BytesIO(), io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:  # fmt: skip
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b"</sheetData>", rows_xml + b"</sheetData>")
            target.writestr(info.filename, data)
    return packed.getvalue()


def plan_file_rows() -> list[Row]:
    from scheduler.base.errors import PlanFileError
    from scheduler.plan.files import read_plan

    depth = 100_000
    files = {
        "a .toml file nested 100,000 deep": (
            "deep.toml",
            ('organisation = "X"\nyear = 2024\n[[areas]]\nname = "A"\n[[areas.measures]]\n'
             f'title = "T"\nschedule = {{ months = {"[" * depth}{"]" * depth} }}\n').encode(),
        ),
        "a workbook of 1,048,000 empty rows": ("rows-2024.xlsx", _workbook_listing(b"<row/>" * 1_048_000)),
        "a workbook of 3,000,000 empty cells": (
            "cells-2024.xlsx", _workbook_listing(b"<row>" + b"<c/>" * 3_000_000 + b"</row>"),
        ),
    }  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-edge-") as name:
        for figure, (filename, data) in files.items():
            path = Path(name) / filename
            path.write_bytes(data)

            def refuse(path: Path = path) -> None:
                try:
                    read_plan(path, organisation="X")
                except PlanFileError:
                    return
                raise RuntimeError(f"{path.name} was not refused")

            times = []
            for _ in range(3 if QUICK else 7):
                started = time.perf_counter()
                refuse()
                times.append(time.perf_counter() - started)
            tracemalloc.start()
            refuse()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rows.append(Row(f"refusing {figure} ({len(data) / 1024:.0f} KB)", "",
                            f"{statistics.median(times) * 1000:.0f} ms, peak {peak / 1024 / 1024:.1f} MiB"))  # fmt: skip
    return rows


def workbook_row() -> Row:
    """A plan's workbook read as an import reads it: openpyxl's public read-only mode."""
    import random

    from bench.generate import SEED, generated_plan, when_phrases
    from scheduler.plan.files import read_plan, write_plan

    plan = generated_plan("Bench", measures=1000, rng=random.Random(1), phrases=when_phrases(),
                          seed=read_plan(SEED).plan)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-edge-") as name:
        path = Path(name) / "plan-2025.xlsx"
        write_plan(plan, path)
        times = []
        for _ in range(3 if QUICK else 7):
            started = time.process_time()
            read_plan(path, organisation="Bench")
            times.append(time.process_time() - started)
        tracemalloc.start()
        read_plan(path, organisation="Bench")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        size = path.stat().st_size
    return Row(f"reading a 1,000-measure workbook ({size / 1024:.0f} KB)", "",
               f"{statistics.median(times) * 1000:.0f} ms CPU, peak {peak / 1024 / 1024:.1f} MiB")  # fmt: skip


def rows() -> list[Row]:
    return [*edge_rows(), *plan_file_rows(), workbook_row()]


if __name__ == "__main__":
    for row in rows():
        print(f"{row.figure}: {row.measured}")
