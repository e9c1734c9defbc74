"""How a project says it builds its images: compose files (`build.context`, `dockerfile`,
`args`, `target`), CI workflows (`docker/build-push-action`, plain `docker build` lines), and
Dockerfiles anywhere in the tree. A Dockerfile nobody names gets the context its own COPY
lines point at, and says that it was guessed."""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
import shlex
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from validators.docker.dockerfile import Dockerfile, DockerfileError, parse, shell_words, substitute, words
from validators.docker.dockerfiles import is_dockerfile, looks_like_dockerfile, might_be_dockerfile
from validators.engine.safe_read import read_regular

COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:\.[\w.-]+)?\.ya?ml$", re.IGNORECASE)
_WORKFLOWS = ".github/workflows"
# Folders that hold no image the project ships: dependencies, caches, VCS data, test fixtures.
SKIPPED_DIRS = frozenset(
    {
        "node_modules", "site-packages", "__pycache__", "venv", "env", "vendor", "third_party",
        "tests", "test", "testdata", "fixtures", "dist",
    }
)  # fmt: skip
MAX_DEPTH = 4
MAX_YAML_BYTES = 4 << 20  # memory stays bounded whatever a file named compose.yaml holds
_FOLDERS_OF_DOCKERFILES = ("dockerfiles", "docker")


@dataclass(frozen=True)
class BuildSource:
    """One image build: paths relative to the project, POSIX style."""

    dockerfile: str
    context: str
    origin: str  # where checkdeck learnt it: "compose.yaml service api", "found in backend/"
    target: str | None = None
    build_args: tuple[tuple[str, str], ...] = ()
    context_guessed: bool = False  # nobody names the context: chosen by the COPY sources
    image: str | None = None  # the image name it produces, when the project says

    @property
    def label(self) -> str:
        """A short name that tells two builds of one Dockerfile apart."""
        if " service " in self.origin:
            return self.origin.rsplit(" service ", 1)[1]
        if self.origin.startswith(_WORKFLOWS):
            file, _, job = self.origin[len(_WORKFLOWS) + 1 :].partition(" job ")
            return f"{posixpath.splitext(file)[0]}: {job.split(' (')[0]}"
        return self.origin

    def entry(self) -> dict[str, object]:
        """The `dockerfiles` entry the dockerignore kind takes."""
        out: dict[str, object] = {"path": self.dockerfile, "context": self.context, "origin": self.origin}
        if self.target:
            out["target"] = self.target
        if self.build_args:
            out["build_args"] = dict(self.build_args)
        if self.context_guessed:
            out["context_guessed"] = True
        return out


@dataclass
class Builds:
    builds: list[BuildSource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # files that could not be read, and why

    def images(self) -> dict[str, BuildSource]:
        """Image names the project builds itself, without tag: a stage FROM one is not unknown."""
        return {untagged(b.image): b for b in self.builds if b.image}


def untagged(image: str) -> str:
    name = image.split("@")[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def _rel(path: str) -> str:
    return posixpath.normpath(path) if path else "."


def _inside(rel: str) -> bool:
    return not rel.startswith("../") and rel != ".." and not rel.startswith("/")


def _yaml(path: Path, notes: list[str], project: Path) -> object:
    import yaml  # only when a compose or workflow file exists: `checkdeck list` stays light

    rel = path.relative_to(project).as_posix()
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            notes.append(
                f"{rel}: not read (larger than {MAX_YAML_BYTES // (1 << 20)} MiB: not a compose or workflow file)"
            )
            return None
        return yaml.safe_load(read_regular(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        notes.append(f"{rel}: not read ({exc})")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{rel}:{mark.line + 1}" if mark is not None else rel
        notes.append(f"{where}: not read: {getattr(exc, 'problem', None) or exc}")
    return None


_COMPOSE_VAR = re.compile(r"\$\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|\$([A-Za-z_]\w*)")


def _compose_value(value: object) -> str | None:
    """A compose value with `${VAR:-default}` resolved to its default; None when it depends on
    a variable without one (what the user's shell holds is not known here)."""
    if value is None:
        return None
    text = str(value)
    unknown = False

    def repl(m: re.Match[str]) -> str:
        nonlocal unknown
        if m.group(2) is not None:
            return m.group(2)
        unknown = True
        return ""

    text = _COMPOSE_VAR.sub(repl, text.replace("$$", "\0")).replace("\0", "$")
    return None if unknown else text


def _compose_args(raw: object) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            resolved = _compose_value(value)
            if resolved is not None:
                pairs.append((str(key), resolved))
    elif isinstance(raw, list):
        for item in raw:
            key, sep, value = str(item).partition("=")
            resolved = _compose_value(value) if sep else None
            if resolved is not None:
                pairs.append((key, resolved))
    return tuple(pairs)


_BASE_COMPOSE = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def _merge(base: object, over: object) -> object:
    """Compose's merge of `-f base -f over`: mappings merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in over.items()}}
    return over


def _compose_folder(names: list[str], folder: str, project: Path, notes: list[str]) -> Iterator[BuildSource]:
    """The compose files of one folder. The base file alone, and each other one (override,
    prod, dev) merged over it as `docker compose -f base -f other` does: an override that only
    sets `target` or `args` keeps the base file's context."""
    files = {n: _yaml(project / folder / n if folder else project / n, notes, project) for n in names}
    base_name = next((n for n in _BASE_COMPOSE if n in files), None)
    base = files.get(base_name) if base_name else None
    # The base file first: a build the variants share is said as coming from it.
    for name in sorted(files, key=lambda n: n != base_name):
        data = files[name]
        merged = data if name == base_name or base is None else _merge(base, data)
        yield from _compose_builds(merged, posixpath.join(folder, name) if folder else name, notes)


def _compose_builds(data: object, rel: str, notes: list[str]) -> Iterator[BuildSource]:
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return
    base = posixpath.dirname(rel)
    for name, service in services.items():
        if not isinstance(service, dict) or "build" not in service:
            continue
        build = service["build"]
        if isinstance(build, str):
            build = {"context": build}
        if not isinstance(build, dict) or "dockerfile_inline" in build:
            continue
        context_raw = _compose_value(build.get("context", "."))
        dockerfile_raw = _compose_value(build.get("dockerfile", "Dockerfile"))
        if context_raw is None or dockerfile_raw is None or "://" in context_raw or context_raw.startswith("git@"):
            what = "a remote context" if context_raw else "a context or Dockerfile the user's shell decides"
            notes.append(f"{rel}: service {name}: {what}; not checked")
            continue
        context = _rel(posixpath.join(base, context_raw))
        dockerfile = _rel(posixpath.join(context, dockerfile_raw))
        if not (_inside(context) and _inside(dockerfile)):
            continue
        target = _compose_value(build.get("target"))
        image = _compose_value(service.get("image"))
        yield BuildSource(
            dockerfile, context, f"{rel} service {name}", target or None, _compose_args(build.get("args")), image=image
        )


def _workflow_builds(path: Path, project: Path, notes: list[str]) -> Iterator[BuildSource]:
    data = _yaml(path, notes, project)
    rel = path.relative_to(project).as_posix()
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if not isinstance(jobs, dict):
        return
    for job_name, job in jobs.items():
        steps = job.get("steps") if isinstance(job, dict) else None
        if not isinstance(steps, list):
            continue
        for step in steps:
            if not isinstance(step, dict):
                continue
            uses = str(step.get("uses", ""))
            where = f"{rel} job {job_name}"
            if uses.startswith("docker/build-push-action"):
                found = _build_push_action(step.get("with"), where)
                if found is not None:
                    yield found
            elif isinstance(step.get("run"), str):
                cwd = str(step.get("working-directory", "."))
                yield from _docker_build_lines(step["run"], cwd, where)


def _build_push_action(options: object, where: str) -> BuildSource | None:
    options = options if isinstance(options, dict) else {}
    context = str(options.get("context", "."))
    file = options.get("file")
    if "${{" in context or (file is not None and "${{" in str(file)):
        return None  # decided by an expression at CI time
    context = _rel(context)
    dockerfile = _rel(str(file)) if file else _rel(posixpath.join(context, "Dockerfile"))
    args = []
    for line in str(options.get("build-args", "")).splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and "${{" not in value:
            args.append((key, value))
    target = options.get("target")
    tags = str(options.get("tags", "")).replace(",", "\n").split()
    image = tags[0] if tags and "${{" not in tags[0] else None
    return BuildSource(
        dockerfile,
        context,
        f"{where} (docker/build-push-action)",
        str(target) if target and "${{" not in str(target) else None,
        tuple(args),
        image=image,
    )


def _docker_build_lines(script: str, cwd: str, where: str) -> Iterator[BuildSource]:
    """`docker build -f X --build-arg A=b -t name CONTEXT` lines, when nothing in them is a
    variable: the simple case, which is the common one."""
    for line in script.replace("\\\n", " ").splitlines():
        try:
            argv = shlex.split(line, comments=True)
        except ValueError:
            continue
        for i in range(len(argv) - 1):
            if posixpath.basename(argv[i]) != "docker":
                continue
            rest = argv[i + 1 :]
            if rest[:2] == ["buildx", "build"]:
                rest = rest[2:]
            elif rest[:2] == ["image", "build"]:
                rest = rest[2:]
            elif rest[:1] == ["build"]:
                rest = rest[1:]
            else:
                continue
            found = _docker_build_argv(rest, cwd, where)
            if found is not None:
                yield found


def _docker_build_argv(argv: list[str], cwd: str, where: str) -> BuildSource | None:
    file = target = image = None
    args: list[tuple[str, str]] = []
    positional: list[str] = []
    valued = {"-f", "--file", "--target", "--build-arg", "-t", "--tag", "--platform", "--label", "--network"}
    i = 0
    while i < len(argv):
        token = argv[i]
        name, eq, inline = token.partition("=")
        if token.startswith("-") and name in valued:
            value = inline if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            i += 1 if eq else 2
            if name in ("-f", "--file"):
                file = value
            elif name == "--target":
                target = value
            elif name in ("-t", "--tag"):
                image = image or value
            elif name == "--build-arg" and "=" in value:
                key, _, arg = value.partition("=")
                args.append((key, arg))
            continue
        if token in ("&&", "||", ";", "|"):
            break
        if not token.startswith("-"):
            positional.append(token)
        i += 1
    if len(positional) != 1 or any("$" in v for v in (positional[0], file or "", target or "")):
        return None
    context = _rel(posixpath.join(cwd, positional[0]))
    dockerfile = _rel(posixpath.join(cwd, file)) if file else _rel(posixpath.join(context, "Dockerfile"))
    if file == "-":
        return None
    return BuildSource(dockerfile, context, f"{where} (docker build)", target, tuple(args), image=image)


def _walk(project: Path) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """Project folders (relative, "" for the root) with their entries, to MAX_DEPTH, without
    hidden folders, dependencies or test fixtures."""
    pending = [""]
    while pending:
        rel = pending.pop(0)
        try:
            entries = sorted(os.scandir(project / rel if rel else project), key=lambda e: e.name)
        except OSError:
            continue
        yield rel, entries
        if rel.count("/") + 1 >= MAX_DEPTH and rel:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name.lower() in SKIPPED_DIRS or name.endswith(".egg-info"):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(f"{rel}/{name}" if rel else name)
            except OSError:
                continue


def find_builds(project: Path) -> Builds:
    out = Builds()
    dockerfiles: list[str] = []
    for rel, entries in _walk(project):
        composes: list[str] = []
        folder = posixpath.basename(rel)
        in_folder = rel in _FOLDERS_OF_DOCKERFILES or folder.lower() in _FOLDERS_OF_DOCKERFILES
        for entry in entries:
            # The name first: one regexp per file, a stat only for the few that may be builds.
            if not (might_be_dockerfile(entry.name, in_folder) or COMPOSE_NAME.match(entry.name)):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
            except OSError:
                continue
            path = f"{rel}/{entry.name}" if rel else entry.name
            if COMPOSE_NAME.match(entry.name):
                composes.append(entry.name)
            elif is_dockerfile(Path(entry.path), in_dockerfiles_folder=in_folder) and (
                not rel or looks_like_dockerfile(Path(entry.path))
            ):
                # Deeper in the tree, a Dockerfile is one by content too: stubs and templates
                # (an empty `zen/Dockerfile`, a Jinja one) are not images the project builds.
                dockerfiles.append(path)
        if composes:
            out.builds += _compose_folder(composes, rel, project, out.notes)
    workflows = project / _WORKFLOWS
    if workflows.is_dir():
        for entry in sorted(os.scandir(workflows), key=lambda e: e.name):
            if entry.name.endswith((".yml", ".yaml")) and entry.is_file(follow_symlinks=False):
                out.builds += _workflow_builds(Path(entry.path), project, out.notes)
    # A Dockerfile the project names is built as named (once per distinct build); one nobody
    # names gets a guessed context.
    distinct: dict[tuple[object, ...], BuildSource] = {}
    declared: dict[str, set[str]] = {}
    for build in out.builds:
        if not (project / build.dockerfile).is_file():
            out.notes.append(f"{build.origin}: {build.dockerfile} does not exist; not checked")
            continue
        if build.dockerfile not in declared:
            declared[build.dockerfile] = _declared_args(project, build.dockerfile)
        # Docker ignores a build arg the Dockerfile does not declare: builds that differ only
        # by those are one build.
        args = tuple(sorted((k, v) for k, v in build.build_args if k in declared[build.dockerfile]))
        build = dataclasses.replace(build, build_args=args)
        key = (build.dockerfile, build.context, build.target, build.build_args)
        distinct.setdefault(key, build)
    named = {b.dockerfile for b in distinct.values()}
    out.builds = list(distinct.values())
    for path in dockerfiles:
        if path not in named:
            out.builds.append(guess_context(project, path))
    out.builds.sort(key=lambda b: (b.dockerfile.count("/"), b.dockerfile, b.origin))
    return out


def _parsed(project: Path, dockerfile: str) -> Dockerfile | None:
    """The Dockerfile, or None when it cannot be read or parsed (its validator says why)."""
    try:
        return parse(read_regular(project / dockerfile).decode("utf-8"), dockerfile)
    except (OSError, UnicodeDecodeError, DockerfileError):
        return None


def _declared_args(project: Path, dockerfile: str) -> set[str]:
    parsed = _parsed(project, dockerfile)
    if parsed is None:
        return set()
    names = set(parsed.global_args)
    for stage in parsed.stages:
        for ins in stage.instructions:
            if ins.keyword == "ARG":
                names.update(t.partition("=")[0] for t in shell_words(ins.args))
    return names


def _copy_sources(project: Path, dockerfile: str) -> list[str]:
    """The plain context paths this Dockerfile's COPY/ADD lines read, defaults substituted;
    sources that still hold a variable, a URL, a glob or another stage are left out."""
    parsed = _parsed(project, dockerfile)
    if parsed is None:
        return []
    sources: list[str] = []
    for stage in parsed.stages:
        env = dict(parsed.global_args)
        for ins in stage.instructions:
            if ins.keyword == "ARG":
                for token in shell_words(ins.args):
                    key, sep, value = token.partition("=")
                    if sep:
                        env.setdefault(key, value)
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None or ins.heredocs:
                continue
            listed = words(ins.args)
            parts = listed if listed is not None else shell_words(ins.args)
            for raw in parts[:-1]:
                if "$" in raw and not all(v in env for v in re.findall(r"\$\{?(\w+)", raw)):
                    continue
                src = substitute(raw, env)
                if "://" in src or any(c in src for c in "*?[") or src.startswith("<<"):
                    continue
                sources.append(posixpath.normpath(src.lstrip("/")) if src.strip("/") else ".")
    return sources


def guess_context(project: Path, dockerfile: str) -> BuildSource:
    """The folder its COPY sources exist in: the Dockerfile's own folder first (`docker build
    backend/`), then each parent up to the project; for a folder of Dockerfiles, the project."""
    folder = posixpath.dirname(dockerfile)
    chain = [folder]
    while chain[-1]:
        chain.append(posixpath.dirname(chain[-1]))
    if posixpath.basename(folder).lower() in _FOLDERS_OF_DOCKERFILES:
        chain = [chain[-1], *chain[:-1]]
    where = f"found in {folder}/" if folder else "found at the project root"
    sources = [s for s in _copy_sources(project, dockerfile) if s != "."]
    if not sources or len(chain) == 1:
        return BuildSource(dockerfile, chain[0] or ".", where, context_guessed=len(chain) > 1)

    def present(context: str) -> set[str]:
        base = project / context if context else project
        return {s for s in sources if (base / s).exists()}

    found = [present(c) for c in chain]
    anywhere = set().union(*found)
    best = max(range(len(chain)), key=lambda i: (len(found[i]), -i))
    context = chain[best] or "."
    label = "the project root" if context == "." else f"{context}/"
    have, n = len(found[best]), len(sources)
    if have == n:
        why = f"where its COPY source{'s' * (n != 1)} exist{'s' * (n == 1)}"
    else:
        nowhere = n - len(anywhere)
        why = f"where {have} of its {n} COPY sources exist ({nowhere} exist{'s' * (nowhere == 1)} nowhere in the checkout)"
    # Every source that exists at all exists there: the context is the one the Dockerfile was
    # written for, so what its ignore file drops, or a path that exists nowhere, is certain.
    # Otherwise the context is a guess, and the findings that depend on it say so.
    guessed = have != len(anywhere) or not anywhere
    return BuildSource(dockerfile, context, f"{where}; context {label}, {why}", context_guessed=guessed)


_last_builds: tuple[tuple[Path, str], Builds] | None = None
_builds_lock = threading.Lock()


def builds_of_run(project: Path, run: str) -> Builds:
    """The project's build sources, read once per run however many validators ask (each
    Dockerfile's build-context check and image build): the validators of a run start
    together, so the first reads and the others wait for it."""
    global _last_builds
    with _builds_lock:
        if _last_builds is None or _last_builds[0] != (project, run):
            _last_builds = ((project, run), find_builds(project))
        return _last_builds[1]


def build_labels(builds: list[BuildSource]) -> list[str]:
    """A name per build: the Dockerfile's path, and what tells apart two builds of the same
    Dockerfile (its target or where it was found), numbered if even that does not."""
    count: dict[str, int] = {}
    for b in builds:
        count[b.dockerfile] = count.get(b.dockerfile, 0) + 1
    names = []
    for b in builds:
        extra = ""
        if count[b.dockerfile] > 1:
            extra = f" ({b.target or b.label})"
        names.append(b.dockerfile + extra)
    return names if len(set(names)) == len(names) else [f"{n} #{i}" for i, n in enumerate(names)]
