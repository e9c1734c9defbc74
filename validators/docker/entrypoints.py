"""What Python program an image starts: from ENTRYPOINT/CMD (looking through shells, `python -c`
code and entrypoint scripts the image copies), or from config."""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from validators.docker.dockerfile import shell_words, words
from validators.docker.image import StageState
from validators.pyimports.scan import scan_source

_PYTHON = re.compile(r"^(?:.*/)?python(?:\d+(?:\.\d+)?)?$")
_APP_SERVERS = {"gunicorn", "uvicorn", "hypercorn", "daphne", "granian"}
# Options of the app servers that take no value: every other option takes the next word, so
# the first free word is the application.
_SERVER_FLAGS = {
    "--reload", "--preload", "--daemon", "-D", "--check-config", "--print-config", "--capture-output",
    "--enable-stdio-inheritance", "--reuse-port", "--no-sendfile", "--spew", "--strip-header-spaces",
    "--proxy-headers", "--no-proxy-headers", "--use-colors", "--no-use-colors", "--factory", "--access-log",
    "--no-access-log", "--no-server-header", "--no-date-header", "--server-header", "--date-header",
    "--reload-include", "--debug", "-v", "--verbose", "--version", "--help", "-h", "--interface-wsgi",
}  # fmt: skip
_SHELLS = {"sh", "bash", "dash", "ash", "zsh", "execlineb", "with-contenv"}
_SEPARATORS = ("&&", "||", ";", "|")
# Wrappers that run the command after them: no argument of their own, or one (a user name).
_WRAPPERS = {
    "exec", "env", "tini", "dumb-init", "--", "with-contenv", "s6-env", "nice", "ddtrace-run", "opentelemetry-instrument",
    "catatonit", "fix-attrs", "nohup", "time", "stdbuf",
}  # fmt: skip
_WRAPPERS_WITH_USER = {"gosu", "su-exec", "s6-setuidgid", "chpst", "setuidgid", "s6-setlock"}
_RUNNERS = {"poetry", "uv", "pipenv", "pdm", "hatch", "rye", "pixi"}  # `poetry run X`
_S6_SERVICES = ("/etc/services.d/", "/etc/s6-overlay/s6-rc.d/", "/run/s6/services/")
_FASTAPI_DEFAULTS = ("main.py", "app.py", "api.py", "app/main.py", "app/app.py", "api/main.py", "api/app.py")
MAX_SCRIPT_DEPTH = 3
# Set-up commands of entrypoint scripts: not the program, and no reason to say so.
_SETUP_COMMANDS = {
    "echo", "set", "cd", "export", "sleep", "mkdir", "chown", "chmod", "printf", "test", "[", "if", "then",
    "fi", "else", "elif", "done", "do", "while", "for", "case", "esac", "wait", "trap", "true", "false",
    "cat", "cp", "mv", "rm", "ln", "touch", "umask", "shift", "source", ".", "ls", "unset", "local", "declare",
    "readonly", "exit", "return", "read", "sed", "grep", "awk", "find", "xargs", "curl", "wget", "apt-get",
    "apk", "pip", "pip3", "groupmod", "usermod", "useradd", "addgroup", "adduser", "id", "whoami", "tee",
    "envsubst", "until", "nc", "sh", "bash", "function", "date", "basename", "dirname", "head", "tail",
}  # fmt: skip

# The repository bytes of an image file (through its COPY origin), or None.
ReadImageFile = Callable[[str], bytes | None]


@dataclass(frozen=True)
class Entrypoint:
    kind: str  # "module" (python -m x, gunicorn x:app, an import in python -c) or "script"
    target: str  # dotted module, or an image path for a script
    line: int | None  # the Dockerfile line it came from
    source: str  # "CMD", "ENTRYPOINT", "ENTRYPOINT script /x.sh" or "config"
    root: str | None = None  # the sys.path entry it is imported from, when not the workdir


def _argv(ins_args: str) -> list[str]:
    listed = words(ins_args)
    return listed if listed is not None else shell_words(ins_args)


def _unwrap(argv: list[str]) -> list[str]:
    """Look through `sh -c "..."`, `exec`, `env A=b`, `gosu user`, `poetry run`, VAR=value."""
    while argv:
        head = posixpath.basename(argv[0])
        if head in _SHELLS and len(argv) >= 3 and argv[1] == "-c":
            argv = shell_words(argv[2])
        elif head in _WRAPPERS or ("=" in argv[0] and not argv[0].startswith("-")):
            argv = argv[1:]
        elif head in _WRAPPERS_WITH_USER:
            # `gosu app cmd`, `chpst -u app cmd`, `s6-setlock -n /lock cmd`: options, one word
            # (the user, the lock; `-u` carries it itself), then the command.
            rest, word_given = argv[1:], False
            while rest and rest[0].startswith("-"):
                word_given = word_given or rest[0] in ("-u", "-U")
                rest = rest[2:] if rest[0] in ("-u", "-U") else rest[1:]
            argv = rest if word_given else rest[1:]
        elif head in _RUNNERS and len(argv) > 2 and argv[1] == "run":
            rest = argv[2:]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            argv = rest
        elif head == "newrelic-admin" and len(argv) > 2 and argv[1] == "run-program":
            argv = argv[2:]
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


def _server_app(rest: list[str]) -> str | None:
    """The application argument of gunicorn and its kin: `module:app`, or a bare module
    (gunicorn's default callable is `application`)."""
    i = 0
    while i < len(rest):
        token = rest[i]
        if token.startswith("-"):
            i += 1 if ("=" in token or token in _SERVER_FLAGS) else 2
            continue
        if re.match(r"^[A-Za-z_][\w.]*(?::[A-Za-z_][\w.()\'\", ]*)?$", token):
            return token.split(":", 1)[0]
        return None
    return None


class _Finder:
    def __init__(self, state: StageState, read: ReadImageFile | None, scripts: Mapping[str, str]) -> None:
        self.state = state
        self.read = read
        self.scripts = scripts
        self.found: list[Entrypoint] = []
        self.tried: list[str] = []  # what was looked at and not understood, for the log
        # Inside scripts only the lines that `exec` a program are said when not understood:
        # the rest is set-up (or shell syntax a line-by-line reading cannot judge).
        self.saying = True

    def _add(self, kind: str, target: str, line: int | None, source: str, root: str | None = None) -> None:
        self.found.append(Entrypoint(kind, target, line, source, root))

    def _path(self, path: str, cwd: str | None = None) -> str:
        return posixpath.normpath(posixpath.join(cwd or self.state.workdir, path))

    def command(self, command: list[str], line: int | None, source: str, depth: int, rest_argv: list[str]) -> None:
        program = posixpath.basename(command[0])
        rest = command[1:]
        before = len(self.found)
        if _PYTHON.match(program):
            self._python(rest, line, source, depth, rest_argv)
        elif program.endswith(".py") and "$" not in program:  # ./manage.py: its shebang runs Python
            self._add("script", self._path(command[0]), line, source)
        elif program in _APP_SERVERS:
            app = _server_app(rest)
            if app is None and program == "gunicorn":
                app = self._gunicorn_config(rest)
            if app is not None:
                self._add("module", app, line, source)
        elif program in ("uwsgi", "uwsgi-core"):
            self._uwsgi(rest, line, source)
        elif program == "celery":
            for i, token in enumerate(rest):
                if token in ("-A", "--app") and i + 1 < len(rest):
                    self._add("module", rest[i + 1].split(":")[0], line, source)
                elif token.startswith("--app="):
                    self._add("module", token.split("=", 1)[1].split(":")[0], line, source)
        elif program in ("fastapi", "streamlit", "flask"):
            self._cli(program, rest, line, source)
        elif program in self.scripts:
            # A console script that `pip install .` put on PATH: [project.scripts] names its module.
            self._add("module", self.scripts[program].split(":")[0], line, f"{source} ({program} console script)")
        elif program == "init" and command[0] == "/init":
            self._s6(line, depth, rest_argv or rest)
        elif program in ("$@", '"$@"') and rest_argv:
            # `exec "$@"` at the end of an entrypoint script hands over to CMD.
            for sub in _commands(rest_argv):
                self.command(sub, line, "CMD", depth + 1, [])
        elif depth < MAX_SCRIPT_DEPTH and self._script(command[0], line, depth, rest, source.split(" ")[0]):
            pass
        shell_syntax = re.search(r"[{}()<>$]", command[0]) is not None
        if len(self.found) == before and (depth == 0 or (self.saying and not shell_syntax)):
            self.tried.append(" ".join(command)[:120])

    def _python(self, rest: list[str], line: int | None, source: str, depth: int, rest_argv: list[str]) -> None:
        i = 0
        while i < len(rest) and rest[i].startswith("-") and rest[i] not in ("-m", "-c"):
            i += 1
        if i + 1 < len(rest) and rest[i] == "-m":
            module = rest[i + 1]
            tool = module.split(".")[0]
            if tool in _APP_SERVERS or tool in ("uwsgi", "celery", "fastapi", "streamlit", "flask"):
                self.command([tool, *rest[i + 2 :]], line, source, depth, rest_argv)
            else:
                self._add("module", module, line, source)
        elif i + 1 < len(rest) and rest[i] == "-c":
            # The code's own imports are where the program starts.
            for module in _imports_of_code(rest[i + 1]):
                self._add("module", module, line, f"{source} python -c")
        elif i < len(rest) and rest[i].endswith(".py"):
            self._add("script", self._path(rest[i]), line, source)

    def _gunicorn_config(self, rest: list[str]) -> str | None:
        """`wsgi_app = "x:app"` in the config file (-c, or gunicorn.conf.py in the workdir)."""
        config = "gunicorn.conf.py"
        for i, token in enumerate(rest):
            if token in ("-c", "--config") and i + 1 < len(rest):
                config = rest[i + 1]
            elif token.startswith("--config="):
                config = token.split("=", 1)[1]
        if self.read is None or config.startswith("python:"):
            return None
        data = self.read(self._path(config))
        m = re.search(rb"^wsgi_app\s*=\s*[\"']([A-Za-z_][\w.]*)", data or b"", re.M)
        return m.group(1).decode() if m else None

    def _uwsgi(self, rest: list[str], line: int | None, source: str) -> None:
        options: list[tuple[str, str]] = []
        for i, token in enumerate(rest):
            if token.startswith("-"):
                name, eq, value = token.lstrip("-").partition("=")
                if not eq and i + 1 < len(rest) and not rest[i + 1].startswith("-"):
                    value = rest[i + 1]
                options.append((name, value))
            elif token.endswith(".ini") and (i == 0 or not rest[i - 1].startswith("-")):
                options.append(("ini", token))
        chdir = next((v for k, v in options if k == "chdir"), None)
        for name, value in list(options):
            if name == "ini" and self.read is not None:
                data = self.read(self._path(value))
                if data is not None:
                    ini = _uwsgi_ini(data.decode("utf-8", "replace"))
                    chdir = ini.get("chdir", [chdir])[0] if ini.get("chdir") else chdir
                    options += [(k, v) for k, vs in ini.items() for v in vs]
        cwd = self._path(chdir) if chdir else None
        for name, value in options:
            if name in ("module", "wsgi", "w", "callable-module"):
                self._add("module", value.split(":")[0].split("=")[-1], line, source)
            elif name in ("wsgi-file", "file"):
                self._add("script", self._path(value, cwd), line, source)
            elif name == "mount" and "=" in value:
                target = value.split("=", 1)[1]
                if target.endswith(".py"):
                    self._add("script", self._path(target, cwd), line, source)
                else:
                    self._add("module", target.split(":")[0], line, source)

    def _cli(self, program: str, rest: list[str], line: int | None, source: str) -> None:
        words_ = _positionals(rest, _CLI_FLAGS)
        if program == "fastapi" and words_[:1] in (["run"], ["dev"]):
            paths = [words_[1]] if len(words_) > 1 else list(_FASTAPI_DEFAULTS)
            for path in paths:
                full = self._path(path)
                if not path.endswith(".py"):
                    full = full.rstrip("/") + "/__init__.py"  # a package folder
                if full in self.state.tree.files or len(paths) == 1:
                    self._fastapi(full, line, f"{source} (fastapi {words_[0]})")
                    return
        elif program == "streamlit" and words_[:1] == ["run"] and len(words_) > 1:
            self._add("script", self._path(words_[1]), line, source)
        elif program == "flask":
            app = next((rest[i + 1] for i, t in enumerate(rest[:-1]) if t in ("--app", "-A")), None)
            app = app or self.state.env.get("FLASK_APP")
            if app:
                if app.endswith(".py"):
                    self._add("script", self._path(app), line, source)
                else:
                    self._add("module", app.split(":")[0].split("(")[0], line, source)

    def _fastapi(self, path: str, line: int | None, source: str) -> None:
        """The FastAPI CLI imports a file as a module: up through the folders that are packages,
        with the folder above them on sys.path."""
        folder, name = posixpath.split(path[: -len(".py")])
        parts = [] if name == "__init__" else [name]
        while folder != "/" and posixpath.join(folder, "__init__.py") in self.state.tree.files:
            folder, package = posixpath.split(folder)
            parts.insert(0, package)
        if parts:
            self._add("module", ".".join(parts), line, source, folder)
        else:
            self._add("script", path, line, source)

    def _s6(self, line: int | None, depth: int, args: list[str]) -> None:
        """s6-overlay's /init supervises every service's `run` script, then runs CMD."""
        for path in sorted(self.state.tree.files):
            if path.startswith(_S6_SERVICES) and posixpath.basename(path) == "run":
                self._script(path, line, depth, [], "s6 service")
        for sub in _commands(args):
            self.command(sub, line, "CMD", depth + 1, [])

    def _script(self, program: str, line: int | None, depth: int, args: list[str], label: str) -> bool:
        """A shell script the image copies from the repository: read it, follow what it runs."""
        if self.read is None or "$" in program:
            return False
        path = self._path(program)
        data = self.read(path)
        if data is None:
            return False
        text = data.decode("utf-8", "replace")
        first = text.splitlines()[0] if text else ""
        if not (path.endswith(".sh") or (first.startswith("#!") and any(s in first for s in _SHELLS))):
            return False
        source = f"{label} script {path}" if label != "s6 service" else f"s6 service {path}"
        before, saying = len(self.found), self.saying
        for raw in _logical_lines(text):
            self.saying = raw.startswith("exec ")
            for sub in _commands(shell_words(raw)):
                self.command(sub, line, source, depth + 1, args)
        self.saying = saying
        if len(self.found) == before and label != "s6 service":  # s6 also runs set-up scripts
            self.tried.append(f"{path}: no Python program found in it")
        return True


# Options of fastapi, streamlit and flask that take no value.
_CLI_FLAGS = {"--reload", "--no-reload", "--proxy-headers", "--no-proxy-headers", "--debug", "--no-debug", "--help"}


def _positionals(rest: list[str], flags: set[str]) -> list[str]:
    """The free words of a command line whose options take a value unless they are flags."""
    out: list[str] = []
    i = 0
    while i < len(rest):
        token = rest[i]
        if token.startswith("-"):
            i += 1 if ("=" in token or token in flags or token.startswith("--no-")) else 2
            continue
        out.append(token)
        i += 1
    return out


def _uwsgi_ini(text: str) -> dict[str, list[str]]:
    """The [uwsgi] section: uWSGI allows repeated keys, which configparser does not."""
    out: dict[str, list[str]] = {}
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section == "uwsgi" and "=" in line:
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


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
    state: StageState, read: ReadImageFile | None = None, scripts: Mapping[str, str] | None = None
) -> tuple[list[Entrypoint], list[str]]:
    """The entrypoints, and what was tried but not understood. `scripts` are the console
    scripts installed in the image (name -> "module:function")."""
    finder = _Finder(state, read, scripts or {})
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
    return list(dict.fromkeys(finder.found)), list(dict.fromkeys(finder.tried))


def from_config(items: list[str]) -> list[Entrypoint]:
    out = []
    for item in items:
        if item.endswith(".py"):
            out.append(Entrypoint("script", item, None, "config"))
        else:
            out.append(Entrypoint("module", item.split(":")[0], None, "config"))
    return out
