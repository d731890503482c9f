"""Steps an applicant takes in the browser, shared by the page tests."""

from __future__ import annotations

import re
from typing import Any

import httpx

from claims.pages.i18n import translate
from tests.browser.conftest import SCANS, Site

DOC_FILES = [SCANS / "ktp.jpg", SCANS / "surat_berhenti_bekerja.pdf"]
NPWP = "01.234.567.8-901.000"

# Every visible form control has a label, and every text has enough contrast against the
# background it sits on (WCAG AA: 4.5, or 3 for large text). Returns the failures.
ACCESSIBILITY_CHECK = """
() => {
  const problems = [];
  const controls = document.querySelectorAll('input:not([type=hidden]), select, textarea');
  for (const control of controls) {
    const labelled = (control.id && document.querySelector(`label[for="${control.id}"]`))
      || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby');
    if (!labelled) problems.push(`no label: ${control.outerHTML.slice(0, 80)}`);
    if (control.getAttribute('aria-invalid') === 'true') {
      const ids = (control.getAttribute('aria-describedby') || '').split(/\\s+/);
      const tied = ids.some((id) => id && document.getElementById(id)
        && document.getElementById(id).classList.contains('field-error'));
      if (!tied) problems.push(`error not tied to field: ${control.id}`);
    }
  }
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const parts = rgb(getComputedStyle(node).backgroundColor);
      if (parts.length === 3 || (parts.length === 4 && parts[3] > 0)) return parts.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const element of document.querySelectorAll('body *')) {
    const ownText = Array.from(element.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText) continue;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width <= 1 || box.height <= 1) continue;
    const fg = luminance(rgb(style.color).slice(0, 3));
    const bg = luminance(background(element));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`contrast ${ratio.toFixed(2)}: ${element.tagName} "${element.textContent.trim().slice(0, 40)}"`);
    }
  }
  const wide = document.documentElement.scrollWidth > window.innerWidth + 1;
  if (wide) problems.push(`horizontal scroll: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
  return problems;
}
"""


def page_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}-{month}-{year}"


def fill_apply(page: Any, row: dict[str, str], reason: str, *, english: bool = False) -> None:
    language = "en" if english else "id"
    page.get_by_label(translate("apply_kpj", language), exact=True).fill(row["kpj"])
    for name in ("nik", "full_name", "email", "phone"):
        page.get_by_label(translate(name, language), exact=True).fill(row[name])
    page.get_by_label(translate("apply_birth_date", language), exact=True).fill(
        page_date(row["birth_date"])
    )
    page.locator(f"input[name=reason][value={reason}]").check()
    page.locator("#branch_code").select_option(row["_branch"])


def apply(page: Any, site: Site, row: dict[str, str], reason: str, *, english: bool = False) -> str:
    """Fills /apply and lands on the claim page; returns the claim id."""
    page.goto(site.url("/apply?lang=" + ("en" if english else "id")))
    fill_apply(page, row, reason, english=english)
    page.locator("form[action='/apply'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/claims/[0-9a-f-]{36}\?done=created"))
    match = re.search(r"/claims/([0-9a-f-]{36})", page.url)
    assert match is not None
    return match.group(1)


def required_documents(page: Any) -> list[str]:
    """The required documents' types, read from the claim's task list."""
    rows = page.locator("li.task[data-required=true]")
    ids = rows.evaluate_all("els => els.map(e => e.id)")
    return [i.removeprefix("task-doc-") for i in ids]


def open_task(page: Any, key: str) -> None:
    """From the task list, the task's own page (`key`: doc-ktp, bank, npwp, check)."""
    with page.expect_navigation():
        page.locator(f"#task-{key} a").click()


def back_to_tasks(page: Any) -> None:
    with page.expect_navigation():
        page.locator("a.back-link").click()


def open_document(page: Any, doc_type: str) -> Any:
    """The document's page (from the task list unless there already); its item."""
    if page.locator(f"#doc-{doc_type}").count() == 0:
        open_task(page, f"doc-{doc_type}")
    return page.locator(f"#doc-{doc_type}")


def upload_with_javascript(page: Any, doc_type: str) -> None:
    """Uploads on the document's page by XHR (the page stays): upload.js sends the files as
    soon as they are picked."""
    item = open_document(page, doc_type)
    item.locator("input[type=file]").set_input_files([str(p) for p in DOC_FILES])
    item.locator(".upload-result").filter(has_text="3").wait_for()


def upload_without_javascript(page: Any, doc_type: str) -> None:
    """Uploads on the document's page by a plain post, answered by a redirect to it."""
    item = open_document(page, doc_type)
    item.locator("input[type=file]").set_input_files([str(p) for p in DOC_FILES])
    with page.expect_navigation():
        item.locator(".upload-form button[type=submit]").click()


def fill_bank(page: Any, holder: str, number: str = "1234567890", bank: str = "014") -> None:
    page.locator("#bank_code").select_option(bank)
    page.locator("#account_number").fill(number)
    page.locator("#account_holder").fill(holder)
    with page.expect_navigation():
        page.locator("form[action$='/bank-account'] button[type=submit]").click()


def send_claim(page: Any) -> None:
    """From the task list: check the answers, tick the declaration, send."""
    open_task(page, "check")
    page.locator("#declaration").check()
    with page.expect_navigation():
        page.locator("#send-claim").click()


def officer(site: Site, token: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    answer = httpx.request(
        method,
        site.url(path),
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def check_accessibility(page: Any) -> None:
    problems = page.evaluate(ACCESSIBILITY_CHECK)
    assert problems == [], problems
