"""A normal install works from another folder (issue 10).

`pip install .` (not editable) into a fresh venv, then, in an empty folder with only a config:
upgrade the database, import the seed plan, export the feeds, serve a page and a feed, and send a
reminder to a real SMTP server. Templates and migrations must travel inside the package for this
to work: nothing may be found through the source tree.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
from pathlib import Path

import pytest

from tests.support.cli import write_config
from tests.support.helpers import free_port, poll_until
from tests.support.seed import ROOT, SEED_PLAN
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.processes  # it starts processes: not in `make quick`

_NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "node_modules", "__pycache__", "*.egg-info", "build", ".*_cache", "outbox",
    "*.sqlite3*", ".hypothesis",
)  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `bin` folder of a fresh venv with the project installed from a copy of its source.

    The project is built and installed as `pip install .` does it; its pinned dependencies are the
    ones this suite runs on (`make install-test` installed them from requirements.lock), seen
    through a path file rather than installed a second time: that requirements.lock installs is
    what `make install` shows, and repeating it here took three minutes of the suite. The path
    file adds their folder to the end of sys.path without running its .pth files, so the editable
    install of the source tree is not among them (`test_…_from_an_empty_folder` checks where
    `scheduler` comes from)."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    fresh = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    dependencies = sysconfig.get_paths()["purelib"]
    (Path(fresh) / "suite-dependencies.pth").write_text(dependencies + "\n", encoding="utf-8")
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
         "--disable-pip-version-check", str(source)],
        check=True, timeout=600,
    )  # fmt: skip
    shutil.rmtree(source)  # whatever the installed package needs, it must have taken along
    return venv / "bin"


def test_the_installed_package_works_from_an_empty_folder(
    installed: Path, tmp_path: Path, smtp: SmtpServer
) -> None:
    work = tmp_path / "tom-mapp"
    work.mkdir()
    config = write_config(
        work / "config.toml", "sqlite:///planer.sqlite3", extra=smtp.config_toml()
    )

    def scheduler(*argv: str) -> str:
        result = subprocess.run(
            [str(installed / "scheduler"), "--config", str(config), *argv],
            cwd=work, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        return result.stdout

    where = subprocess.run([str(installed / "python"), "-c", "import scheduler; print(scheduler.__file__)"],
                           cwd=work, capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert Path(where.strip()).is_relative_to(installed.parent), where  # not the source tree

    assert "uppgraderad" in scheduler("db", "upgrade")
    assert "23 åtgärder" in scheduler("import", str(SEED_PLAN))
    link = scheduler("feeds", "create", "installationstest")
    page = re.search(r"http://\S+/feeds/[\w-]+/", link)
    assert page is not None
    scheduler("feeds", "export", "kalendrar")
    assert (work / "kalendrar" / "plan.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    # The årshjul as PNG: resvg came along as a wheel, with no system library.
    scheduler("arshjul", "arshjul.png", "--year", "2024")
    assert (work / "arshjul.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    # The first reminders of the 2024 plan are due in December 2023 (before `serve`, whose own
    # dispatcher runs at today's date and would skip them as long past).
    scheduler("remind", "run-due", "--now", "2023-12-13T09:00")
    received = smtp.handler.wait_for(1)
    assert received[0].message["Subject"]
    assert received[0].text().strip()

    port = free_port()
    server = subprocess.Popen(
        [str(installed / "scheduler"), "--config", str(config), "serve", "--port", str(port)],
        cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        path = page.group(0).split("/", 3)[3]

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/{path}", timeout=5) as response:
                    return bool(response.status == 200)
            except OSError:
                return False

        poll_until(answers, timeout=60)
        with urllib.request.urlopen(f"{base}/{path}", timeout=10) as response:
            assert "Outlook" in response.read().decode("utf-8")  # the page template was found
        with urllib.request.urlopen(f"{base}/{path}plan.ics", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/calendar")
        # The page's style sheet and copy button script travel in the package too.
        for name, kind in (("site.css", "text/css"), ("copy.js", "text/javascript")):
            with urllib.request.urlopen(f"{base}/static/{name}", timeout=10) as response:
                assert response.headers["Content-Type"].startswith(kind) and response.read()
    finally:
        server.terminate()
        server.wait(timeout=30)
