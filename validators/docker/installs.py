"""What an image's site-packages will hold, as far as its Dockerfile says: the `pip install` lines
of every stage (requirement specifiers, requirements files the image copied, the project itself
with `pip install .`, `poetry install`, `uv sync`), turned into top-level import names.

The import check uses it the way Python's path finder does: a name the image installs is found
in site-packages unless a regular first-party package earlier on sys.path shadows it, so a
migrations folder called `alembic/` next to an installed `alembic` is no missing module."""

from __future__ import annotations

import functools
import posixpath
import re
import shlex
import sys
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from validators.docker.image import Simulation, StageState

_INSTALLER = re.compile(r"^(?:.*/)?(?:pip(?:3(?:\.\d+)?)?|uv)$")
_PYTHON = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")
_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_SEPARATORS = {"&&", "||", ";", "|", "&", "\n"}
# pip install options that take a value: their value is not a requirement.
_VALUED = {
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
    "--platform", "--python-version", "--implementation", "--abi", "--trusted-host", "--cache-dir", "--src",
    "--upgrade-strategy", "--progress-bar", "--log", "--timeout", "--retries", "--proxy", "--cert",
    "--client-cert", "--exists-action", "--global-option", "--config-settings", "-C", "-c", "--constraint",
    "--python", "-p", "--report",
}  # fmt: skip
# Distributions whose import name is not their own name, normalised.
_IMPORT_NAMES: dict[str, tuple[str, ...]] = {
    "pyyaml": ("yaml",),
    "python-dateutil": ("dateutil",),
    "beautifulsoup4": ("bs4",),
    "pillow": ("PIL",),
    "scikit-learn": ("sklearn",),
    "scikit-image": ("skimage",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "opencv-contrib-python": ("cv2",),
    "psycopg2-binary": ("psycopg2",),
    "psycopg-binary": ("psycopg",),
    "python-jose": ("jose",),
    "pyjwt": ("jwt",),
    "python-multipart": ("multipart", "python_multipart"),
    "python-dotenv": ("dotenv",),
    "protobuf": ("google",),
    "grpcio": ("grpc",),
    "google-api-python-client": ("googleapiclient",),
    "attrs": ("attr", "attrs"),
    "mysqlclient": ("MySQLdb",),
    "python-magic": ("magic",),
    "pycryptodome": ("Crypto",),
    "pycryptodomex": ("Cryptodome",),
    "pyopenssl": ("OpenSSL",),
    "dnspython": ("dns",),
    "setuptools": ("setuptools", "pkg_resources", "_distutils_hack"),
    "faiss-cpu": ("faiss",),
    "faiss-gpu": ("faiss",),
    "msgpack-python": ("msgpack",),
    "python-socketio": ("socketio",),
    "python-engineio": ("engineio",),
    "websocket-client": ("websocket",),
    "pyzmq": ("zmq",),
    "ruamel-yaml": ("ruamel",),
    "python-json-logger": ("pythonjsonlogger",),
    "argon2-cffi": ("argon2",),
    "sentry-sdk": ("sentry_sdk",),
    "pymupdf": ("fitz", "pymupdf"),
    "python-docx": ("docx",),
    "python-pptx": ("pptx",),
    "pyserial": ("serial",),
    "pyusb": ("usb",),
    "docker-py": ("docker",),
    "email-validator": ("email_validator",),
}
# Families that share one namespace package.
_FAMILIES = ("google-", "azure-", "opentelemetry-", "jaraco-", "zope-", "backports-")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.lru_cache(maxsize=1)
def _local_top_levels() -> dict[str, tuple[str, ...]]:
    """Top-level names of the distributions installed where checkdeck runs: a better guess than
    the distribution's own name, for the ones that are installed here too."""
    from importlib import metadata  # 20 ms of imports, only once an install is read

    found: dict[str, set[str]] = {}
    for top, dists in metadata.packages_distributions().items():
        for dist in dists:
            found.setdefault(canonical(dist), set()).add(top)
    return {dist: tuple(sorted(tops)) for dist, tops in found.items()}


def import_names(dist: str) -> set[str]:
    norm = canonical(dist)
    names = set(_IMPORT_NAMES.get(norm, ()))
    names.update(_local_top_levels().get(norm, ()))
    for family in _FAMILIES:
        if norm.startswith(family):
            names.add(family[:-1])
    names.add(norm.replace("-", "_"))
    return names


@dataclass
class Installed:
    """Top-level import names the image's site-packages provides, and where each list came from."""

    distributions: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)  # "requirements.txt", "pip install x", ...
    unread: list[str] = field(default_factory=list)  # requirement files the check could not read
    python: tuple[int, int] | None = None  # the image's Python, from a `python:3.X` base tag
    # Folders of local projects `pip install .` (or `poetry install`) installed: the image
    # imports their packages, with the files those folders hold.
    project_roots: list[str] = field(default_factory=list)
    # Console scripts `pip install .` puts on PATH: name -> "module:function".
    scripts: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> frozenset[str]:
        tops = stdlib_names(self.python)
        for dist in self.distributions:
            tops.update(import_names(dist))
        return frozenset(tops)


ReadFile = Callable[[str], bytes | None]  # a repository path -> its bytes, or None

# Standard-library modules later Pythons removed (PEP 594, PEP 632, 3.12 and 3.13). The
# checking Python's own list, extended by these, serves an image whose version is unknown: a
# recent Python, and the older ones the image may run, both count a standard name as found.
_REMOVED: dict[tuple[int, int], frozenset[str]] = {
    (3, 12): frozenset({"distutils", "imp", "asynchat", "asyncore", "smtpd"}),
    (3, 13): frozenset(
        {
            "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "mailcap", "msilib", "nis", "nntplib",
            "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib", "lib2to3",
        }
    ),
}  # fmt: skip
_ADDED: dict[tuple[int, int], frozenset[str]] = {
    (3, 11): frozenset({"tomllib"}),
    (3, 14): frozenset({"annotationlib", "compression"}),
}
_PYTHON_TAG = re.compile(r"(?:^|/)python:(\d)\.(\d+)")


def stdlib_names(version: tuple[int, int] | None) -> set[str]:
    names = set(sys.stdlib_module_names)
    for added in _ADDED.values():
        names |= added
    for removed in _REMOVED.values():
        names |= removed
    if version is not None:
        for since, removed in _REMOVED.items():
            if version >= since:
                names -= removed
        for since, added in _ADDED.items():
            if version < since:
                names -= added
    return names


def image_python(sim: Simulation) -> tuple[int, int] | None:
    for state in [sim.final, *reversed(sim.stage_states)]:
        m = _PYTHON_TAG.search(state.external_base or "")
        if m:
            return int(m.group(1)), int(m.group(2))
    return None


def installed_packages(sim: Simulation, read: ReadFile) -> Installed:
    out = Installed(python=image_python(sim))
    seen: set[tuple[str, str]] = set()
    for state in [*sim.stage_states, sim.final]:
        for run in state.runs:
            if (run.command, run.workdir) in seen:
                continue
            seen.add((run.command, run.workdir))
            view = _RunView(state, dict(run.mounts))
            for args in _install_commands(run.command):
                _add_install(args, run.workdir, view, read, out)
    return out


def _install_commands(command: str) -> Iterable[list[str]]:
    """The argument lists after `pip install` (or `poetry install`, `uv sync`) in a shell line."""
    lexer = shlex.shlex(command.replace("\\\n", " "), posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError:
        tokens = command.split()
    simple: list[list[str]] = [[]]
    for token in tokens:
        if token in _SEPARATORS:
            simple.append([])
        else:
            simple[-1].append(token)
    for words in simple:
        while words and "=" in words[0] and not words[0].startswith("-"):
            words = words[1:]  # VAR=value prefixes
        if len(words) >= 3 and _PYTHON.match(words[0]) and words[1] == "-m":
            words = words[2:]
        if len(words) >= 2 and _INSTALLER.match(words[0]) and words[1] == "install":
            yield words[2:]
        elif len(words) >= 3 and _INSTALLER.match(words[0]) and words[1:3] == ["pip", "install"]:
            yield words[3:]
        elif len(words) >= 2 and words[0] in ("poetry", "uv", "pdm") and words[1] in ("install", "sync"):
            deps_only = {"--no-root", "--no-install-project", "--only-deps", "--no-self"} & set(words)
            yield [_DEPS_ONLY, "."] if deps_only else ["."]


_DEPS_ONLY = "--checkdeck-dependencies-only"  # the project's dependencies, not the project


def _add_install(args: list[str], workdir: str, state: _RunView, read: ReadFile, out: Installed) -> None:
    deps_only = _DEPS_ONLY in args
    args = [a for a in args if a != _DEPS_ONLY]
    i = 0
    while i < len(args):
        arg = args[i]
        flag, value = "", arg
        if arg in ("-r", "--requirement", "-e", "--editable") and i + 1 < len(args):
            flag, value = arg, args[i + 1]
            i += 1
        elif arg.startswith(("--requirement=", "--editable=")):
            flag, value = arg.split("=", 1)
        elif arg.startswith("-r") and len(arg) > 2:
            flag, value = "-r", arg[2:]
        if flag in ("-r", "--requirement"):
            _requirements_file(posixpath.join(workdir, value), state, read, out, depth=0)
        elif flag or not arg.startswith("-"):  # -e / --editable, or a positional specifier
            _specifier(value, workdir, state, read, out, deps_only)
        elif arg in _VALUED:
            i += 1
        i += 1


def _specifier(
    spec: str, workdir: str, state: _RunView, read: ReadFile, out: Installed, deps_only: bool = False
) -> None:
    egg = _EGG.search(spec)
    if egg:
        out.distributions.add(egg.group(1))
        out.sources.append(f"pip install {spec}")
        return
    if spec in (".", "./") or spec.startswith(("./", "/", "../")) or spec.endswith((".whl", ".tar.gz", ".zip")):
        if not spec.endswith((".whl", ".tar.gz", ".zip")):
            directory = posixpath.normpath(posixpath.join(workdir, spec))
            _project(directory, state, read, out)
            if not deps_only:
                # The project itself is installed: its packages import as from its folder.
                for root in (directory, posixpath.join(directory, "src")):
                    if root in state.state.tree.dirs and root not in out.project_roots:
                        out.project_roots.append(root)
        return
    m = _NAME.match(spec)
    if m and "://" not in spec:
        out.distributions.add(m.group(1))
        out.sources.append(f"pip install {m.group(1)}")


@dataclass(frozen=True)
class _RunView:
    """The files one RUN sees: the stage's, and what it bind-mounts from the context."""

    state: StageState
    mounts: dict[str, str]


def _origin(image_path: str, view: _RunView) -> str | None:
    path = posixpath.normpath(image_path)
    return view.mounts.get(path) or view.state.tree.files.get(path) or None


def _requirements_file(image_path: str, state: _RunView, read: ReadFile, out: Installed, depth: int) -> None:
    origin = _origin(image_path, state)
    data = read(origin) if origin else None
    if data is None or depth > 5:
        out.unread.append(image_path)
        return
    out.sources.append(origin or image_path)
    base = posixpath.dirname(image_path)
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ", "-c ", "--constraint ")):
            if line.startswith(("-r", "--requirement")):
                _requirements_file(posixpath.join(base, line.split(None, 1)[1]), state, read, out, depth + 1)
            continue
        if line.startswith(("-e ", "--editable ")):
            _specifier(line.split(None, 1)[1], base, state, read, out)
            continue
        if line.startswith("-"):
            continue
        egg = _EGG.search(line)
        m = _NAME.match(line)
        if egg:
            out.distributions.add(egg.group(1))
        elif m and "://" not in line.split(";")[0].split("@")[0]:
            out.distributions.add(m.group(1))


def _toml(image_path: str, state: _RunView, read: ReadFile, out: Installed) -> tuple[dict[str, object], str] | None:
    """A TOML file the RUN sees, with its repository path; None when absent (a broken one is
    said in `out.unread`)."""
    origin = _origin(image_path, state)
    data = read(origin) if origin else None
    if origin is None or data is None:
        return None
    try:
        return tomllib.loads(data.decode("utf-8")), origin
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        out.unread.append(origin)
        return None


def _lock_file(directory: str, state: _RunView, read: ReadFile, out: Installed) -> None:
    """uv, Poetry and PDM lock files list every package they install, workspace members' too."""
    for name in ("uv.lock", "poetry.lock", "pdm.lock"):
        found = _toml(posixpath.join(directory, name), state, read, out)
        packages = found[0].get("package") if found else None
        if found and isinstance(packages, list):
            out.distributions.update(str(p["name"]) for p in packages if isinstance(p, dict) and "name" in p)
            out.sources.append(found[1])
            return


def _project(directory: str, state: _RunView, read: ReadFile, out: Installed) -> None:
    """`pip install .` and friends: the project's declared dependencies (PEP 621 or Poetry), or
    everything its lock file lists."""
    _lock_file(directory, state, read, out)
    found = _toml(posixpath.join(directory, "pyproject.toml"), state, read, out)
    if found is None:
        out.unread.append(posixpath.join(directory, "pyproject.toml"))
        return
    table, origin = found
    out.sources.append(origin)
    project = table.get("project")
    if isinstance(project, dict):
        for dep in project.get("dependencies") or []:
            m = _NAME.match(str(dep))
            if m:
                out.distributions.add(m.group(1))
    tool = table.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict):
        out.distributions.update(name for name in poetry["dependencies"] if name.lower() != "python")
    scripts: dict[str, object] = {}
    if isinstance(project, dict) and isinstance(project.get("scripts"), dict):
        scripts.update(project["scripts"])
    if isinstance(poetry, dict) and isinstance(poetry.get("scripts"), dict):
        scripts.update(poetry["scripts"])
    for name, value in scripts.items():
        ref = value.get("reference") if isinstance(value, dict) else value
        if isinstance(ref, str) and ":" in ref:
            out.scripts.setdefault(str(name), ref)
