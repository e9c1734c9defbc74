"""Dockerfile parsing and the image file tree simulated from COPY/ADD."""

from __future__ import annotations

import pytest

from validators.docker.dockerfile import DockerfileError, parse
from validators.docker.entrypoints import find_entrypoints
from validators.docker.image import ContextView, simulate

FILES = ["app/__init__.py", "app/main.py", "app/util/x.py", "requirements.txt", "README.md", "scripts/run.py"]


def image(text: str, files: list[str] = FILES) -> dict[str, str]:
    return simulate(parse(text), ContextView(files)).final.tree.files


def test_continuations_comments_and_json_form() -> None:
    df = parse(
        'FROM python:3.11 AS base\n# comment\nRUN pip install \\\n  # inside\n  requests\nCOPY ["app", "/srv/app"]\n'
    )
    [stage] = df.stages
    assert stage.name == "base"
    assert [(i.keyword, i.line) for i in stage.instructions] == [("RUN", 3), ("COPY", 6)]
    assert stage.instructions[0].args == "pip install requests"


def test_escape_directive_and_heredoc() -> None:
    text = "# escape=`\nFROM scratch\nRUN <<EOF\necho COPY nothing /x\nEOF\nCOPY app `\n  /srv/app\n"
    df = parse(text)
    assert [(i.keyword, i.line) for i in df.stages[0].instructions] == [("RUN", 3), ("COPY", 6)]
    assert image(text)["/srv/app/main.py"] == "app/main.py"


def test_copy_semantics_directory_file_glob_and_workdir() -> None:
    files = image(
        "FROM scratch\nWORKDIR /srv\nCOPY requirements.txt .\nCOPY app/ app/\nCOPY *.md docs/\nCOPY scripts/run.py /bin/run\n"
    )
    assert files["/srv/requirements.txt"] == "requirements.txt"
    assert files["/srv/app/util/x.py"] == "app/util/x.py"
    assert files["/srv/docs/README.md"] == "README.md"
    assert files["/bin/run"] == "scripts/run.py"


def test_arg_env_substitution_and_stages() -> None:
    text = (
        "ARG BASE=python:3.11\nFROM $BASE AS build\nARG SRC=app\nENV DEST=/opt/${SRC}\nCOPY ${SRC} $DEST\n"
        "FROM scratch\nCOPY --from=build /opt/app /final\nCOPY --from=nginx:latest /etc/nginx /etc/nginx\n"
    )
    df = parse(text)
    assert df.stages[0].base == "python:3.11"
    files = simulate(df, ContextView(FILES)).final.tree.files
    assert files["/final/main.py"] == "app/main.py"
    assert not any(p.startswith("/etc/nginx") for p in files)


def test_sources_that_match_nothing_are_recorded() -> None:
    sim = simulate(parse("FROM scratch\nCOPY missing.txt /x\nCOPY app /app\nCOPY *.cfg /etc/\n"), ContextView(FILES))
    assert [(s.source, s.matched) for s in sim.sources] == [("missing.txt", 0), ("app", 1), ("*.cfg", 0)]


def test_errors_name_the_line() -> None:
    with pytest.raises(DockerfileError, match=":1: RUN before the first FROM"):
        parse("RUN x\nFROM scratch\n")
    with pytest.raises(DockerfileError, match="no FROM"):
        parse("# nothing\n")


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ('CMD ["python", "-m", "app.main"]', [("module", "app.main")]),
        ("CMD python3 -u -m app.main --port 80", [("module", "app.main")]),
        ('CMD ["gunicorn", "-b", "0.0.0.0:80", "-w", "4", "app.wsgi:application"]', [("module", "app.wsgi")]),
        ("CMD uvicorn app.api:create_app --factory --host 0.0.0.0", [("module", "app.api")]),
        ('CMD ["celery", "-A", "app.worker", "worker"]', [("module", "app.worker")]),
        (
            'CMD ["sh", "-c", "python manage.py migrate && exec gunicorn site.wsgi:app"]',
            [("script", "/srv/manage.py"), ("module", "site.wsgi")],
        ),
        ('ENTRYPOINT ["python"]\nCMD ["scripts/run.py"]', [("script", "/srv/scripts/run.py")]),
        ('CMD ["./start.sh"]', []),
    ],
)
def test_entrypoints(cmd: str, expected: list[tuple[str, str]]) -> None:
    sim = simulate(parse(f"FROM python:3.11\nWORKDIR /srv\n{cmd}\n"), ContextView(FILES))
    assert [(e.kind, e.target) for e in find_entrypoints(sim.final)] == expected


@pytest.mark.parametrize(
    "run",
    ['python -c "print(1<<x)"', "python -c 'a = 1 <<2'", "echo '<<EOF'", 'sh -c "cat <<EOF"'],
)
def test_a_shift_or_a_quoted_heredoc_marker_is_not_a_heredoc(run: str) -> None:
    df = parse(f"FROM scratch\nRUN {run}\nCOPY really-missing.txt /x\nCOPY app /app\n")
    [stage] = df.stages
    assert [(i.keyword, i.line, i.heredocs) for i in stage.instructions] == [
        ("RUN", 2, ()),
        ("COPY", 3, ()),
        ("COPY", 4, ()),
    ]


@pytest.mark.parametrize("marker", ["<<EOF", "<<-EOF", '<<"EOF"', "3<<EOF"])
def test_heredocs_start_where_buildkit_starts_them(marker: str) -> None:
    df = parse(f"FROM scratch\nRUN cat {marker}\nCOPY inside.txt /x\nEOF\nCOPY app /app\n")
    [stage] = df.stages
    assert [(i.keyword, i.line) for i in stage.instructions] == [("RUN", 2), ("COPY", 5)]


def _final(text: str, files: list[str] = FILES) -> object:
    return simulate(parse(text), ContextView(files)).final


def test_python_c_code_imports_are_entrypoints() -> None:
    final = _final(
        'FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCMD ["python", "-c", "import app.main; from lib import x"]\n'
    )
    assert [(e.kind, e.target) for e in find_entrypoints(final)] == [("module", "app.main"), ("module", "lib")]  # type: ignore[arg-type]


def test_an_entrypoint_script_is_read_and_exec_dollar_at_hands_over_to_cmd() -> None:
    files = [*FILES, "docker/entrypoint.sh", "docker/start.sh"]
    scripts = {
        "docker/entrypoint.sh": b'#!/bin/sh\nset -e\npython -m app.migrate\nexec "$@"\n',
        "docker/start.sh": b"#!/bin/bash\nexec gunicorn \\\n  --bind 0.0.0.0:8000 app.wsgi:application\n",
    }
    text = (
        "FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCOPY docker/entrypoint.sh /entrypoint.sh\n"
        'ENTRYPOINT ["/entrypoint.sh"]\nCMD ["python", "./scripts/run.py"]\n'
    )
    final = simulate(parse(text), ContextView(files)).final

    def read(image_path: str) -> bytes | None:
        origin = final.tree.files.get(image_path)
        return scripts.get(origin) if origin else None

    found = find_entrypoints(final, read)
    assert [(e.kind, e.target, e.source) for e in found] == [
        ("module", "app.migrate", "ENTRYPOINT script /entrypoint.sh"),
        ("script", "/srv/scripts/run.py", "CMD"),
    ]
    shell = simulate(parse("FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCMD docker/start.sh\n"), ContextView(files)).final
    found = find_entrypoints(shell, lambda p: scripts.get(shell.tree.files.get(p) or ""))
    assert [(e.kind, e.target) for e in found] == [("module", "app.wsgi")]


def test_a_line_that_is_no_instruction_is_refused_with_its_line_as_docker_does() -> None:
    # A multi-line `echo '…'` without continuations: Docker reads its second line as an
    # instruction and refuses the file (seen in a real repository's load-tester.Dockerfile).
    text = 'FROM python:3.9-slim\nRUN echo \'#!/usr/bin/env python3\n"""\nfrom locust import HttpUser\n\'\n'
    with pytest.raises(DockerfileError) as caught:
        parse(text)
    assert caught.value.line == 3 and 'unknown instruction: """' in str(caught.value)
    assert parse("FROM scratch\nRUN\techo tab-separated\n").stages[0].instructions[0].keyword == "RUN"
