"""Accessibility checks with axe-core (from npm, ``node_modules/axe-core``) in a Playwright page.

Use::

    from tests.browser.axe import assert_no_serious_violations

    page.goto("/login")
    assert_no_serious_violations(page)

``run_axe(page)`` returns axe's violations (rules of WCAG 2.0/2.1 levels A and AA) for own
assertions; ``serious_or_critical(violations)`` keeps those with impact serious or critical.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.conftest import PROJECT_ROOT

AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = {"serious", "critical"}

_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations;
}"""


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Inject axe-core into the page (once per document) and return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_RUN, WCAG_TAGS)


def serious_or_critical(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the violations whose impact is serious or critical."""
    return [v for v in violations if v.get("impact") in SERIOUS]


def describe(violations: list[dict[str, Any]]) -> str:
    """One block per rule: id, impact, help (and its link), the offending nodes' targets."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v.get("nodes", []):
            target = " ".join(str(part) for part in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary}" if summary else f"    {target}")
    return "\n".join(lines)


def assert_no_serious_violations(page: Page) -> None:
    """Fail with a readable list when axe finds serious or critical WCAG A/AA problems."""
    found = serious_or_critical(run_axe(page))
    assert not found, f"axe: serious or critical violations on {page.url}:\n" + describe(found)
