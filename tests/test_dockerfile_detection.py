"""Only Dockerfiles are Dockerfiles, and each gets its own build-context validator, named after
it, that `--only dockerignore` selects by kind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from validators.config.detect import detect
from validators.config.load import load_config
from validators.docker.build_sources import find_builds

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "realworld" / "monorepo" / "dockerfiles.tar.gz"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def names(project: Path) -> list[str]:
    return sorted(b.dockerfile for b in find_builds(project).builds)


def test_the_real_monorepos_dockerfiles_folder(tmp_path: Path) -> None:
    if not SHARED.is_file():
        pytest.fail(f"{SHARED} is missing: the shared material is part of the workplace")
    with tarfile.open(SHARED) as tar:
        tar.extractall(tmp_path, filter="data")
    assert names(tmp_path) == [
        "dockerfiles/auth.Dockerfile",
        "dockerfiles/auth.staging.Dockerfile",
        "dockerfiles/backend.Dockerfile",
        "dockerfiles/backend.staging.Dockerfile",
        "dockerfiles/frontend.Dockerfile",
        "dockerfiles/frontend.staging.Dockerfile",
        "dockerfiles/load-tester.Dockerfile",
    ]  # not DOCKER_SSOT_MATRIX.md, __init__.py, the requirements or the nested .dockerignore


def test_names_as_docker_tooling_gives_them_and_content_where_the_name_is_doubtful(tmp_path: Path) -> None:
    files = {
        "Dockerfile": "FROM scratch\n",
        "dist.dockerfile": "FROM scratch\n",
        "Containerfile": "# syntax=docker/dockerfile:1\nARG BASE=x\nFROM $BASE\n",
        "Dockerfile.dev": "FROM scratch\n",
        "Dockerfile.md": "# How we build\n\nSee the Dockerfile.\n",
        "Dockerfile.txt": "FROM scratch\nCOPY . /\n",
        "Dockerfile.dockerignore": "*.log\n",
        "dockerfiles/api": "FROM scratch\n",
        "dockerfiles/README": "Dockerfiles live here.\n",
        "dockerfiles/__init__.py": "",
        "dockerfiles/NOTES.md": "FROM is the first instruction\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    os.mkfifo(tmp_path / "dockerfiles" / "worker")  # never opened
    assert names(tmp_path) == [
        "Containerfile",
        "Dockerfile",
        "Dockerfile.dev",
        "Dockerfile.txt",
        "dist.dockerfile",
        "dockerfiles/api",
    ]


def project_with_two_images(root: Path) -> Path:
    (root / "Dockerfile").write_text("FROM scratch\nCOPY app /app\n")
    (root / "worker.Dockerfile").write_text("FROM scratch\nCOPY missing.txt /x\n")
    (root / "app").mkdir()
    (root / "app" / "x.txt").write_text("x")
    (root / ".dockerignore").write_text(".checkdeck\n")
    return root


def test_one_validator_per_dockerfile_detected_or_configured(tmp_path: Path) -> None:
    root = project_with_two_images(tmp_path)
    detected = [s for s in detect(root) if s.kind == "dockerignore"]  # docker-build: tests/docker/
    assert [(s.name, s.kind) for s in detected] == [
        ("build context: Dockerfile", "dockerignore"),
        ("build context: worker.Dockerfile", "dockerignore"),
    ]
    (root / "checkdeck.toml").write_text(
        '[[validators]]\nname = "images"\nkind = "dockerignore"\n'
        '[[validators]]\nname = "one"\nkind = "dockerignore"\ndockerfiles = ["worker.Dockerfile"]\n'
    )
    config = load_config(root / "checkdeck.toml")
    assert [s.name for s in config.validators] == ["images: Dockerfile", "images: worker.Dockerfile", "one"]


def test_only_takes_a_kind_and_reports_name_each_validators_target(tmp_path: Path) -> None:
    root = project_with_two_images(tmp_path)
    (root / "checkdeck.toml").write_text(
        '[[validators]]\nname = "images"\nkind = "dockerignore"\n'
        '[[validators]]\nname = "echo"\nkind = "command"\nrun = "echo hi"\n'
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui", "run", *args], cwd=root, capture_output=True, text=True, env=ENV, timeout=120
        )

    done = run("--only", "dockerignore", "--export", "r.json")
    assert done.returncode == 1, done.stderr
    report = json.loads((root / "r.json").read_text())
    by_name = {v["name"]: v for v in report["validators"]}
    assert by_name["echo"]["status"] == "skipped" and by_name["echo"]["target"] == "echo hi"
    assert by_name["images: Dockerfile"]["status"] == "passed"
    assert by_name["images: Dockerfile"]["target"] == "Dockerfile"
    worker = by_name["images: worker.Dockerfile"]
    assert worker["status"] == "failed" and worker["target"] == "worker.Dockerfile"
    assert [f["rule"] for f in worker["findings"]] == ["docker/copy-source-missing"]
    wrong = run("--only", "dockerignor")
    assert wrong.returncode == 2
    assert "did you mean 'dockerignore'" in wrong.stderr and "kinds: command, dockerignore" in wrong.stderr
