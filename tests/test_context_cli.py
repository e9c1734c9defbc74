"""`checkdeck context ls` and `checkdeck context why`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main


def make(root: Path) -> Path:
    for name in ["app/main.py", "app/services/monitoring/health.py", "docs/guide.md", "big/blob.bin", "a b.txt"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    (root / "big" / "blob.bin").write_bytes(b"x" * 50_000)
    (root / "link").symlink_to("app")
    (root / ".dockerignore").write_text("# docs are built elsewhere\ndocs\n**/monitoring/\n!**/health.py\n")
    (root / "Dockerfile").write_text("FROM scratch\nCOPY . /x\n")
    return root


def test_ls_prints_sorted_posix_paths_with_symlinks_as_themselves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make(tmp_path)
    assert main(["context", "ls", str(root)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        ".dockerignore",
        "Dockerfile",
        "a b.txt",
        "app/main.py",
        "app/services/monitoring/health.py",
        "big/blob.bin",
        "link",
    ]
    # The classic walker prunes the excluded directory: a wildcard exception cannot reach inside.
    assert main(["context", "ls", str(root), "--builder", "classic"]) == 0
    assert "app/services/monitoring/health.py" not in capsys.readouterr().out.splitlines()


def test_ls_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make(tmp_path)
    assert main(["context", "ls", str(root), "--size"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "49.0 KiB in 7 files"
    assert "big/" in out[1]


def test_ls_exits_non_zero_when_docker_would_refuse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make(tmp_path)
    (root / ".dockerignore").write_text("ok\n\n[broken\n")
    assert main(["context", "ls", str(root)]) == 1
    err = capsys.readouterr().err
    assert f"{root / '.dockerignore'}:3:" in err and "Docker refuses this build" in err


def test_why_names_file_line_and_pattern(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make(tmp_path)
    paths = ["docs/guide.md", "app/services/monitoring/health.py", "app/main.py"]
    assert main(["context", "why", "-C", str(root), *paths]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("excluded  .dockerignore:2:docs\tdocs/guide.md")
    assert lines[1].startswith("sent      .dockerignore:4:!**/health.py\tapp/services/monitoring/health.py")
    assert lines[2].startswith("sent      ::\tapp/main.py  (no pattern matched)")
    assert main(["context", "why", "-C", str(root), "--builder", "classic", paths[1]]) == 0
    assert capsys.readouterr().out.startswith(
        "excluded  .dockerignore:3:**/monitoring/\tapp/services/monitoring/health.py  (directory app/services/monitoring/"
    )
