"""Load checkdeck.toml or [tool.checkdeck] in pyproject.toml; every error names file, line, key."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from validators.config.locate import KeyLocator
from validators.engine import registry
from validators.engine.durations import parse_duration
from validators.engine.model import Config, ServiceSpec, ValidatorSpec
from validators.engine.registry import KINDS

CONFIG_NAME = "checkdeck.toml"
_CHECKDECK_TABLE = re.compile(rb"^[ \t]*\[\[?[ \t]*tool[ \t]*\.[ \t]*checkdeck[ \t]*[\].]", re.MULTILINE)
TOP_KEYS = ("concurrency", "timeout", "services", "validators")
COMMON_KEYS = ("name", "kind", "timeout", "watch", "redact", "needs")
SERVICE_KEYS = ("name", "run", "cwd", "env", "ready", "ready_timeout", "redact")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def find_config(start: Path) -> Path | None:
    """checkdeck.toml, or a pyproject.toml with [tool.checkdeck], from start upward."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else list(start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                raw = pyproject.read_bytes()
            except OSError:
                continue
            # A broken pyproject.toml that holds checkdeck's table is still the config: loading
            # it reports the error, rather than silently falling back to a parent or detection.
            if _CHECKDECK_TABLE.search(raw):
                return pyproject
            try:
                data = tomllib.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "checkdeck" in data["tool"]:
                return pyproject
    return None


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(choices)}"


def load_config(path: Path, project_dir: Path | None = None) -> Config:
    """The config in `path`, for the project in `project_dir` (default: the file's folder)."""
    path = path.resolve()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([Problem(path, None, None, f"cannot read: {exc.strerror or exc}")]) from exc
    try:
        # TOML is UTF-8; a byte-order mark some editors write is accepted and ignored.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not UTF-8: byte 0x{raw[exc.start]:02x} at column {column}; TOML files must be UTF-8"
        raise ConfigError([Problem(path, bad_line, None, message)]) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's tomllib puts the position only in the message text.
        match = re.search(r"\s*\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        message = str(exc)[: match.start()] if match else str(exc)
        raise ConfigError([Problem(path, line, None, f"invalid TOML: {message}")]) from exc
    is_pyproject = path.name == "pyproject.toml"
    prefix: tuple[str, ...] = ("tool", "checkdeck") if is_pyproject else ()
    table: object = data
    for part in prefix:
        table = table.get(part, {}) if isinstance(table, dict) else {}
    project = project_dir.resolve() if project_dir is not None else path.parent
    loader = _Loader(path, KeyLocator(text, prefix), "tool.checkdeck." if is_pyproject else "", project)
    assert isinstance(table, dict)
    return loader.load(table)


class _Loader:
    def __init__(self, path: Path, locator: KeyLocator, key_prefix: str, project_dir: Path) -> None:
        self.path = path
        self.project_dir = project_dir
        self.locator = locator
        self.key_prefix = key_prefix
        self.problems: list[Problem] = []

    def problem(self, key_path: tuple[str | int, ...], message: str) -> None:
        shown = self.key_prefix + "".join(
            f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(key_path)
        )
        self.problems.append(Problem(self.path, self.locator.line(key_path), shown, message))

    def load(self, table: dict[str, object]) -> Config:
        for key in table:
            if key not in TOP_KEYS:
                self.problem((key,), "unknown key" + _suggest(key, TOP_KEYS))
        concurrency = self._concurrency(table.get("concurrency"))
        timeout = self._duration(("timeout",), table.get("timeout"))
        services = self._services(table.get("services", []))
        raw = table.get("validators", [])
        specs: list[ValidatorSpec] = []
        if not isinstance(raw, list):
            self.problem(("validators",), "expected an array of tables ([[validators]])")
            raw = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(raw):
            configured = self._validator(index, entry)
            if configured is None:
                continue
            # A kind may make several validators of one entry: one per Dockerfile, say.
            for spec in registry.expand(configured, self.project_dir):
                if spec.name in seen:
                    self.problem(
                        ("validators", index, "name"),
                        f"duplicate name {spec.name!r} (also validator #{seen[spec.name] + 1})",
                    )
                    continue
                seen[spec.name] = index
                specs.append(spec)
        # Named services with a mistake elsewhere still count: one error each, not two.
        raw_services = table.get("services", [])
        known = (
            {e["name"] for e in raw_services if isinstance(e, dict) and isinstance(e.get("name"), str)}
            if isinstance(raw_services, list)
            else set()
        )
        for index, entry in enumerate(raw):
            needs = entry.get("needs", []) if isinstance(entry, dict) else []
            for n, name in enumerate(needs if isinstance(needs, list) else []):
                if isinstance(name, str) and name not in known:
                    choices = sorted(known)
                    self.problem(
                        ("validators", index, "needs", n),
                        f"no service named {name!r}"
                        + (
                            _suggest(name, choices).replace("valid keys", "services")
                            if choices
                            else "; add a [[services]] table"
                        ),
                    )
        for n, service in enumerate(services):
            if service.name in seen:
                self.problem(("services", n, "name"), f"{service.name!r} is also a validator's name; a pane needs one")
        if self.problems:
            raise ConfigError(self.problems)
        return Config(self.project_dir, self.path, tuple(specs), concurrency, timeout, tuple(services))

    def _services(self, raw: object) -> list[ServiceSpec]:
        if not isinstance(raw, list):
            self.problem(("services",), "expected an array of tables ([[services]])")
            return []
        found: list[ServiceSpec] = []
        names: dict[str, int] = {}
        for index, entry in enumerate(raw):
            where: tuple[str | int, ...] = ("services", index)
            if not isinstance(entry, dict):
                self.problem(where, "expected a table")
                continue
            before = len(self.problems)
            for key in entry:
                if key not in SERVICE_KEYS:
                    self.problem((*where, key), "unknown key for a service" + _suggest(key, SERVICE_KEYS))
            name, run, ready = entry.get("name"), entry.get("run"), entry.get("ready")
            if not isinstance(name, str) or not name.strip():
                self.problem((*where, "name") if "name" in entry else where, "expected a non-empty string `name`")
            elif name in names:
                self.problem((*where, "name"), f"duplicate service name {name!r} (also service #{names[name] + 1})")
            else:
                names[name] = index
            if isinstance(run, list) and run and all(isinstance(a, str) for a in run):
                run = tuple(run)
            elif not isinstance(run, str) or not run.strip():
                self.problem(
                    (*where, "run") if "run" in entry else where,
                    "expected `run`: a command line or a list of arguments",
                )
            if not isinstance(ready, str):
                self.problem(
                    (*where, "ready") if "ready" in entry else where,
                    'expected `ready`: "tcp://127.0.0.1:8000", "http://127.0.0.1:8000/health" or "log:REGEX"',
                )
            else:
                from validators.config.probe import probe_problem

                why = probe_problem(ready)
                if why:
                    self.problem((*where, "ready"), why)
            timeout = self._duration((*where, "ready_timeout"), entry.get("ready_timeout", 30))
            cwd = entry.get("cwd")
            if cwd is not None and (not isinstance(cwd, str) or not cwd):
                self.problem((*where, "cwd"), "expected a folder, relative to the project")
            env = entry.get("env", {})
            if not isinstance(env, dict) or not all(isinstance(v, str | int | float | bool) for v in env.values()):
                self.problem((*where, "env"), 'expected a table of strings, e.g. { PORT = "8000" }')
                env = {}
            redact = entry.get("redact", [])
            if not isinstance(redact, list) or not all(isinstance(r, str) and r for r in redact):
                self.problem((*where, "redact"), 'expected a list of env keys, e.g. ["DATABASE_URL"]')
                redact = []
            if len(self.problems) != before:
                continue
            assert isinstance(name, str) and isinstance(run, str | tuple) and isinstance(ready, str)
            line = self.locator.line(where)
            found.append(
                ServiceSpec(
                    name=name,
                    run=run,
                    ready=ready,
                    ready_timeout_s=timeout if timeout is not None else 30.0,
                    cwd=cwd,
                    env={k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in env.items()},
                    source=f"config: {self.path.name}:{line}" if line else f"config: {self.path.name}",
                    redact=tuple(redact),
                )
            )
        return found

    def _concurrency(self, value: object) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(("concurrency",), f"expected a whole number of at least 1, got {value!r}")
            return None
        return value

    def _duration(self, key_path: tuple[str | int, ...], value: object) -> float | None:
        if value is None:
            return None
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.problem(key_path, str(exc))
            return None

    def _validator(self, index: int, entry: object) -> ValidatorSpec | None:
        where: tuple[str | int, ...] = ("validators", index)
        if not isinstance(entry, dict):
            self.problem(where, "expected a table")
            return None
        before = len(self.problems)
        name, kind = entry.get("name"), entry.get("kind")
        if name is None:
            self.problem(where, "missing key 'name'")
        elif not isinstance(name, str) or not name.strip():
            self.problem((*where, "name"), f"expected a non-empty string, got {name!r}")
        kind_options = None
        if kind is None:
            self.problem(where, f"missing key 'kind' (one of: {', '.join(KINDS)})")
        elif not isinstance(kind, str):
            self.problem((*where, "kind"), f"expected a string, got {kind!r}")
        elif kind not in KINDS:
            close = difflib.get_close_matches(kind, list(KINDS), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.problem((*where, "kind"), f"unknown kind {kind!r} (one of: {', '.join(KINDS)}){hint}")
        else:
            kind_options = registry.options(kind)
        timeout = self._duration((*where, "timeout"), entry.get("timeout"))
        redact = entry.get("redact", [])
        if not isinstance(redact, list) or not all(isinstance(r, str) and r for r in redact):
            self.problem((*where, "redact"), 'expected a list of env keys, e.g. ["DATABASE_URL"]')
            redact = []
        watch = entry.get("watch", [])
        if not isinstance(watch, list) or not all(isinstance(w, str) and w for w in watch):
            self.problem((*where, "watch"), 'expected a list of globs, e.g. ["src/**/*.py"]')
            watch = []
        needs = entry.get("needs", [])
        if not isinstance(needs, list) or not all(isinstance(n, str) and n for n in needs):
            self.problem((*where, "needs"), 'expected a list of service names, e.g. ["api"]')
            needs = []
        options: dict[str, object] = {}
        if kind_options is not None:
            valid = (*COMMON_KEYS, *kind_options)
            for key, value in entry.items():
                if key in COMMON_KEYS:
                    continue
                option = kind_options.get(key)
                if option is None:
                    self.problem((*where, key), f"unknown key for kind {kind!r}" + _suggest(key, valid))
                    continue
                try:
                    options[key] = option.check(value) if option.check else value
                except ValueError as exc:
                    self.problem((*where, key, *getattr(exc, "subpath", ())), str(exc))
            for key, option in kind_options.items():
                if option.required and key not in entry:
                    self.problem(where, f"missing key {key!r} for kind {kind!r}: {option.doc}")
        if len(self.problems) != before:
            return None
        assert isinstance(name, str) and isinstance(kind, str)
        line = self.locator.line(where)
        return ValidatorSpec(
            name=name,
            kind=kind,
            options=options,
            timeout_s=timeout,
            source=f"config: {self.path.name}:{line}" if line else f"config: {self.path.name}",
            watch=tuple(watch),
            redact=tuple(redact),
            needs=tuple(dict.fromkeys(needs)),
        )
