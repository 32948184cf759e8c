"""Automated accessibility check of an HTML report: axe-core run in headless Chromium (on demand).

Usage (``make accessibility`` runs it on the sample report)::

    python tools/accessibility.py reports/sample/report.html [more.html ...] [--json out.json]

What it does: it copies the page into a temporary folder, appends axe-core (the npm package, read
from ``build/axe/node_modules/axe-core/axe.min.js``; ``make accessibility`` installs it there with
``npm install --prefix build/axe axe-core@4``) and a small script that runs
``axe.run(document, {runOnly: WCAG 2.0/2.1/2.2 A and AA + best practices})`` and writes the result
into the page, then lets headless Chromium load the page with a virtual time budget and prints the
DOM (``--dump-dom``), from which the result is read back. No network, no browser driver: the page
is a local file and Chromium runs with background networking disabled.

Exit status: 0 when no violation is ``serious`` or ``critical``; 1 otherwise (each violation is
listed with its rule, impact, help text and the first offending elements); 2 when Chromium or
axe-core is missing (the message says how to get them). Results are recorded in
``docs/accessibility.md``.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
#: axe-core tags run: WCAG 2.0, 2.1 and 2.2 levels A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")

_RUNNER = """
<script>
axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations", "incomplete"]})
  .then(function (r) {
    var out = {axe: r.testEngine.version, violations: r.violations, incomplete: r.incomplete,
               passes: r.passes.length, inapplicable: r.inapplicable.length};
    var pre = document.createElement("pre"); pre.id = "axe-results";
    pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
  })
  .catch(function (e) {
    var pre = document.createElement("pre"); pre.id = "axe-results";
    pre.textContent = JSON.stringify({error: String(e)}); document.body.appendChild(pre);
  });
</script>
"""


def _chromium() -> str | None:
    for name in CHROMIUM:
        path = shutil.which(name)
        if path:
            return path
    return None


def run_axe(page: Path, *, axe: Path = AXE, chromium: str | None = None, budget_ms: int = 60000) -> dict:
    """Run axe-core on ``page`` in headless Chromium; the axe result (violations, incomplete, counts).

    Raises
    ------
    FileNotFoundError
        When axe-core or Chromium is not installed.
    RuntimeError
        When Chromium fails or axe does not report (the message holds Chromium's output).
    """
    chromium = chromium or _chromium()
    if chromium is None:
        raise FileNotFoundError("headless Chromium not found (apt-get install chromium)")
    if not axe.is_file():
        raise FileNotFoundError(f"axe-core not found at {axe}: npm install --prefix build/axe axe-core@4")
    text = page.read_text(encoding="utf-8")
    inject = f"<script>{axe.read_text(encoding='utf-8')}</script>{_RUNNER % json.dumps(TAGS)}"
    at = text.rfind("</body>")
    text = text[:at] + inject + text[at:] if at >= 0 else text + inject
    with tempfile.TemporaryDirectory(prefix="axe-") as tmp:
        target = Path(tmp) / page.name
        target.write_text(text, encoding="utf-8")
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-extensions", "--disable-sync", "--no-first-run", "--mute-audio", "--window-size=1280,1024",
               f"--user-data-dir={Path(tmp) / 'profile'}", f"--virtual-time-budget={budget_ms}",
               "--dump-dom", target.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    m = re.search(r'<pre id="axe-results">(.*?)</pre>', proc.stdout, re.S)
    if m is None:
        raise RuntimeError(f"axe-core did not report (Chromium exit {proc.returncode}): {proc.stderr[-2000:]}")
    result = json.loads(html.unescape(m.group(1)))
    if "error" in result:
        raise RuntimeError(f"axe-core failed: {result['error']}")
    return result


def summarise(page: Path, result: dict) -> tuple[str, int]:
    """A readable summary of one page's result and the number of blocking (serious, critical) violations."""
    lines = [f"{page}: axe-core {result['axe']}, {result['passes']} rules passed, "
             f"{len(result['violations'])} violated, {len(result['incomplete'])} to review by hand, "
             f"{result['inapplicable']} not applicable"]
    blocking = 0
    for v in result["violations"]:
        blocking += v["impact"] in BLOCKING
        lines.append(f"  VIOLATION [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} elements)")
        lines.extend(f"      {n['target']}" for n in v["nodes"][:3])
    for v in result["incomplete"]:
        lines.append(f"  review    [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} elements)")
    return "\n".join(lines), blocking


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", type=Path, help="HTML files to check")
    parser.add_argument("--json", type=Path, help="write the full axe results (one object per page) here")
    args = parser.parse_args(argv)
    results, blocking = {}, 0
    for page in args.pages:
        try:
            result = run_axe(page)
        except FileNotFoundError as exc:
            print(f"accessibility: {exc}", file=sys.stderr)
            return 2
        text, n = summarise(page, result)
        print(text)
        results[str(page)] = result
        blocking += n
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"accessibility: {blocking} serious or critical violation(s)")
    return 1 if blocking else 0


if __name__ == "__main__":
    sys.exit(main())
