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
    assert main(["context", "ls", str(root), "--engine", "current"]) == 0
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


def test_the_engine_version_picks_the_generation_of_buildkit_rules_and_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make(tmp_path)
    health = "app/services/monitoring/health.py"
    # Docker 20.10's BuildKit prunes the excluded directory: the wildcard exception cannot reach it.
    assert main(["context", "ls", str(root), "--engine", "20.10.24"]) == 0
    out = capsys.readouterr()
    assert health not in out.out.splitlines() and "app/main.py" in out.out.splitlines()
    assert "BuildKit v0.8 rules (engine 20.10.24, as configured)" in out.err
    assert main(["context", "why", "-C", str(root), "--engine", "20.10", health]) == 0
    assert capsys.readouterr().out.startswith(f"excluded  .dockerignore:3:**/monitoring/\t{health}  (directory")
    assert main(["context", "ls", str(root), "--engine", "24.0.7"]) == 0
    out = capsys.readouterr()
    assert health in out.out.splitlines() and "current BuildKit rules (engine 24.0.7, as configured)" in out.err
    assert main(["context", "ls", str(root), "--engine", "twenty"]) == 2
    assert "--engine: not an engine version: 'twenty'" in capsys.readouterr().err


def test_ls_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make(tmp_path)
    assert main(["context", "ls", str(root), "--size", "--engine", "current"]) == 0
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
    assert main(["context", "why", "-C", str(root), "--engine", "current", *paths]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("excluded  .dockerignore:2:docs\tdocs/guide.md")
    assert lines[1].startswith("sent      .dockerignore:4:!**/health.py\tapp/services/monitoring/health.py")
    assert lines[2].startswith("sent      ::\tapp/main.py  (no pattern matched)")
    assert main(["context", "why", "-C", str(root), "--builder", "classic", paths[1]]) == 0
    assert capsys.readouterr().out.startswith(
        "excluded  .dockerignore:3:**/monitoring/\tapp/services/monitoring/health.py  (directory app/services/monitoring/"
    )


def test_why_says_never_sent_for_what_no_build_can_see(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    root = make(tmp_path)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "app.sock"))
    try:
        paths = ["app.sock", "link/main.py", "../../etc/passwd", "nothing/here.txt", "app/main.py"]
        assert main(["context", "why", "-C", str(root), *paths]) == 0
    finally:
        sock.close()
    lines = capsys.readouterr().out.splitlines()
    by_path = {line.split("\t")[1].split("  (")[0]: line for line in lines}
    assert by_path["app.sock"].startswith("excluded") and "a socket: the build does not send it" in by_path["app.sock"]
    assert "link is a symlink" in by_path["link/main.py"] and by_path["link/main.py"].startswith("excluded")
    assert "outside the build context" in by_path["../../etc/passwd"]
    assert "no such file in the build context" in by_path["nothing/here.txt"]
    assert by_path["app/main.py"].startswith("sent")


def test_a_missing_dockerfile_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make(tmp_path)
    assert main(["context", "ls", str(root), "-f", str(tmp_path / "nonexistent" / "Dockerfile")]) == 2
    assert "no such Dockerfile" in capsys.readouterr().err


def odd_names(tmp_path: Path) -> Path:
    import os

    root = tmp_path / "ctx"
    root.mkdir()
    (root / "two\nlines.txt").write_text("x")
    (root / os.fsdecode(b"caf\xe9.txt")).write_text("x")
    (root / "plain.txt").write_text("x")
    return root


def test_odd_names_are_quoted_one_per_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = odd_names(tmp_path)
    assert main(["context", "ls", str(root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ['"caf\\351.txt"', "plain.txt", '"two\\nlines.txt"']


def test_z_gives_the_names_raw(tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    root = odd_names(tmp_path)
    assert main(["context", "ls", "-z", str(root)]) == 0
    raw = capfdbinary.readouterr().out
    assert raw.split(b"\0") == [b"caf\xe9.txt", b"plain.txt", b"two\nlines.txt", b""]
