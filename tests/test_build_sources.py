"""Where each build comes from: compose files, CI workflows, Dockerfiles in subfolders, and a
context guessed from the COPY lines when nobody names one; said by `checkdeck list`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT, write_tree
from validators.docker.build_sources import find_builds
from validators.docker.dockerfile import parse
from validators.docker.image import ContextView, simulate


def test_compose_files_give_context_dockerfile_args_and_target(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "backend/Dockerfile": "ARG PYTHON\nFROM python:$PYTHON\nARG FROM_SHELL\nARG WITH_DEFAULT\n",
            "worker/Containerfile": "FROM python:3.12\n",
            "deploy/docker-compose.prod.yml": (
                "x-common: &common\n  restart: always\nservices:\n"
                "  api:\n    <<: *common\n    image: acme/api:${TAG:-dev}\n    build:\n      context: ..\n"
                "      dockerfile: backend/Dockerfile\n      target: prod\n"
                "      args:\n        PYTHON: '3.12'\n        FROM_SHELL: ${FROM_SHELL}\n        WITH_DEFAULT: ${X:-yes}\n"
                "  worker:\n    build: ../worker\n  db:\n    image: postgres:16\n"
                "  remote:\n    build: https://github.com/acme/x.git\n"
            ),
        },
    )
    builds = find_builds(tmp_path)
    by_file = {b.dockerfile: b for b in builds.builds}
    api = by_file["backend/Dockerfile"]
    assert (api.context, api.target, api.origin) == (".", "prod", "deploy/docker-compose.prod.yml service api")
    # A value the user's shell gives is unknown here: left out, not guessed.
    assert api.build_args == (("PYTHON", "3.12"), ("WITH_DEFAULT", "yes"))
    assert api.image == "acme/api:dev" and not api.context_guessed
    # `build: ../worker` is a context, with its own Dockerfile... which is a Containerfile here.
    assert "worker/Containerfile" in by_file and by_file["worker/Containerfile"].context_guessed
    assert any("service worker" in n and "worker/Dockerfile does not exist" in n for n in builds.notes)
    assert any("service remote" in n for n in builds.notes)


def test_workflow_builds_and_plain_docker_build_lines(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "container/dist.dockerfile": "FROM python:3.12\nARG A\nARG B\n",
            "tools/Dockerfile": "FROM python:3.12\n",
            "ops/Dockerfile.ci": "FROM python:3.12\nARG MODE\n",
            ".github/workflows/release.yaml": (
                "jobs:\n  build:\n    steps:\n"
                "      - uses: docker/build-push-action@v6\n        with:\n          context: .\n"
                "          file: container/dist.dockerfile\n          build-args: |\n            A=1\n"
                "            B=${{ secrets.B }}\n          tags: ghcr.io/acme/app:latest\n"
                "      - uses: docker/build-push-action@v6\n        with:\n          context: ${{ matrix.dir }}\n"
                "      - run: |\n          docker build -f ops/Dockerfile.ci --build-arg MODE=ci -t acme/ci . && echo done\n"
            ),
        },
    )
    by_file = {b.dockerfile: b for b in find_builds(tmp_path).builds}
    dist = by_file["container/dist.dockerfile"]
    assert (dist.context, dist.build_args, dist.image) == (".", (("A", "1"),), "ghcr.io/acme/app:latest")
    assert dist.origin == ".github/workflows/release.yaml job build (docker/build-push-action)"
    ci = by_file["ops/Dockerfile.ci"]
    assert (ci.context, ci.build_args, ci.image) == (".", (("MODE", "ci"),), "acme/ci")
    assert ci.origin.endswith("(docker build)")
    # Named by nobody: found in its folder, context guessed.
    assert find_builds(tmp_path).builds[0].label == "release: build"
    assert by_file["tools/Dockerfile"].origin.startswith("found in tools/")


def test_an_unnamed_dockerfile_gets_the_context_its_copy_lines_point_at(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "backend/app/main.py": "",
            "backend/Dockerfile": "FROM python:3.12\nCOPY ./backend/app /app\n",
            "frontend/package.json": "{}",
            "frontend/Dockerfile": "FROM node:20\nCOPY package.json .\n",
            "node_modules/x/Dockerfile": "FROM scratch\n",
            "tests/fixtures/Dockerfile": "FROM scratch\n",
            ".devcontainer/Dockerfile": "FROM scratch\n",
        },
    )
    by_file = {b.dockerfile: b for b in find_builds(tmp_path).builds}
    assert set(by_file) == {"backend/Dockerfile", "frontend/Dockerfile"}
    assert by_file["backend/Dockerfile"].context == "."
    assert "context the project root, where its COPY source exists" in by_file["backend/Dockerfile"].origin
    assert by_file["frontend/Dockerfile"].context == "frontend"


def test_a_broken_compose_file_is_a_note_naming_its_line(tmp_path: Path) -> None:
    write_tree(tmp_path, {"compose.yaml": "services:\n  api:\n    build: .\n   bad: [\n", "Dockerfile": "FROM x\n"})
    builds = find_builds(tmp_path)
    assert [b.dockerfile for b in builds.builds] == ["Dockerfile"]
    [note] = builds.notes
    assert note.startswith("compose.yaml:") and "not read" in note


def test_list_says_where_each_build_came_from(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "backend/Dockerfile": "FROM python:3.12\n",
            "compose.yaml": "services:\n  api:\n    build:\n      context: .\n      dockerfile: backend/Dockerfile\n",
            "Dockerfile": "FROM python:3.12\n",
        },
    )
    out = subprocess.run(
        [sys.executable, "-m", "tui", "list", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    ).stdout
    assert "build context: Dockerfile" in out and "found at the project root" in out
    assert "build context: backend/Dockerfile" in out and "compose.yaml service api" in out


def test_cmd_set_before_entrypoint_in_the_same_stage_is_kept() -> None:
    # Docker keeps it (`docker inspect` shows both); only an inherited CMD is reset.
    text = 'FROM python:3.12 AS base\nCMD ["inherited"]\nFROM base\nCMD ["python", "app.py"]\nENTRYPOINT ["/e.sh"]\n'
    final = simulate(parse(text), ContextView([])).final
    assert final.cmd is not None and final.cmd.args == '["python", "app.py"]'
    text = 'FROM python:3.12 AS base\nCMD ["inherited"]\nFROM base\nENTRYPOINT ["/e.sh"]\n'
    assert simulate(parse(text), ContextView([])).final.cmd is None


def test_an_override_file_is_merged_over_the_base_compose_file(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "backend/Dockerfile": "FROM python:3.12 AS dev\nFROM python:3.12 AS prod\n",
            "compose.yaml": "services:\n  api:\n    build:\n      context: .\n      dockerfile: backend/Dockerfile\n",
            "compose.override.yaml": "services:\n  api:\n    build:\n      target: dev\n",
        },
    )
    builds = find_builds(tmp_path)
    assert sorted((b.dockerfile, b.context, b.target or "") for b in builds.builds) == [
        ("backend/Dockerfile", ".", ""),
        ("backend/Dockerfile", ".", "dev"),
    ]
    assert builds.notes == []  # the override alone names no Dockerfile: it is not a build of its own


def test_a_source_that_exists_nowhere_does_not_make_the_context_a_guess(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "backend/app/main.py": "",
            "backend/Dockerfile": "FROM python:3.12\nCOPY backend/app /app\nCOPY alembic.ini /app/\n",
            "ops/Dockerfile": "FROM python:3.12\nCOPY Dockerfile /x\nCOPY ops/Dockerfile /y\n",
        },
    )
    by_file = {b.dockerfile: b for b in find_builds(tmp_path).builds}
    backend = by_file["backend/Dockerfile"]
    # alembic.ini is nowhere: the missing file is certain, the context is not in doubt.
    assert (backend.context, backend.context_guessed) == (".", False)
    assert "where 1 of its 2 COPY sources exist (1 exists nowhere in the checkout)" in backend.origin
    # `Dockerfile` exists in ops/, `ops/Dockerfile` at the root: no context has both.
    ops = by_file["ops/Dockerfile"]
    assert ops.context_guessed and ops.context == "ops"


def test_compose_files_that_are_no_such_thing_are_notes_not_hangs(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Dockerfile": "FROM x\n", "sub/Dockerfile": "FROM x\n"})
    os.mkfifo(tmp_path / "compose.yaml")  # a FIFO: never opened, so never waited on
    (tmp_path / "sub" / "docker-compose.yml").write_bytes(b"services: {}\n" + b"#" * (5 << 20))
    (tmp_path / "docker-compose.yaml").write_bytes(b"services:\n  api:\n    build: \xff\n")
    builds = find_builds(tmp_path)
    assert sorted(b.dockerfile for b in builds.builds) == ["Dockerfile", "sub/Dockerfile"]
    assert any(n.startswith("sub/docker-compose.yml: not read (larger than 4 MiB") for n in builds.notes)
    assert any(n.startswith("docker-compose.yaml: not read") for n in builds.notes)
