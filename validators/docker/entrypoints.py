"""What Python program an image starts: from ENTRYPOINT/CMD, or from config."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from validators.docker.dockerfile import shell_words, words
from validators.docker.image import StageState

_PYTHON = re.compile(r"^(?:.*/)?python(?:\d+(?:\.\d+)?)?$")
_APP_SERVERS = {"gunicorn", "uvicorn", "hypercorn", "daphne", "granian"}


@dataclass(frozen=True)
class Entrypoint:
    kind: str  # "module" (python -m x, gunicorn x:app) or "script" (python path.py)
    target: str  # dotted module, or an image path for a script
    line: int | None  # the Dockerfile line it came from
    source: str  # "CMD", "ENTRYPOINT" or "config"


def _argv(state: StageState) -> tuple[list[str], int | None]:
    argv: list[str] = []
    line = None
    for ins in (state.entrypoint, state.cmd):
        if ins is None:
            continue
        listed = words(ins.args)
        argv.extend(listed if listed is not None else shell_words(ins.args))
        line = line or ins.line
    return argv, line


def _unwrap(argv: list[str]) -> list[str]:
    """Look through `sh -c "..."`, `exec`, `env A=b`, and VAR=value prefixes."""
    while argv:
        head = posixpath.basename(argv[0])
        if head in ("sh", "bash", "dash") and len(argv) >= 3 and argv[1] == "-c":
            argv = shell_words(argv[2])
        elif head in ("exec", "env", "tini", "dumb-init", "--") or "=" in argv[0]:
            argv = argv[1:]
        elif argv[0] in ("&&", ";"):
            argv = argv[1:]
        else:
            break
    return argv


def find_entrypoints(state: StageState) -> list[Entrypoint]:
    argv, line = _argv(state)
    source = "ENTRYPOINT" if state.entrypoint is not None else "CMD"
    argv = _unwrap(argv)
    found: list[Entrypoint] = []
    # A shell line may chain several commands (migrate && serve): look at each.
    commands: list[list[str]] = [[]]
    for token in argv:
        if token in ("&&", "||", ";", "|"):
            commands.append([])
        else:
            commands[-1].append(token)
    for command in commands:
        command = _unwrap(command)
        if not command:
            continue
        program = posixpath.basename(command[0])
        rest = command[1:]
        if _PYTHON.match(program):
            i = 0
            while i < len(rest) and rest[i].startswith("-") and rest[i] not in ("-m", "-c"):
                i += 1
            if i < len(rest) and rest[i] == "-m" and i + 1 < len(rest):
                found.append(Entrypoint("module", rest[i + 1], line, source))
            elif i < len(rest) and rest[i] != "-c" and rest[i].endswith(".py"):
                path = posixpath.normpath(posixpath.join(state.workdir, rest[i]))
                found.append(Entrypoint("script", path, line, source))
        elif program in _APP_SERVERS:
            for token in rest:
                if re.match(r"^[A-Za-z_][\w.]*:[A-Za-z_]", token):
                    found.append(Entrypoint("module", token.split(":", 1)[0], line, source))
                    break
        elif program == "celery":
            for i, token in enumerate(rest):
                if token in ("-A", "--app") and i + 1 < len(rest):
                    found.append(Entrypoint("module", rest[i + 1].split(":")[0], line, source))
                elif token.startswith("--app="):
                    found.append(Entrypoint("module", token.split("=", 1)[1].split(":")[0], line, source))
    return found


def from_config(items: list[str]) -> list[Entrypoint]:
    out = []
    for item in items:
        if item.endswith(".py"):
            out.append(Entrypoint("script", item, None, "config"))
        else:
            out.append(Entrypoint("module", item.split(":")[0], None, "config"))
    return out
