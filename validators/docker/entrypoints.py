"""What Python program an image starts: from ENTRYPOINT/CMD (looking through shells, `python -c`
code and entrypoint scripts the image copies), or from config."""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from validators.docker.dockerfile import shell_words, words
from validators.docker.image import StageState
from validators.pyimports.scan import scan_source

_PYTHON = re.compile(r"^(?:.*/)?python(?:\d+(?:\.\d+)?)?$")
_APP_SERVERS = {"gunicorn", "uvicorn", "hypercorn", "daphne", "granian"}
_SHELLS = {"sh", "bash", "dash", "ash", "zsh"}
_SEPARATORS = ("&&", "||", ";", "|")
MAX_SCRIPT_DEPTH = 3

# The repository bytes of an image file (through its COPY origin), or None.
ReadImageFile = Callable[[str], bytes | None]


@dataclass(frozen=True)
class Entrypoint:
    kind: str  # "module" (python -m x, gunicorn x:app, an import in python -c) or "script"
    target: str  # dotted module, or an image path for a script
    line: int | None  # the Dockerfile line it came from
    source: str  # "CMD", "ENTRYPOINT", "ENTRYPOINT script /x.sh" or "config"


def _argv(ins_args: str) -> list[str]:
    listed = words(ins_args)
    return listed if listed is not None else shell_words(ins_args)


def _unwrap(argv: list[str]) -> list[str]:
    """Look through `sh -c "..."`, `exec`, `env A=b`, and VAR=value prefixes."""
    while argv:
        head = posixpath.basename(argv[0])
        if head in _SHELLS and len(argv) >= 3 and argv[1] == "-c":
            argv = shell_words(argv[2])
        elif head in ("exec", "env", "tini", "dumb-init", "--", "gosu", "su-exec") or "=" in argv[0]:
            argv = argv[1:]
        elif argv[0] in _SEPARATORS:
            argv = argv[1:]
        else:
            break
    return argv


def _commands(argv: list[str]) -> list[list[str]]:
    """A shell line may chain several commands (migrate && serve): each, unwrapped."""
    commands: list[list[str]] = [[]]
    for token in _unwrap(argv):
        if token in _SEPARATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in (_unwrap(c) for c in commands) if c]


class _Finder:
    def __init__(self, state: StageState, read: ReadImageFile | None) -> None:
        self.state = state
        self.read = read
        self.found: list[Entrypoint] = []
        self.tried: list[str] = []  # what was looked at and not understood, for the log

    def command(self, command: list[str], line: int | None, source: str, depth: int, rest_argv: list[str]) -> None:
        program = posixpath.basename(command[0])
        rest = command[1:]
        if _PYTHON.match(program):
            self._python(rest, line, source)
        elif program in _APP_SERVERS:
            for token in rest:
                if re.match(r"^[A-Za-z_][\w.]*:[A-Za-z_]", token):
                    self.found.append(Entrypoint("module", token.split(":", 1)[0], line, source))
                    break
        elif program == "celery":
            for i, token in enumerate(rest):
                if token in ("-A", "--app") and i + 1 < len(rest):
                    self.found.append(Entrypoint("module", rest[i + 1].split(":")[0], line, source))
                elif token.startswith("--app="):
                    self.found.append(Entrypoint("module", token.split("=", 1)[1].split(":")[0], line, source))
        elif program in ("$@", '"$@"') and rest_argv:
            # `exec "$@"` at the end of an entrypoint script hands over to CMD.
            for sub in _commands(rest_argv):
                self.command(sub, line, "CMD", depth + 1, [])
        elif depth < MAX_SCRIPT_DEPTH and not self._script(command[0], line, depth, rest):
            self.tried.append(" ".join(command)[:120])

    def _python(self, rest: list[str], line: int | None, source: str) -> None:
        i = 0
        while i < len(rest) and rest[i].startswith("-") and rest[i] not in ("-m", "-c"):
            i += 1
        if i + 1 < len(rest) and rest[i] == "-m":
            self.found.append(Entrypoint("module", rest[i + 1], line, source))
        elif i + 1 < len(rest) and rest[i] == "-c":
            # The code's own imports are where the program starts.
            for module in _imports_of_code(rest[i + 1]):
                self.found.append(Entrypoint("module", module, line, f"{source} python -c"))
        elif i < len(rest) and rest[i].endswith(".py"):
            path = posixpath.normpath(posixpath.join(self.state.workdir, rest[i]))
            self.found.append(Entrypoint("script", path, line, source))

    def _script(self, program: str, line: int | None, depth: int, args: list[str]) -> bool:
        """A shell script the image copies from the repository: read it, follow what it runs."""
        if self.read is None or "$" in program:
            return False
        path = program if program.startswith("/") else posixpath.join(self.state.workdir, program)
        path = posixpath.normpath(path)
        data = self.read(path)
        if data is None:
            return False
        text = data.decode("utf-8", "replace")
        first = text.splitlines()[0] if text else ""
        if not (path.endswith(".sh") or (first.startswith("#!") and any(s in first for s in _SHELLS))):
            return False
        source = f"ENTRYPOINT script {path}"
        for raw in _logical_lines(text):
            for sub in _commands(shell_words(raw)):
                self.command(sub, line, source, depth + 1, args)
        return True


def _imports_of_code(code: str) -> list[str]:
    """Absolute imports of a `python -c` program: a line or two, so the real parser is cheap."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return [r.module for r in scan_source(code.encode("utf-8", "surrogateescape")).imports if not r.level]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.append(node.module)
    return list(dict.fromkeys(found))


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        stripped = pending + stripped
        pending = ""
        if stripped and not stripped.startswith("#"):
            lines.append(stripped)
    return lines


def find_entrypoints(state: StageState, read: ReadImageFile | None = None) -> list[Entrypoint]:
    return find_entrypoints_explained(state, read)[0]


def find_entrypoints_explained(
    state: StageState, read: ReadImageFile | None = None
) -> tuple[list[Entrypoint], list[str]]:
    """The entrypoints, and what was tried but not understood."""
    finder = _Finder(state, read)
    cmd = _argv(state.cmd.args) if state.cmd is not None else []
    if state.entrypoint is not None:
        line, source = state.entrypoint.line, "ENTRYPOINT"
        listed = words(state.entrypoint.args)
        # Exec form: Docker appends CMD as arguments. Shell form: `/bin/sh -c`, CMD unused.
        argv = listed + cmd if listed is not None else shell_words(state.entrypoint.args)
    elif state.cmd is not None:
        line, source, argv = state.cmd.line, "CMD", cmd
    else:
        return [], ["no CMD or ENTRYPOINT in the final stage"]
    for command in _commands(argv):
        finder.command(command, line, source, 0, [])
    return finder.found, finder.tried


def from_config(items: list[str]) -> list[Entrypoint]:
    out = []
    for item in items:
        if item.endswith(".py"):
            out.append(Entrypoint("script", item, None, "config"))
        else:
            out.append(Entrypoint("module", item.split(":")[0], None, "config"))
    return out
