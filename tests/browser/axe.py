"""axe-core in the browser tests: `assert_no_axe_violations(page)` runs axe-core's rules on
whatever state the page is in (after a form post, with JavaScript off, in English) and fails
with each violation's rule, impact and the elements it found.

axe-core is vendored (tests/browser/vendor/axe-core, version in AXE_VERSION) and injected by
Playwright's `evaluate`, which the pages' Content-Security-Policy does not block (a script
tag would be). It works in a context with JavaScript disabled too: Playwright's evaluation
still runs there, and so do promises, but timers never fire, and axe-core waits on
`setTimeout(..., 0)` between rules; in such a page (nothing of its own runs) the helper first
makes short timers run as promise jobs (queueMicrotask does not run there either)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

AXE_VERSION = "4.14.1"
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

# With scripting off, the HTML parser reads <noscript> content as elements.
SCRIPTING_DISABLED = """
() => {
  const probe = document.createElement('div');
  probe.innerHTML = '<noscript><p></p></noscript>';
  return probe.querySelector('noscript p') !== null;
}
"""
# axe-core defers with setTimeout(fn, 0 or 1) and guards with long timeouts that fire only on
# failure (a frame that never answers); the guards are dropped.
TIMERS_AS_MICROTASKS = """
() => {
  window.setTimeout = (callback, delay, ...values) => {
    if (!(delay > 1000)) Promise.resolve().then(() => callback(...values));
    return 0;
  };
  window.clearTimeout = () => {};
}
"""

RUN_AXE = """
async ([disabled]) => {
  const rules = Object.fromEntries(disabled.map((id) => [id, { enabled: false }]));
  const result = await axe.run(document, { rules, resultTypes: ['violations'] });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
  }));
}
"""


@cache
def axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Any, disabled_rules: Iterable[str] = ()) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (its default rules: WCAG 2.x A and AA
    and best practices), each as {id, impact, help, targets}."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        if page.evaluate(SCRIPTING_DISABLED):
            page.evaluate(TIMERS_AS_MICROTASKS)
        page.evaluate(axe_source())
    return list(page.evaluate(RUN_AXE, [list(disabled_rules)]))


def assert_no_axe_violations(page: Any, disabled_rules: Iterable[str] = ()) -> None:
    violations = axe_violations(page, disabled_rules)
    described = [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}" for v in violations
    ]
    assert violations == [], f"axe-core on {page.url}:\n" + "\n".join(described)
