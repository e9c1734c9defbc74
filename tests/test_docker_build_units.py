"""The docker-build kind's pieces that need no engine: step numbering, the two stream formats,
BuildKit's trace wire format, the context tar, failure wording, endpoints, config errors, and
the shape of docker-py's private helpers that the build request relies on."""

from __future__ import annotations

import base64
import inspect
import io
import os
import tarfile
from pathlib import Path

import pytest

from tests.helpers import write_tree
from validators.config.load import ConfigError, load_config
from validators.docker.build_context import ContextSpec, compute
from validators.docker.dockerfile import parse
from validators.dockerapi import context_tar
from validators.dockerapi.build_stream import StreamReader
from validators.dockerapi.buildkit_trace import TraceError, decode
from validators.dockerapi.endpoint import Endpoint, explain, resolve
from validators.dockerapi.steps import StepPlan, needed_stages
from validators.kinds.docker_build.choice import choose_builder, sessionless_blockers, syntax_directive
from validators.kinds.docker_build.explain_error import explain_failure

MULTI = """ARG BASE=python:3.11
FROM ${BASE} AS deps
RUN pip install x
FROM busybox AS unused
RUN echo never
FROM scratch AS final
COPY --from=deps /x /x
ENV A=1
WORKDIR /srv
CMD ["x"]
"""


def test_classic_steps_count_meta_args_every_stage_and_one_label_step_per_label() -> None:
    plan = StepPlan(parse(MULTI), "classic", None, labels=3)
    texts = [(s.number, s.keyword, s.line) for s in plan.steps]
    assert texts[:3] == [(1, "ARG", 1), (2, "FROM", 2), (3, "RUN", 3)]
    assert plan.total == 1 + 3 + 6 + 3  # meta ARG, 3 FROMs, 6 instructions, 3 labels
    assert [s.keyword for s in plan.steps[-3:]] == ["LABEL"] * 3
    # The daemon says "Step 5/12 : RUN echo never": the step is line 5's.
    step = plan.classic_step(5, plan.total, "RUN echo never")
    assert step.line == 5


def test_classic_steps_stop_at_the_target_and_fold_labels_into_one_step_when_the_daemon_does() -> None:
    plan = StepPlan(parse(MULTI), "classic", "deps", labels=3)
    assert [s.keyword for s in plan.steps] == ["ARG", "FROM", "RUN", "LABEL", "LABEL", "LABEL"]
    # A newer daemon counts one LABEL step for all labels: 4 steps, not 6.
    step = plan.classic_step(4, 4, "LABEL a=1 b=2 c=3")
    assert step.keyword == "LABEL" and plan.total == 4


def test_buildkit_steps_are_the_filesystem_instructions_of_the_stages_the_target_needs() -> None:
    dockerfile = parse(MULTI)
    assert needed_stages(dockerfile, None) == [0, 2]
    plan = StepPlan(dockerfile, "buildkit", None)
    assert [(s.keyword, s.line) for s in plan.steps] == [("FROM", 2), ("RUN", 3), ("COPY", 7), ("WORKDIR", 9)]
    assert plan.buildkit_step("[final 2/2] WORKDIR /srv").line == 9  # type: ignore[union-attr]
    assert plan.buildkit_step("[deps 2/2] RUN pip install x").line == 3  # type: ignore[union-attr]
    assert plan.buildkit_step("[internal] load remote build context") is None
    assert plan.buildkit_step("exporting to image") is None


def test_buildkit_names_an_unnamed_stage_stage_n() -> None:
    plan = StepPlan(parse('FROM scratch AS base\nCOPY a /a\nFROM base\nRUN ["x"]\n'), "buildkit", None)
    assert plan.buildkit_step('[stage-1 1/1] RUN ["x"]').line == 4  # type: ignore[union-attr]
    assert plan.buildkit_step("[base 1/1] COPY a /a").line == 2  # type: ignore[union-attr]


# The classic stream as dockerd 20.10 writes it (docker-build.md §1.2), for a failing RUN.
CLASSIC_FAILURE = [
    {"stream": "Step 1/3 : FROM scratch"},
    {"stream": "\n"},
    {"stream": " ---> \n"},
    {"stream": "Step 2/3 : COPY busybox /bin/busybox"},
    {"stream": "\n"},
    {"stream": " ---> Using cache\n"},
    {"stream": " ---> 567a8ffee806\n"},
    {"stream": 'Step 3/3 : RUN ["/bin/busybox", "sh", "-c", "echo out; echo err >&2; exit 3"]'},
    {"stream": "\n"},
    {"stream": " ---> Running in 7f9849e30c51\n"},
    {"stream": "out\n\n"},
    {"stream": "\u001b[91merr\n\u001b[0m"},
    {"errorDetail": {"code": 3, "message": "The command '/bin/busybox sh -c ...' returned a non-zero code: 3"},
     "error": "The command '/bin/busybox sh -c ...' returned a non-zero code: 3"},
]  # fmt: skip


def test_the_classic_stream_gives_step_states_output_and_the_failing_step() -> None:
    dockerfile = parse(
        'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo out; echo err >&2; exit 3"]\n'
    )
    plan = StepPlan(dockerfile, "classic", None)
    reader = StreamReader(plan)
    lines = [line for item in CLASSIC_FAILURE for line in reader.feed(item)]
    assert [s.state for s in plan.steps] == ["base", "cached", "failed"]
    assert reader.state.failed is plan.steps[2] and reader.state.failed.line == 3
    assert list(plan.steps[2].tail) == ["out", "", "err"]  # a blank line of output is output
    assert ("stderr", "err") in lines and ("stdout", "out") in lines
    assert reader.state.created == []  # the cached layer was not made by this build
    assert "non-zero code: 3" in (reader.state.error or "")


def _field(number: int, value: bytes | int) -> bytes:
    def varint(n: int) -> bytes:
        out = b""
        while True:
            byte = n & 0x7F
            n >>= 7
            if n:
                out += bytes([byte | 0x80])
            else:
                return out + bytes([byte])

    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value


def _trace(*parts: bytes) -> str:
    return base64.b64encode(b"".join(parts)).decode()


def test_buildkit_trace_messages_decode_into_vertices_and_logs() -> None:
    started = _field(1, 1_700_000_000) + _field(2, 500_000_000)
    completed = _field(1, 1_700_000_002)
    vertex = _field(1, b"sha256:abc") + _field(3, b"[2/2] RUN make") + _field(5, started) + _field(6, completed)
    log = _field(1, b"sha256:abc") + _field(3, 2) + _field(4, b"oops\n")
    status = decode(_trace(_field(1, vertex), _field(3, log), _field(4, _field(3, b"deprecated thing"))))
    assert status.vertexes[0].name == "[2/2] RUN make"
    assert status.vertexes[0].completed - status.vertexes[0].started == pytest.approx(1.5)  # type: ignore[operator]
    assert (status.logs[0].stream, status.logs[0].data) == (2, b"oops\n")
    assert status.warnings == ["deprecated thing"]
    with pytest.raises(TraceError):
        decode(base64.b64encode(b"\x0a\xff").decode())  # a length past the end


def test_the_buildkit_stream_maps_vertices_to_steps_with_their_output_and_error() -> None:
    plan = StepPlan(parse("FROM scratch\nCOPY a /a\nRUN make\n"), "buildkit", None)
    reader = StreamReader(plan)
    started = _field(5, _field(1, 1_700_000_000))
    copy = _field(1, b"d1") + _field(3, b"[1/2] COPY a /a") + _field(4, 1) + started
    run = _field(1, b"d2") + _field(3, b"[2/2] RUN make") + started
    reader.feed({"id": "moby.buildkit.trace", "aux": _trace(_field(1, copy), _field(1, run))})
    reader.feed(
        {"id": "moby.buildkit.trace", "aux": _trace(_field(3, _field(1, b"d2") + _field(3, 1) + _field(4, b"par")))}
    )
    reader.feed(
        {
            "id": "moby.buildkit.trace",
            "aux": _trace(_field(3, _field(1, b"d2") + _field(3, 1) + _field(4, b"tial\nx\n"))),
        }
    )
    failed = run + _field(6, _field(1, 1_700_000_003)) + _field(7, b"executor failed running [make]: exit code: 2")
    reader.feed({"id": "moby.buildkit.trace", "aux": _trace(_field(1, failed))})
    reader.feed({"errorDetail": {"message": "executor failed running [make]: exit code: 2"}})
    assert [s.state for s in plan.steps] == ["cached", "failed"]
    assert list(plan.steps[1].tail) == ["partial", "x"]
    assert reader.state.failed is plan.steps[1]


def test_a_failure_is_explained_on_its_line_with_the_ignore_line_that_excluded_a_copy(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path, {"Dockerfile": "FROM scratch\nCOPY app.cfg /\n", "app.cfg": "x", ".dockerignore": "*.cfg\n"}
    )
    report = compute(ContextSpec(root, root / "Dockerfile", "classic"))
    plan = StepPlan(parse((root / "Dockerfile").read_text()), "classic", None)
    step = plan.classic_step(2, 2, "COPY app.cfg /")
    error = (
        "COPY failed: file not found in build context or excluded by .dockerignore: stat app.cfg: file does not exist"
    )
    failure = explain_failure(error, step, plan, report, "Dockerfile", root, None)
    assert (failure.rule, failure.line) == ("docker-build/copy-excluded", 2)
    assert "excluded by .dockerignore:1 `*.cfg`" in failure.message
    buildkit = explain_failure('failed to compute cache key: "/app.cfg" not found: not found', step, plan, report,
                               "Dockerfile", root, None)  # fmt: skip
    assert buildkit.rule == "docker-build/copy-excluded"
    parse_error = explain_failure("dockerfile parse error line 2: unknown instruction: FOO", None, plan, report,
                                  "Dockerfile", root, None)  # fmt: skip
    assert (parse_error.rule, parse_error.line) == ("docker-build/dockerfile-parse", 2)
    frontend = explain_failure(
        "failed to solve with frontend dockerfile.v0: failed to solve with frontend gateway.v0: failed to do "
        "request: dial tcp: lookup registry-1.docker.io: no such host", None, plan, report, "Dockerfile", root,
        (1, "docker/dockerfile:1"),
    )  # fmt: skip
    assert (frontend.rule, frontend.line) == ("docker-build/needs-frontend", 1)


def test_auto_picks_buildkit_for_what_only_it_builds_and_says_why() -> None:
    plain = parse("FROM scratch\nCOPY a /a\n")
    mounts = parse("FROM scratch\nRUN --mount=type=cache,target=/c make\n")
    assert choose_builder("auto", "", plain, None, "20.10.24").builder == "classic"
    assert choose_builder("auto", "", plain, "2", "24.0.7").builder == "buildkit"
    choice = choose_builder("auto", "", mounts, None, "20.10.24")
    assert choice.builder == "buildkit" and "RUN --mount on line 2" in choice.why
    assert choose_builder("classic", "", mounts, "2", "24.0").builder == "classic"
    secret = parse("FROM scratch\nRUN --mount=type=secret,id=npm make\n")
    [finding] = sessionless_blockers(secret, "buildkit", "Dockerfile")
    assert (finding.rule, finding.line) == ("docker-build/needs-session", 2)
    assert sessionless_blockers(secret, "classic") == []
    assert syntax_directive("# syntax=docker/dockerfile:1.4\nFROM scratch\n") == (1, "docker/dockerfile:1.4")
    assert syntax_directive("FROM scratch\n# syntax=x\n") is None


def _tar_members(context: context_tar.ContextPlan) -> list[tarfile.TarInfo]:
    data = b"".join(context_tar.stream(context))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getmembers()


def test_the_context_tar_holds_what_the_listing_sends_with_folders_links_and_modes(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"Dockerfile": "FROM scratch\n", "app/pkg/mod.py": "x = 1\n", "secret.env": "A=1",
                                 ".dockerignore": "*.env\n"})  # fmt: skip
    (root / "app" / "run.sh").write_text("#!/bin/sh\n")
    (root / "app" / "run.sh").chmod(0o755)
    (root / "app" / "link").symlink_to("pkg/mod.py")
    report = compute(ContextSpec(root, root / "Dockerfile", "buildkit"))
    members = {m.name: m for m in _tar_members(context_tar.plan(report, root / "Dockerfile"))}
    assert set(members) == {".dockerignore", "Dockerfile", "app", "app/link", "app/pkg", "app/pkg/mod.py", "app/run.sh"}
    assert members["app/run.sh"].mode == 0o755 and members["app/link"].linkname == "pkg/mod.py"
    assert members["app"].isdir() and members["app/pkg/mod.py"].uid == 0
    data = b"".join(context_tar.stream(context_tar.plan(report, root / "Dockerfile")))
    assert data[156:157] != b"x"  # the first header is a plain one, never PAX: BuildKit sniffs it


def test_a_name_that_is_not_utf8_reaches_the_tar_as_its_bytes(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"Dockerfile": "FROM scratch\n"})
    with open(os.path.join(os.fsencode(root), b"caf\xe9.txt"), "wb") as f:
        f.write(b"latin-1 name")
    report = compute(ContextSpec(root, root / "Dockerfile", "buildkit"))
    data = b"".join(context_tar.stream(context_tar.plan(report, root / "Dockerfile")))
    with tarfile.open(fileobj=io.BytesIO(data), encoding="utf-8", errors="surrogateescape") as tar:
        names = {os.fsencode(m.name) for m in tar.getmembers()}
    assert b"caf\xe9.txt" in names


def test_a_dockerfile_outside_the_context_is_sent_under_the_name_the_cli_gives_it(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"ctx/a.txt": "a", "build/api.Dockerfile": "FROM scratch\nCOPY a.txt /\n"})
    report = compute(ContextSpec(root / "ctx", root / "build" / "api.Dockerfile", "buildkit"))
    context = context_tar.plan(report, root / "build" / "api.Dockerfile")
    members = {m.name for m in _tar_members(context)}
    assert context.dockerfile_name in members and "a.txt" in members


def test_the_context_tar_streams_in_bounded_chunks_and_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"Dockerfile": "FROM scratch\n"})
    with open(root / "big.bin", "wb") as f:
        f.truncate(5 * 1024 * 1024)
    report = compute(ContextSpec(root, root / "Dockerfile", "buildkit"))
    context = context_tar.plan(report, root / "Dockerfile")
    assert max(len(chunk) for chunk in context_tar.stream(context)) <= context_tar.CHUNK + 1024
    os.unlink(root / "big.bin")
    os.mkfifo(root / "big.bin")  # replaced by a FIFO after the listing: never opened for reading
    with pytest.raises(context_tar.ContextReadError, match=r"big\.bin is no longer a regular file"):
        b"".join(context_tar.stream(context))


def test_an_unreachable_engine_is_explained_with_its_endpoint_and_what_to_do(tmp_path: Path) -> None:
    gone = Endpoint("unix:///nonexistent/docker.sock", "DOCKER_HOST")
    assert "no Docker engine at unix:///nonexistent/docker.sock (DOCKER_HOST)" in explain(
        gone, FileNotFoundError(2, "x")
    )
    sock = tmp_path / "docker.sock"
    sock.touch()
    denied = explain(Endpoint(f"unix://{sock}", "default"), PermissionError(13, "Permission denied"))
    assert "permission denied" in denied and "docker` group" in denied
    refused = explain(Endpoint("tcp://127.0.0.1:1", "DOCKER_HOST"), ConnectionRefusedError(111, "Connection refused"))
    assert "nothing listens at tcp://127.0.0.1:1" in refused


def test_the_endpoint_is_docker_host_else_the_current_context(tmp_path: Path) -> None:
    assert resolve({"DOCKER_HOST": "tcp://10.1.2.3:2376", "DOCKER_TLS_VERIFY": "1"}) == Endpoint(
        "tcp://10.1.2.3:2376", "DOCKER_HOST", True
    )
    import hashlib
    import json

    config = tmp_path / ".docker"
    meta = config / "contexts" / "meta" / hashlib.sha256(b"remote").hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({"Name": "remote", "Metadata": {},
                                                "Endpoints": {"docker": {"Host": "tcp://10.9.9.9:2375"}}}))  # fmt: skip
    (config / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    env = {"DOCKER_CONFIG": str(config), "HOME": str(tmp_path)}
    old = dict(os.environ)
    os.environ.update(env)
    try:
        found = resolve(env)
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert found.host == "tcp://10.9.9.9:2375" and found.source == "docker context remote"


def test_bad_docker_build_keys_are_config_errors_with_file_line_and_key(tmp_path: Path) -> None:
    (tmp_path / "checkdeck.toml").write_text(
        '[[validators]]\nname = "img"\nkind = "docker-build"\ndockerfile = "Dockerfile"\nbuilder = "kaniko"\n'
    )
    with pytest.raises(ConfigError, match=r"checkdeck.toml:5: validators\[0\].builder: expected one of"):
        load_config(tmp_path / "checkdeck.toml")
    (tmp_path / "checkdeck.toml").write_text(
        '[[validators]]\nname = "img"\nkind = "docker-build"\nfiles = { present = ["a"], gone = ["b"] }\n'
    )
    with pytest.raises(ConfigError, match=r"checkdeck.toml:4: validators\[0\].files: unknown key 'gone'"):
        load_config(tmp_path / "checkdeck.toml")
    (tmp_path / "checkdeck.toml").write_text('[[validators]]\nname = "img"\nkind = "docker-build"\nsmoke = [""]\n')
    with pytest.raises(ConfigError, match=r"checkdeck.toml:4: validators\[0\].smoke: item 0"):
        load_config(tmp_path / "checkdeck.toml")


def test_the_private_docker_py_helpers_the_build_request_uses_keep_their_shape() -> None:
    from docker import APIClient

    # _post and _get are wrapped by docker-py's header decorator: (self, url, **kwargs) inside.
    for name, params in {
        "_post": ["url"],
        "_url": ["pathfmt"],
        "_raise_for_status": ["response"],
        "_stream_helper": ["response", "decode"],
        "_get": ["url"],
    }.items():
        function = getattr(APIClient, name)
        signature = inspect.signature(getattr(function, "__wrapped__", function))
        code = getattr(function, "__code__", None)
        names = set(signature.parameters) | set(code.co_varnames if code else ())
        inner = (
            [c for c in (function.__closure__ or ()) if callable(c.cell_contents)]
            if hasattr(function, "__closure__")
            else []
        )
        for cell in inner:
            names |= set(inspect.signature(cell.cell_contents).parameters)
        assert all(p in names for p in params), (name, signature)


def test_a_buildkit_copy_error_lands_on_the_copy_that_names_the_source_not_the_running_step(tmp_path: Path) -> None:
    text = "FROM scratch\nRUN make\nCOPY --chown=a:a SPEC/ ./SPEC/\n"
    root = write_tree(tmp_path, {"Dockerfile": text, "SPEC/x.md": "x", ".dockerignore": "**/SPEC/\n"})
    report = compute(ContextSpec(root, root / "Dockerfile", "buildkit"))
    plan = StepPlan(parse(text), "buildkit", None)
    running = plan.buildkit_step("[1/2] RUN make")
    failure = explain_failure('failed to compute cache key: "/SPEC" not found: not found', running, plan, report,
                              "Dockerfile", root, None)  # fmt: skip
    assert (failure.rule, failure.line) == ("docker-build/copy-excluded", 3)
    assert failure.message.startswith("COPY --chown=a:a SPEC/ ./SPEC/: SPEC is not in the build context: excluded by "
                                      ".dockerignore:1 `**/SPEC/`")  # fmt: skip
