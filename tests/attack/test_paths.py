"""No absolute path in what the report writes, with a table read from outside the data folder (issue #13 follow-up).

``Ingestion.input_files`` names a file outside the data folder (allowed by the mapping's
``allow_outside_data``) by its full path, and the config's ``[data] path`` is resolved to an
absolute path when the config is read; both reached the reproducibility appendix. The report now
prints the outside file relative to the config (``privacy.display_path``) and the data folder by
name. Method: run ``report`` on the small extract with ``cases.csv`` moved outside the data folder
and search every text file written for the run folder's absolute path.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests.attack.conftest import _config, _run


@pytest.mark.slow
def test_outside_file_is_hashed_and_named_relative_to_the_config(extract: Path, tmp_path: Path) -> None:
    root = tmp_path / "run"
    shutil.copytree(extract / "data", root / "data")
    (root / "outside").mkdir()
    shutil.move(root / "data" / "cases.csv", root / "outside" / "cases.csv")
    (root / "mapping.toml").write_text('[tables.cases]\nfile = "../outside/cases.csv"\nallow_outside_data = true\n',
                                       encoding="utf-8")
    config = _config(root, 0)
    # m = 2 imputations: what is tested is the appendix, whatever m is (issue #14: a quarter of the CPU)
    text = config.read_text(encoding="utf-8").replace('path = "data"\n', 'path = "data"\nmapping = "mapping.toml"\n', 1)
    assert "imputations = 5\n" in text
    config.write_text(text.replace("imputations = 5\n", "imputations = 2\n"), encoding="utf-8")
    out = tmp_path / "out"
    assert _run(["report", "--config", str(config), "--out", str(out), "--no-pdf", "--quiet"]) in (0, 3)
    html = (out / "report.html").read_text(encoding="utf-8")
    digest = hashlib.sha256((root / "outside" / "cases.csv").read_bytes()).hexdigest()
    # exactly the file read, relative to the config (the appendix lists "outside/cases.csv: SHA-256 ..." under
    # "Files read, named relative to the configuration file", #15)
    assert f"outside/cases.csv: SHA-256 {digest}" in html
    absolute = {str(root.resolve()), str(root), str(tmp_path.resolve())}
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".csv", ".svg", ".txt", ".md"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = [a for a in absolute if a in text]
            assert not leaked, f"{path.relative_to(out)} prints the absolute path {leaked[0]}"
