"""What `checkdeck run` prints and exports is safe to show: a reader that goes away stops the
printing, never the run; text from outside carries no control sequence but colour."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import processes_with

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
NOT_SGR = re.compile(r"\x1b(?!\[[0-9;:]*m)|[\x80-\x9f\x07]")


def test_a_closed_stdout_stops_printing_not_the_run(tmp_path: Path, marker: str) -> None:
    body = "".join(
        f'[[validators]]\nname = "v{i}"\nkind = "command"\n'
        f"run = 'sleep 0.3; for j in $(seq 1 2000); do echo line $j; done; sleep 0.2'\n"
        f'env = {{ CD_MARK = "{marker}" }}\n'
        for i in range(3)
    )
    (tmp_path / "checkdeck.toml").write_text(body)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "run", "--export", "r.json", "r.md"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()  # like `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err
    report = json.loads((tmp_path / "r.json").read_text())
    assert [v["status"] for v in report["validators"]] == ["passed"] * 3
    assert (tmp_path / "r.md").is_file()
    [run] = list((tmp_path / ".checkdeck" / "runs").iterdir())
    assert (run / "summary.json").is_file()
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_with(marker) == []


HOSTILE = (
    "\x1b]0;pwned\x07\x1b]52;c;aGk=\x07\x1b[2J\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\\x9b31m\x1b[31mred\x1b[0m"
)


def test_control_sequences_never_reach_the_terminal_or_a_report(tmp_path: Path) -> None:
    script = tmp_path / "noisy.py"
    script.write_text(f"import sys\nprint({HOSTILE!r})\nsys.exit(1)\n")
    name = "evil\x1b[2J\x1b]0;title\x07name"
    (tmp_path / "checkdeck.toml").write_text(
        f'[[validators]]\nname = {json.dumps(name)}\nkind = "command"\nrun = "{sys.executable} noisy.py"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "tui", "run", "--export", "r.md", "r.xml", "r.sarif", "r.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "evilname" in done.stdout
    assert not NOT_SGR.search(done.stdout), repr(done.stdout)
    assert not NOT_SGR.search(done.stderr)
    for report in ("r.md", "r.xml", "r.sarif"):
        text = (tmp_path / report).read_text()
        assert "\x1b" not in text and not re.search("[\x80-\x9f\x07]", text), report
    # The JSON report is exact: the name is what the config says.
    assert json.loads((tmp_path / "r.json").read_text())["validators"][0]["name"] == name
    # The raw log keeps every byte the command wrote.
    [run] = list((tmp_path / ".checkdeck" / "runs").iterdir())
    assert HOSTILE.encode() in b"".join(p.read_bytes() for p in run.glob("*.log"))
