"""What one Dockerfile's build means for its image: the context it sends, COPY sources that
match nothing, modules the program imports that the image lacks, required paths left out,
secret-looking files sent. Pure and synchronous: it answers questions and decides nothing
about severity or wording (the `dockerignore` kind does)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import posixpath
import stat
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

import pathspec

from validators.docker.build_context import (
    INJECTED_DOCKERFILE,
    ContextReport,
    ContextSpec,
    compute,
    explain,
    ignore_file_for,
)
from validators.docker.build_sources import untagged
from validators.docker.dockerfile import DockerfileError, parse
from validators.docker.entrypoints import Entrypoint, find_entrypoints_explained, from_config
from validators.docker.generated import BuildHints
from validators.docker.hygiene import Clutter, find_clutter
from validators.docker.ignorefile import IgnoreLine
from validators.docker.image import ContextView, ImageTree, Simulation, StageState, simulate
from validators.docker.installs import Installed, installed_packages
from validators.docker.secrets import Suspect, by_name, secret_in_content, test_or_vendored, worth_reading
from validators.docker.snapshot import Snapshot
from validators.engine.safe_read import read_regular
from validators.pyimports.cache import ScanCache
from validators.pyimports.django import DjangoStrings
from validators.pyimports.follow import Analysis, FileTree, MissingModule, Start, analyse
from validators.pyimports.scan import ScanResult

_T = TypeVar("_T")


@dataclass(frozen=True)
class Target:
    dockerfile: Path
    context: Path
    builder: str = "buildkit"
    target: str | None = None
    daemon: str = "current"  # which generation of Docker's rules: see engine_rules
    buildkit: str = "current"
    build_args: tuple[tuple[str, str], ...] = ()  # --build-arg values, from compose or config
    context_guessed: bool = False  # nobody names the context: COPY findings cannot be certain
    origin: str = "config"  # where the build was learnt: a compose service, a workflow, a folder
    project_images: tuple[tuple[str, str], ...] = ()  # (image name, Dockerfile) the project builds

    def spec(self, builder: str | None = None) -> ContextSpec:
        return ContextSpec(self.context, self.dockerfile, builder or self.builder, self.daemon, self.buildkit)


@dataclass(frozen=True)
class Checks:
    """Which questions to answer beyond the context itself."""

    required: tuple[str, ...] = ()  # gitignore-style globs that must be sent
    entrypoints: tuple[str, ...] = ()  # modules or scripts to follow besides CMD/ENTRYPOINT
    detect_entrypoints: bool = True
    secrets: bool = True
    compare_builders: bool = True


DEFAULT_CHECKS = Checks()


@dataclass(frozen=True)
class BuilderDifference:
    builder: str
    other: str
    only_ours: tuple[str, ...]
    only_theirs: tuple[str, ...]


@dataclass(frozen=True)
class SourceUse:
    """A COPY/ADD source and what it matched in the context."""

    keyword: str
    source: str
    line: int
    matched: int
    clean: str  # the source as a context path
    exists: bool  # in the checkout (or a wildcard), so only the ignore file can hide it
    excluded_by: IgnoreLine | None  # the deciding line when nothing matched
    unset_args: tuple[str, ...] = ()  # ARGs in the path with no value: what it names is not known
    made_before: str | None = None  # why it is probably made before the build (absent from the checkout)
    written: str = ""  # the source as the Dockerfile has it, variables unexpanded


@dataclass(frozen=True)
class SecretFile:
    path: str
    why: str  # what makes it look secret: its name, its folder, or what it holds
    image_paths: tuple[str, ...] = ()  # where COPY puts it in the image; () when only the daemon gets it
    files: int = 1  # a sent folder (.git/) is one finding with its size
    size: int = 0
    certain: bool = True  # judged by content (a key block, a token format), not by name alone
    test_or_vendored: bool = False  # under tests/ or vendored code: an upstream test key, most likely


@dataclass(frozen=True)
class RequiredExcluded:
    path: str
    excluded_by: IgnoreLine | None


@dataclass(frozen=True)
class ModuleGap:
    """A module the program imports that the image lacks, and what would bring it back."""

    missing: MissingModule
    target: str  # the repository file or folder that holds the module
    is_dir: bool
    excluded_by: IgnoreLine | None  # when an ignore line dropped it
    fix: str | None  # an exception line checked to re-include `target`
    # The image's paths make the module first-party: an ignore line dropped it, or it sits
    # under a repository folder that the image's import roots were copied from. Otherwise the
    # repository file is only a guess at what the import means.
    certain: bool = True


@dataclass(frozen=True)
class ImportCheck:
    entrypoints: tuple[Entrypoint, ...]
    roots: tuple[str, ...]
    analysis: Analysis
    reused: bool  # taken from the cache: no input changed
    gaps: tuple[ModuleGap, ...]
    # No entrypoint was understood, so the packages the image copies were checked instead.
    fallback: bool = False
    installed: Installed | None = None  # what site-packages provides, from the pip installs


@dataclass
class DockerfileAnalysis:
    target: Target
    dockerfile_rel: str
    read_error: str | None = None
    parse_error: DockerfileError | None = None
    report: ContextReport | None = None
    ignore_rel: str | None = None
    difference: BuilderDifference | None = None
    sources: list[SourceUse] = field(default_factory=list)
    imports: ImportCheck | None = None  # None when nothing Python could be followed
    not_understood: list[str] = field(default_factory=list)  # commands tried as entrypoints
    required_excluded: list[RequiredExcluded] = field(default_factory=list)
    secrets: list[SecretFile] = field(default_factory=list)
    clutter_in_image: dict[str, tuple[str, ...]] = field(default_factory=dict)  # folder -> where COPY puts it
    base_from_project: tuple[str, str] | None = None  # (image, Dockerfile) when FROM an image the project builds
    clutter: list[Clutter] = field(default_factory=list)  # folders that should not be sent


def relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def _all_files(snapshot: Snapshot) -> list[str]:
    """Every file of the context before .dockerignore, symlinks as themselves; no socket, as in
    what a build sends."""
    files: list[str] = []
    for rel, entries in snapshot.dirs.items():
        prefix = rel + "/" if rel else ""
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    continue
                if not entry.is_file(follow_symlinks=False) and not entry.is_symlink():
                    if stat.S_ISSOCK(entry.stat(follow_symlinks=False).st_mode):
                        continue
            except OSError:
                pass
            files.append(prefix + entry.name)
    return files


# What Dockerfiles of one run share, per worker process: context reports, the unfiltered file
# list and the views COPY reads. Keys hold the run key, so a new run or attempt reads afresh.
# Memory stays bounded: the entries of two runs at most (a rerun can overlap the run before),
# and a few dozen entries in all.
_SHARED_MAX = 32
_SHARED_RUNS = 2
_shared: OrderedDict[tuple[object, ...], object] = OrderedDict()


def _memo(run_key: str | None, what: tuple[object, ...], make: Callable[[], _T]) -> _T:
    """`make()`, shared by the analyses of run `run_key`; without a run key, made afresh."""
    if run_key is None:
        return make()
    key = (run_key, *what)
    if key in _shared:
        _shared.move_to_end(key)
        return cast(_T, _shared[key])
    value = _shared[key] = make()
    runs = list(dict.fromkeys(k[0] for k in reversed(_shared)))
    for old in [k for k in _shared if k[0] in runs[_SHARED_RUNS:]]:
        del _shared[old]
    while len(_shared) > _SHARED_MAX:
        _shared.popitem(last=False)
    return value


def _report_key(spec: ContextSpec, sizes: bool) -> tuple[object, ...]:
    if spec.builder == "buildkit":
        # BuildKit filters the context by its ignore file alone: Dockerfiles that share both
        # share the listing.
        return ("report", str(spec.context_dir), str(ignore_file_for(spec)), spec.buildkit, sizes)
    return ("report", spec, sizes)


class _RepoFiles:
    """A repository's files and the folders holding Python files, once per context and run."""

    def __init__(self, files: Sequence[str]) -> None:
        self.files = set(files)
        self.py_dirs: set[str] = set()
        for f in self.files:
            if not f.endswith(".py"):
                continue
            d = posixpath.dirname(f)
            while d and d not in self.py_dirs:
                self.py_dirs.add(d)
                d = posixpath.dirname(d)


class _RepoIndex:
    """Where a dotted module lives in the repository, for modules the image does not have."""

    def __init__(self, repo: Callable[[], _RepoFiles], roots: Sequence[str]) -> None:
        self._repo = repo  # made on first use: most analyses never ask
        self.mapped = list(dict.fromkeys(roots))
        self.roots = list(dict.fromkeys([*roots, "", "src"]))

    def find(self, name: str, roots: Sequence[str] | None = None) -> str | None:
        repo = self._repo()
        rel = name.replace(".", "/")
        for root in self.roots if roots is None else roots:
            base = posixpath.join(root, rel) if root else rel
            for candidate in (base + ".py", base + "/__init__.py"):
                if candidate in repo.files:
                    return candidate
            if base in repo.py_dirs:  # a namespace package: a folder with Python files below
                return base
        return None


def _repo_roots(full: FileTree, image_roots: Sequence[str]) -> list[str]:
    """Repository folders that image import roots were copied from."""
    found: list[str] = []
    for root in image_roots:
        prefix = root.rstrip("/") + "/"
        for image_path, origin in full.files.items():
            if image_path.startswith(prefix) and origin:
                rel = image_path[len(prefix) :]
                if origin.endswith(rel):
                    candidate = origin[: len(origin) - len(rel)].rstrip("/")
                    if candidate not in found:
                        found.append(candidate)
                    break
    return found


def fix_for(report: ContextReport, repo_path: str, directory: bool) -> str | None:
    """An exception line that really re-includes `repo_path`: checked by recomputing the
    context with the line appended, not assumed."""
    candidates = [f"!{repo_path}"] if not directory else [f"!{repo_path}", f"!{repo_path}/**"]
    for line in candidates:
        probe = compute(report.spec, extra_lines=(line,), snapshot=report.snapshot)
        sent = set(probe.paths)
        if probe.error is None and (repo_path in sent or any(p.startswith(repo_path + "/") for p in sent)):
            return line
    return None


def analyse_dockerfile(
    target: Target,
    project: Path,
    *,
    cache: ScanCache,
    checks: Checks = DEFAULT_CHECKS,
    run_key: str | None = None,
) -> DockerfileAnalysis:
    """`run_key` names one run (and attempt): analyses with the same key share one reading of
    each context. Without it, everything is read afresh."""
    out = DockerfileAnalysis(target, relative(target.dockerfile, project))
    try:
        dockerfile = parse(read_regular(target.dockerfile).decode("utf-8"), out.dockerfile_rel)
    except (OSError, UnicodeDecodeError) as exc:
        out.read_error = str(exc)
        return out
    except DockerfileError as exc:
        out.parse_error = exc
        return out
    context = str(target.context)
    snapshot = _memo(run_key, ("snapshot", context), lambda: Snapshot(target.context))
    spec = target.spec()
    report_key = _report_key(spec, True)
    report = _memo(run_key, report_key, lambda: compute(spec, sizes=True, snapshot=snapshot))
    out.report = report
    out.ignore_rel = relative(report.ignore_file, project) if report.ignore_file else None
    if report.error is not None:
        return out

    if checks.compare_builders:
        other = "classic" if target.builder == "buildkit" else "buildkit"
        other_spec = target.spec(other)
        other_report = _memo(run_key, _report_key(other_spec, False), lambda: compute(other_spec, snapshot=snapshot))
        always = {".dockerignore", INJECTED_DOCKERFILE, out.dockerfile_rel}
        ours = set(report.paths) - always
        theirs = set(other_report.paths) - always
        if other_report.error is None and ours != theirs:
            out.difference = BuilderDifference(
                target.builder, other, tuple(sorted(ours - theirs)), tuple(sorted(theirs - ours))
            )

    view = _memo(run_key, (*report_key, "view"), lambda: ContextView(report.paths))
    sim = simulate(dockerfile, view, target.target, dict(target.build_args))
    for source in sim.sources:
        clean = posixpath.normpath(source.source.lstrip("/")) or "."
        excluded_by: IgnoreLine | None = None
        exists = True
        made_before = None
        if not source.matched:
            excluded_by = explain(report, clean).line
            exists = (target.context / clean).exists() or any(c in clean for c in "*?[")
            if not exists:
                hints = _memo(run_key, ("build hints", str(project)), lambda: BuildHints(project))
                made_before = hints.made_before_build(relative(target.context / clean, project))
        out.sources.append(
            SourceUse(
                source.instruction.keyword,
                source.source,
                source.instruction.line,
                source.matched,
                clean,
                exists,
                excluded_by,
                source.unset_args,
                made_before,
                source.written,
            )
        )
    images = dict(target.project_images)
    for state in sim.stage_states:
        base = state.external_base
        built_by = images.get(untagged(base)) if base is not None else None
        if base is not None and built_by is not None:
            out.base_from_project = (base, built_by)
    full_files = _memo(run_key, ("all files", context), lambda: _all_files(snapshot))
    full_view = _memo(run_key, ("full view", context), lambda: ContextView(full_files))
    full_sim = simulate(dockerfile, full_view, target.target, dict(target.build_args))
    out.imports, out.not_understood = _check_imports(
        report, sim, full_sim, full_files, target, cache, checks.entrypoints, checks.detect_entrypoints, run_key
    )
    if checks.required:
        spec_required = pathspec.GitIgnoreSpec.from_lines(checks.required)
        sent = set(report.paths)
        for path in full_files:
            if spec_required.match_file(path) and path not in sent:
                out.required_excluded.append(RequiredExcluded(path, explain(report, path).line))
    out.clutter, secrets = _memo(
        run_key,
        (*report_key, "clutter and secrets", checks.secrets),
        lambda: _clutter_and_secrets(report, target.context, cache, checks.secrets),
    )
    where = _image_paths(sim.final.tree, [s.path for s in secrets] + [f + "/" for c in out.clutter for f in c.folders])
    out.secrets = [dataclasses.replace(s, image_paths=where.get(s.path, ())) for s in secrets]
    out.clutter_in_image = {f: where[f + "/"] for c in out.clutter for f in c.folders if f + "/" in where}
    return out


def _clutter_and_secrets(
    report: ContextReport, context: Path, cache: ScanCache, secrets: bool
) -> tuple[list[Clutter], list[SecretFile]]:
    clutter = find_clutter(report.entries)
    found: list[SecretFile] = []
    if secrets:
        # Files inside a clutter folder are said once, with the folder, not once each; so are
        # the files of a credential folder (.aws/, .ssh/).
        cluttered = tuple(f + "/" for c in clutter for f in c.folders)
        folders: dict[str, list[int]] = {}
        for entry in report.entries:
            if entry.path.startswith(cluttered):
                continue
            suspect = by_name(entry.path)
            if suspect is not None and suspect.folder is not None:
                totals = folders.setdefault(suspect.folder, [0, 0])
                totals[0] += 1
                totals[1] += entry.size
                continue
            if suspect is None and entry.kind == "file" and worth_reading(entry.path, entry.size):
                held = cache.fact(str(context / entry.path), _credential_kind)
                if held:
                    suspect = Suspect(f"holds {held}", True, test_or_vendored(entry.path))
            if suspect is not None:
                found.append(
                    SecretFile(entry.path, suspect.why, size=entry.size, certain=suspect.certain,
                               test_or_vendored=suspect.test_or_vendored)
                )  # fmt: skip
        for folder, (files, size) in folders.items():
            found.append(SecretFile(folder + "/", "a credential folder", files=files, size=size))
        found.sort(key=lambda s: s.path)
    return clutter, found


def _check_imports(
    report: ContextReport,
    sim: Simulation,
    full_sim: Simulation,
    full_files: list[str],
    target: Target,
    cache: ScanCache,
    extra: Sequence[str],
    detect: bool,
    run_key: str | None = None,
) -> tuple[ImportCheck | None, list[str]]:
    final = full_sim.final

    def read_image_file(image_path: str) -> bytes | None:
        origin = final.tree.files.get(image_path)
        if not origin:
            return None
        try:
            return read_regular(target.context / origin)[: 256 * 1024]
        except OSError:
            return None

    def read_repo(repo_path: str) -> bytes | None:
        try:
            return read_regular(target.context / repo_path)[: 1024 * 1024]
        except OSError:
            return None

    installed = installed_packages(sim, read_repo)
    starts: list[Entrypoint] = []
    tried: list[str] = []
    if detect:
        starts, tried = find_entrypoints_explained(final, read_image_file, installed.scripts)
    starts += [
        Entrypoint(
            e.kind,
            e.target if e.kind == "module" or e.target.startswith("/") else posixpath.join(final.workdir, e.target),
            None,
            "config",
        )
        for e in from_config(list(extra))
    ]
    settings = final.env.get("DJANGO_SETTINGS_MODULE")
    if starts and settings and all(part.isidentifier() for part in settings.split(".")):
        # Django imports it at start, whatever manage.py's setdefault says.
        starts.append(Entrypoint("module", settings, None, "ENV DJANGO_SETTINGS_MODULE"))
    fallback = False
    if not starts:
        # "passed" must not mean "checked nothing": follow the packages the image copies.
        starts = _image_packages(sim.final)  # what the real image has, not the unfiltered one
        fallback = True
    if not starts:
        return None, tried
    roots: list[str] = []
    for e in starts:
        root = e.root or (posixpath.dirname(e.target) if e.kind == "script" else final.workdir)
        roots.append(root)
    for entry in final.env.get("PYTHONPATH", "").split(":"):
        if entry:
            roots.append(posixpath.normpath(posixpath.join(final.workdir, entry)))
    roots += [r for r in installed.project_roots if r in final.tree.dirs]
    roots = list(dict.fromkeys(roots))
    full_tree = FileTree(final.tree.files, final.tree.dirs)
    sent_tree = FileTree(sim.final.tree.files, sim.final.tree.dirs)
    repo_roots = _repo_roots(full_tree, roots)
    run_starts = [
        Start(e.target if e.kind == "module" else None, e.target if e.kind == "script" else None, e.source)
        for e in starts
    ]
    context_root = str(target.context).rstrip("/") + "/"
    # The analysis reads Python files only: it depends on where they are (in the repository
    # and in both images), on the roots and entrypoints, and on their content. When none of
    # that changed, the stored result is reused after one stat per file read.
    key = hashlib.sha256(
        json.dumps(
            [
                sorted((p, o) for p, o in full_tree.files.items() if p.endswith(".py")),
                sorted(p for p in sent_tree.files if p.endswith(".py")),
                sorted(p for p in full_files if p.endswith(".py")),
                roots,
                repo_roots,
                [dataclasses.astuple(s) for s in run_starts],
                context_root,
                sorted(installed.distributions),
            ]
        ).encode()
    ).hexdigest()
    stored = cache.analysis(key)
    reused = stored is not None
    context = str(target.context)
    repo = _RepoIndex(lambda: _memo(run_key, ("repo files", context), lambda: _RepoFiles(full_files)), repo_roots)
    if stored is not None:
        analysis = Analysis.decode(stored)
    else:
        cache.prime(
            context_root + origin for path, origin in full_tree.files.items() if path.endswith(".py") and origin
        )

        def read(repo_path: str) -> ScanResult | None:
            return cache.get(context_root + repo_path)

        analysis = analyse(
            run_starts, full_tree, sent_tree, roots, read, repo.find, installed.names, DjangoStrings(read_repo)
        )
        cache.store_analysis(key, [context_root + p for p in analysis.read], analysis.encode())
    gaps = [_gap(miss, report, full_tree, repo) for miss in analysis.missing]
    if not all(g.certain for g in gaps):
        # A guessed repository file that the image does have, under another import name
        # (`COPY . /app/application` makes `logging.py` `application.logging`): the import
        # means something else, the standard library or a distribution.
        origins = set(full_tree.files.values())
        prefixes = tuple(origins)
        gaps = [
            g
            for g in gaps
            if g.certain or not (g.target in origins or any(o.startswith(g.target + "/") for o in prefixes))
        ]
    return ImportCheck(tuple(starts), tuple(roots), analysis, reused, tuple(gaps), fallback, installed), tried


def _credential_kind(path: str) -> str | None:
    return secret_in_content(Path(path))


def _image_paths(tree: ImageTree, wanted: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Where COPY puts each wanted context path (a folder: anything under it) in the image."""
    files = {w for w in wanted if not w.endswith("/")}
    folders = tuple(w for w in wanted if w.endswith("/"))
    out: dict[str, list[str]] = {}
    for image_path, origin in tree.files.items():
        if origin in files:
            out.setdefault(origin, []).append(image_path)
        elif folders and origin.startswith(folders):
            folder = next(f for f in folders if origin.startswith(f))
            if folder not in out:
                suffix = origin[len(folder) :]
                out[folder] = [image_path[: len(image_path) - len(suffix)]]
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _image_packages(final: StageState) -> list[Entrypoint]:
    """Every module of the regular packages the image has in its working directory."""
    prefix = final.workdir.rstrip("/") + "/"
    inside = [p[len(prefix) :] for p in final.tree.files if p.startswith(prefix) and p.endswith(".py")]
    packages = {rel.split("/")[0] for rel in inside if rel.count("/") == 1 and rel.endswith("/__init__.py")}
    modules = set()
    for rel in inside:
        parts = rel[: -len(".py")].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and parts[0] in packages and all(part.isidentifier() for part in parts):
            modules.add(".".join(parts))
    return [Entrypoint("module", name, None, "the image's own packages") for name in sorted(modules)]


def _gap(miss: MissingModule, report: ContextReport, full: FileTree, repo: _RepoIndex) -> ModuleGap:
    if miss.cause == "ignored" and miss.image_path:
        repo_path = miss.repo_path or ""
        is_dir = repo_path.endswith("/__init__.py") or not repo_path.endswith(".py")
        target = posixpath.dirname(repo_path) if repo_path.endswith("/__init__.py") else repo_path
        if not repo_path:
            prefix = miss.image_path.rstrip("/") + "/"
            origins = [o for p, o in full.files.items() if p.startswith(prefix) and o]
            target = posixpath.commonpath(origins) if origins else miss.image_path
            is_dir = True
        why = explain(report, target) if target else None
        fix = fix_for(report, target, is_dir) if target else None
        return ModuleGap(miss, target, is_dir, why.line if why else None, fix)
    # Only in the repository: first-party for certain when it sits under a folder the image's
    # import roots were copied from; elsewhere ("", "src") it is a guess at what the name means.
    certain = repo.find(miss.module, repo.mapped) is not None
    return ModuleGap(miss, miss.repo_path or miss.module.replace(".", "/"), False, None, None, certain)
