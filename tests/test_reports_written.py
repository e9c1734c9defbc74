"""Reports are written where they can be, refused up front where they cannot, and written the
way other tools write files (the umask, an existing file's mode, a symlink kept)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import command, run_specs
from validators.engine.atomic import write_atomic
from validators.engine.store import log_name, log_stems, new_run_dir

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
ONE = '[[validators]]\nname = "a"\nkind = "command"\nrun = "echo ran > ran.txt"\n'


def checkdeck(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", "run", *args], cwd=cwd, capture_output=True, text=True, env=ENV, timeout=60
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda root: (root / "out.json").mkdir(), "is a directory"),
        (lambda root: (root / "file").write_text("x"), "is not a directory"),
    ],
)
def test_an_export_path_that_cannot_be_written_is_refused_before_running(
    tmp_path: Path, make: object, reason: str
) -> None:
    (tmp_path / "checkdeck.toml").write_text(ONE)
    assert callable(make)
    make(tmp_path)
    target = "out.json" if reason == "is a directory" else "file/out.json"
    done = checkdeck(tmp_path, "--export", target)
    assert done.returncode == 2
    assert f"--export {target}: " in done.stderr and reason in done.stderr and "nothing was run" in done.stderr
    assert not (tmp_path / "ran.txt").exists()


def test_a_state_folder_that_cannot_be_created_is_refused_before_running(tmp_path: Path) -> None:
    (tmp_path / "checkdeck.toml").write_text(ONE)
    (tmp_path / ".checkdeck").write_text("a file where the folder should be")
    done = checkdeck(tmp_path)
    assert done.returncode == 2 and "cannot keep the run's logs and summary" in done.stderr
    assert not (tmp_path / "ran.txt").exists()


def test_an_export_that_fails_late_does_not_stop_the_others(tmp_path: Path) -> None:
    # The folder appears while the validator runs: the pre-check passed, the write fails.
    (tmp_path / "checkdeck.toml").write_text('[[validators]]\nname = "a"\nkind = "command"\nrun = "mkdir late.md"\n')
    done = checkdeck(tmp_path, "--export", "late.md", "ok.json", "ok.xml")
    assert done.returncode == 3, done.stderr
    assert "could not write late.md" in done.stderr and "Traceback" not in done.stderr
    assert json.loads((tmp_path / "ok.json").read_text())["status"] == "passed"
    assert (tmp_path / "ok.xml").is_file()
    assert list((tmp_path / ".checkdeck" / "runs").glob("*/summary.json"))


@pytest.mark.anyio
async def test_a_full_disk_under_one_log_ends_that_log_not_the_run(tmp_path: Path) -> None:
    run_dir = new_run_dir(tmp_path)
    stems = log_stems(["full", "fine"])
    (run_dir / log_name(stems["full"], 1)).symlink_to("/dev/full")  # every write: ENOSPC
    summary, _ = await run_specs(
        tmp_path,
        [command("full", "for i in $(seq 1 5000); do echo line $i; done"), command("fine", "echo ok")],
        run_dir=run_dir,
    )
    by_name = {r.name: r for r in summary.results}
    assert by_name["full"].status.value == "passed"
    assert "log incomplete: No space left on device" in by_name["full"].summary
    assert by_name["fine"].status.value == "passed" and by_name["fine"].summary == "exit code 0"


def test_files_follow_the_umask_and_keep_their_mode_and_links(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.json"
        write_atomic(fresh, "{}")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        kept = tmp_path / "kept.json"
        kept.write_text("old")
        kept.chmod(0o640)
        write_atomic(kept, "new")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() == "new"
        real = tmp_path / "real.json"
        real.write_text("old")
        link = tmp_path / "link.json"
        link.symlink_to(real)
        write_atomic(link, "through the link")
        assert link.is_symlink() and real.read_text() == "through the link"
    finally:
        os.umask(old)
