"""Words people read: plurals, aligned columns, the version, multi-line messages in reports."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.helpers import write_tree
from tui.exit_codes import outcome_counts
from tui.state import Change
from validators.engine.model import Finding, RunSummary, Severity, Status, ValidatorResult
from validators.engine.wording import plural
from validators.exports.markdown import render

ROOT = Path(__file__).resolve().parent.parent


def test_plural() -> None:
    assert [plural(n, "file") for n in (0, 1, 2)] == ["0 files", "1 file", "2 files"]
    assert plural(1, "match", "matches") == "1 match" and plural(3, "match", "matches") == "3 matches"


def test_change_and_outcome_wording_has_right_plurals() -> None:
    assert Change("failed", new_findings=1, resolved_findings=1).describe(Status.PASSED) == (
        "fixed, +1 new finding, -1 finding resolved"
    )
    assert Change("passed", 2, 0).describe(Status.FAILED) == "newly failing, +2 new findings"
    result = ValidatorResult("a", "command", Status.ERROR, 0.1, "x")
    summary = RunSummary(Status.ERROR, datetime.now(UTC), 0.1, ROOT, ROOT, (result,))
    assert outcome_counts(summary) == "1 error"


def test_markdown_keeps_each_line_of_a_multi_line_message(tmp_path: Path) -> None:
    finding = Finding(Severity.ERROR, "pytest/failed", "first line\nsecond line\n  indented", "t.py", 3, "do x")
    result = ValidatorResult("unit", "command", Status.FAILED, 1.0, "1 failed", findings=(finding,))
    summary = RunSummary(Status.FAILED, datetime.now(UTC), 1.0, tmp_path, tmp_path, (result,))
    text = render(summary)
    assert "first line<br>second line<br>  indented<br>💡 do x" in text
    assert "1 finding (1 error)" in text


def test_version_and_list_columns(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "tui", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.startswith("checkdeck 0.")
    write_tree(
        tmp_path,
        {
            "checkdeck.toml": '[[validators]]\nname = "日本"\nkind = "command"\nrun = "true"\n'
            '[[validators]]\nname = "a-longer-name"\nkind = "dockerignore"\n'
            '[[validators]]\nname = "x"\nkind = "command"\nrun = "echo hi"\n',
            "Dockerfile": "FROM scratch\n",
        },
    )
    listed = subprocess.run(
        [sys.executable, "-m", "tui", "list", str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    ).stdout.splitlines()[1:]
    assert listed[0].split() == ["NAME", "KIND", "FROM", "RUNS"]

    def cells(text: str) -> int:
        return sum(2 if "\u3040" <= c <= "\u9fff" else 1 for c in text)

    # The FROM column starts at the same terminal cell on every row, wide names included.
    starts = {
        cells(line[: line.index(word)])
        for line, word in zip(listed, ["FROM", "config:", "config:", "config:"], strict=False)
    }
    assert len(starts) == 1, listed
