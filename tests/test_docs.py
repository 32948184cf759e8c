"""The documentation that is generated from code is up to date, and every docs link resolves."""

from __future__ import annotations

import re

from altmeasures_eval.cli import reference_markdown


def test_cli_reference_is_current(repo_root):
    committed = (repo_root / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), (
        "docs/cli.md is out of date: run "
        "`.venv/bin/python -m altmeasures_eval.cli --reference > docs/cli.md`"
    )


def test_relative_links_in_docs_resolve(repo_root):
    broken = []
    for md in [repo_root / "README.md", *sorted((repo_root / "docs").rglob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", md.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (md.parent / target).exists():
                broken.append(f"{md.relative_to(repo_root)} -> {target}")
    assert not broken, "broken links:\n" + "\n".join(broken)
