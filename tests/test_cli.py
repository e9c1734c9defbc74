"""The `checkdeck` command: exit codes, list, init, detection, and interruption."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import processes_with, start_run

ROOT = Path(__file__).resolve().parent.parent


def checkdeck(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def config(folder: Path, body: str) -> Path:
    (folder / "checkdeck.toml").write_text(body)
    return folder


def test_run_exits_0_when_all_pass(tmp_path: Path) -> None:
    config(tmp_path, '[[validators]]\nname = "a"\nkind = "command"\nrun = "echo hi"\n')
    out = checkdeck("run", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "✔ a: passed" in out.stdout
    assert "checkdeck: passed" in out.stdout
    runs = list((tmp_path / ".checkdeck" / "runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "summary.json").is_file() and (runs[0] / "a.log").is_file()


def test_run_exits_1_on_failure_and_prints_the_log_path(tmp_path: Path) -> None:
    config(
        tmp_path,
        '[[validators]]\nname = "a"\nkind = "command"\nrun = "exit 3"\n'
        '[[validators]]\nname = "b"\nkind = "command"\nrun = "true"\n',
    )
    out = checkdeck("run", "--export", "r.json", "r.xml", cwd=tmp_path)
    assert out.returncode == 1
    assert "✘ a: failed" in out.stdout and "exit code 3" in out.stdout
    assert "a: full log: " in out.stdout
    assert (tmp_path / "r.json").is_file() and (tmp_path / "r.xml").is_file()


def test_only_runs_the_named_validators(tmp_path: Path) -> None:
    config(
        tmp_path,
        '[[validators]]\nname = "a"\nkind = "command"\nrun = "exit 3"\n'
        '[[validators]]\nname = "b"\nkind = "command"\nrun = "true"\n',
    )
    out = checkdeck("run", "--only", "b", cwd=tmp_path)
    assert out.returncode == 0, out.stdout
    assert "a: failed" not in out.stdout


def test_usage_and_config_errors_exit_2_and_run_nothing(tmp_path: Path) -> None:
    config(tmp_path, '[[validators]]\nname = "a"\nkind = "command"\nrun = "touch ran"\ntimeot = "1m"\n')
    out = checkdeck("run", cwd=tmp_path)
    assert out.returncode == 2
    assert f"{tmp_path.resolve() / 'checkdeck.toml'}:5: validators[0].timeot" in out.stderr
    assert "did you mean 'timeout'?" in out.stderr
    assert not (tmp_path / "ran").exists()
    config(tmp_path, '[[validators]]\nname = "a"\nkind = "command"\nrun = "true"\n')
    bad_only = checkdeck("run", "--only", "aa", cwd=tmp_path)
    assert bad_only.returncode == 2 and "did you mean 'a'?" in bad_only.stderr
    bad_export = checkdeck("run", "--export", "report.html", cwd=tmp_path)
    assert bad_export.returncode == 2 and "report.html" in bad_export.stderr
    assert checkdeck("run", "--bogus", cwd=tmp_path).returncode == 2


def test_app_command_runs_headless_when_stdout_is_not_a_terminal(tmp_path: Path) -> None:
    config(tmp_path, '[[validators]]\nname = "a"\nkind = "command"\nrun = "true"\n')
    out = checkdeck(str(tmp_path), cwd=ROOT)
    assert out.returncode == 0 and "✔ a: passed" in out.stdout


def test_list_shows_where_each_validator_comes_from(tmp_path: Path) -> None:
    config(tmp_path, '[[validators]]\nname = "unit"\nkind = "command"\nrun = "pytest -q"\n')
    out = checkdeck("list", cwd=tmp_path)
    assert out.returncode == 0
    assert "unit" in out.stdout and "config: checkdeck.toml:1" in out.stdout and "$ pytest -q" in out.stdout


def test_detection_and_init_write_a_config_that_loads(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test_x():\n    pass\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n')
    listed = checkdeck("list", cwd=tmp_path)
    assert "No config file; detected" in listed.stdout
    assert "detected: tests/ has test_*.py files" in listed.stdout and "detected: ruff config" in listed.stdout
    init = checkdeck("init", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "checkdeck.toml").is_file()
    again = checkdeck("list", cwd=tmp_path)
    assert "From " in again.stdout and "python3 -m pytest -q" in again.stdout
    assert checkdeck("init", cwd=tmp_path).returncode == 2  # no overwrite without --force


def test_interrupt_exits_130_and_leaves_no_process(tmp_path: Path, marker: str) -> None:
    # The marker is in every child's environment: the fixture fails the test if any survives.
    config(
        tmp_path,
        '[[validators]]\nname = "long"\nkind = "command"\nrun = "sleep 300 & echo $! > pid; wait"\n'
        f'env = {{ CD_MARK = "{marker}" }}\n'
        '[[validators]]\nname = "other"\nkind = "command"\nrun = "sleep 300"\n'
        f'env = {{ CD_MARK = "{marker}" }}\n',
    )
    proc = start_run(tmp_path)
    deadline = time.monotonic() + 30
    while not (tmp_path / "pid").exists() or not (tmp_path / "pid").read_text().strip():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    child = int((tmp_path / "pid").read_text())
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (out, err)
    assert "SIGINT: stopping every validator" in out
    assert "long: cancelled" in out
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_with(marker) == [], f"left behind (the first child was {child})"


def test_engine_picks_the_docker_rules_of_every_build_context_validator(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("")
    (tmp_path / "Dockerfile").write_text('FROM python:3.11\nCOPY . /srv\nCMD ["python", "/srv/app/main.py"]\n')
    (tmp_path / ".dockerignore").write_text(".checkdeck\n")
    # Only the build-context validators: with an engine, detection also builds the image.
    out = checkdeck("run", str(tmp_path), "--only", "dockerignore", "--engine", "20.10", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "(Docker 20.10 rules)" in out.stdout
    out = checkdeck("run", str(tmp_path), "--only", "dockerignore", "--engine", "current", cwd=tmp_path)
    assert "(current Docker rules)" in out.stdout
    out = checkdeck("run", str(tmp_path), "--engine", "v2x", cwd=tmp_path)
    assert out.returncode == 2 and "--engine: not an engine version: 'v2x'" in out.stderr
