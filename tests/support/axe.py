"""axe-core in the browser: the WCAG 2.1 A and AA rules run on a page Playwright has open.

axe-core is pinned in tests/clients/package.json (installed by tests/clients/install.sh) and
injected from node_modules. The site's Content-Security-Policy refuses inline scripts, and an
injected script is inline: open the page in a context made with `bypass_csp=True`
(`browser.new_context(bypass_csp=True, …)`). What the policy allows is tested separately, in a
context that keeps it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE_SCRIPT = Path(__file__).parents[1] / "clients" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_RUN = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
    .then(result => result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html,
                                  summary: n.failureSummary}))})))"""


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    if not AXE_SCRIPT.exists():
        message = f"{AXE_SCRIPT} missing: run `bash tests/clients/install.sh`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
        assert page.evaluate("typeof axe !== 'undefined'"), (
            "axe-core did not load: open the page in a context with bypass_csp=True"
        )
    found: list[dict[str, Any]] = page.evaluate(_RUN, list(WCAG_21_AA))
    return found


def readable(found: list[dict[str, Any]]) -> str:
    """One paragraph per violated rule, with each element it found."""
    lines = []
    for rule in found:
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']} <{rule['helpUrl']}>")
        for node in rule["nodes"]:
            lines.append(f"  at {node['target']}: {node['html'][:200]}")
            lines += [f"    {line}" for line in (node["summary"] or "").splitlines()]
    return "\n".join(lines)


def assert_accessible(page: Any, what: str) -> None:
    """No WCAG 2.1 A/AA violation that axe-core finds on `page`; `what` names the page."""
    found = violations(page)
    assert not found, (
        f"axe-core: {len(found)} WCAG 2.1 A/AA rules violated on {what}:\n{readable(found)}"
    )
