"""Simulate the file tree an image gets from its COPY/ADD lines, stage by stage."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

from validators.docker.dockerfile import Dockerfile, Instruction, env_pairs, shell_words, substitute, words

_WILD = re.compile(r"[*?\[]")


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Go's filepath.Match as a regexp (COPY sources use it, not .dockerignore rules)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end]
                negate = body.startswith("^")
                body = body[1:] if negate else body
                out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


@dataclass
class ImageTree:
    files: dict[str, str] = field(default_factory=dict)  # image path -> context path ("" if not from it)
    dirs: set[str] = field(default_factory=lambda: {"/"})

    def add_file(self, image_path: str, origin: str) -> None:
        self.files[image_path] = origin
        parent = posixpath.dirname(image_path)
        while parent not in self.dirs:
            self.dirs.add(parent)
            parent = posixpath.dirname(parent)

    def add_dir(self, image_path: str) -> None:
        while image_path not in self.dirs:
            self.dirs.add(image_path)
            image_path = posixpath.dirname(image_path)

    def copy(self) -> ImageTree:
        return ImageTree(dict(self.files), set(self.dirs))


@dataclass(frozen=True)
class CopySource:
    instruction: Instruction
    source: str  # as written, after substitution
    matched: int  # context entries it matched
    unset_args: tuple[str, ...] = ()  # ARGs in the path with no default and no value given
    written: str = ""  # as in the Dockerfile, before substitution


@dataclass(frozen=True)
class Run:
    command: str
    workdir: str
    mounts: tuple[tuple[str, str], ...] = ()  # (image path, context path) bound for this RUN only


def _run(ins: Instruction, env: dict[str, str], workdir: str) -> Run:
    """A RUN line (its BuildKit flags already split off) and the context files it bind-mounts."""
    mounts = []
    for name, value in ins.flags:
        if name != "mount":
            continue
        options = dict(part.partition("=")[::2] for part in value.split(","))
        if options.get("type") == "bind" and "from" not in options and options.get("source"):
            target = options.get("target") or options.get("dst") or options.get("destination") or ""
            mounts.append((posixpath.normpath(posixpath.join(workdir, target)), posixpath.normpath(options["source"])))
    exec_form = words(ins.args)
    command = shlex.join(exec_form) if exec_form is not None else ins.args
    return Run(substitute(command, env), workdir, tuple(mounts))


@dataclass
class StageState:
    tree: ImageTree = field(default_factory=ImageTree)
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    cmd: Instruction | None = None
    entrypoint: Instruction | None = None
    external_base: str | None = None  # an image we know nothing about
    runs: list[Run] = field(default_factory=list)
    cmd_set: bool = False  # CMD given in this stage (an ENTRYPOINT after it keeps it)


@dataclass
class Simulation:
    final: StageState
    sources: list[CopySource]  # every COPY/ADD source of the stages the final one needs
    stage_states: list[StageState]


class ContextView:
    """The context as COPY sees it: files, and the directories that hold them."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.files = sorted(paths)
        self.file_set = set(self.files)
        dirs: set[str] = set()
        for path in self.files:
            end = path.rfind("/")
            while end > 0:
                parent = path[:end]
                if parent in dirs:
                    break
                dirs.add(parent)
                end = path.rfind("/", 0, end)
        self.dirs = dirs

    def under(self, directory: str) -> list[str]:
        if directory in ("", "."):
            return list(self.files)
        prefix = directory + "/"
        return [f for f in self.files if f.startswith(prefix)]

    def glob(self, pattern: str) -> list[str]:
        regexp = glob_regex(pattern)
        return [p for p in sorted(self.file_set | self.dirs) if regexp.match(p)]


def _resolve_dest(dest: str, workdir: str) -> str:
    return posixpath.normpath(posixpath.join(workdir, dest)) + ("/" if dest.endswith("/") else "")


_VAR_NAME = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _copy_args(
    ins: Instruction, env: dict[str, str], unset: frozenset[str]
) -> list[tuple[str, tuple[str, tuple[str, ...]]]]:
    """Each argument after substitution, with what was written and the unset ARGs it named."""
    listed = words(ins.args)
    parts = listed if listed is not None else shell_words(ins.args)
    return [
        (substitute(p, env), (p, tuple(n for n in _VAR_NAME.findall(p) if n in unset)))
        for p in parts
        if not p.startswith("<<")
    ]


def _apply_copy(
    ins: Instruction,
    state: StageState,
    env: dict[str, str],
    view: ContextView | None,
    from_tree: ImageTree | None,
    sources: list[CopySource],
    unset: frozenset[str] = frozenset(),
) -> None:
    args = _copy_args(ins, env, unset)
    if len(args) < 2:
        return
    *src_args, (dest_raw, _) = args
    srcs = [a for a, _ in src_args]
    unset_in = dict(src_args)
    dest = _resolve_dest(dest_raw, state.workdir)
    if dest.rstrip("/") in state.tree.dirs or dest_raw in (".", "./"):
        dest = dest.rstrip("/") + "/"  # an existing directory: sources go inside it
    many = len(srcs) > 1 or any(_WILD.search(s) for s in srcs)
    parents = ins.flag("parents") is not None
    for src in srcs:
        if re.match(r"^[a-z]+://|^git@", src):
            continue
        if from_tree is not None:
            _copy_from_tree(src, dest, many, from_tree, state.tree)
            continue
        assert view is not None
        clean = posixpath.normpath(src.lstrip("/")) if src.strip("/") else "."
        clean = "." if clean in ("", "/") else clean
        if _WILD.search(clean):
            matches = view.glob(clean)
        elif clean == "." or clean in view.dirs:
            matches = [clean]
        elif clean in view.file_set:
            matches = [clean]
        else:
            matches = []
        written, unset_args = unset_in.get(src, (src, ()))
        sources.append(CopySource(ins, src, len(matches), unset_args, written))
        for match in matches:
            if match == "." or match in view.dirs:
                for file in view.under(match):
                    rel = file if match == "." else file[len(match) + 1 :]
                    if parents and match != ".":
                        rel = file
                    state.tree.add_file(posixpath.join(dest.rstrip("/") or "/", rel), file)
            else:
                base = match if parents else posixpath.basename(match)
                target = posixpath.join(dest, base) if (dest.endswith("/") or many) else dest.rstrip("/")
                state.tree.add_file(target, match)


def _copy_from_tree(src: str, dest: str, many: bool, tree: ImageTree, into: ImageTree) -> None:
    path = posixpath.normpath("/" + src.lstrip("/"))
    if path in tree.dirs:
        prefix = path.rstrip("/") + "/"
        for file, origin in tree.files.items():
            if file.startswith(prefix) or path == "/":
                rel = file[len(prefix) :] if path != "/" else file.lstrip("/")
                into.add_file(posixpath.join(dest.rstrip("/") or "/", rel), origin)
    elif path in tree.files:
        target = posixpath.join(dest, posixpath.basename(path)) if (dest.endswith("/") or many) else dest.rstrip("/")
        into.add_file(target, tree.files[path])


def simulate(
    dockerfile: Dockerfile,
    context: ContextView,
    target: str | None = None,
    build_args: dict[str, str] | None = None,
) -> Simulation:
    """`build_args` are the `--build-arg` values: they set declared ARGs, defaults or not."""
    given = build_args or {}
    states: list[StageState] = []
    names: dict[str, int] = {}
    sources: list[CopySource] = []
    final_index = len(dockerfile.stages) - 1
    if target is not None:
        final_index = next((s.index for s in dockerfile.stages if s.name == target), final_index)
    for stage in dockerfile.stages[: final_index + 1]:
        base = stage.base.lower()
        if base in names:
            parent = states[names[base]]
            state = StageState(parent.tree.copy(), parent.workdir, dict(parent.env), parent.cmd, parent.entrypoint)
            state.runs = list(parent.runs)
        else:
            state = StageState(external_base=None if base == "scratch" else stage.base)
        args = {k: given.get(k, v) for k, v in dockerfile.global_args.items()}
        unset: set[str] = set()
        for ins in stage.instructions:
            env = {**args, **state.env}
            if ins.keyword == "ARG":
                for token in shell_words(ins.args):
                    key, sep, value = token.partition("=")
                    if key in given:
                        args[key] = given[key]
                    elif sep:
                        args.setdefault(key, substitute(value, env))
                    elif key not in args or not args[key]:
                        args.setdefault(key, "")
                        unset.add(key)
            elif ins.keyword == "ENV":
                for key, value in env_pairs(ins.args):
                    state.env[key] = substitute(value, env)
            elif ins.keyword == "WORKDIR":
                state.workdir = posixpath.normpath(posixpath.join(state.workdir, substitute(ins.args.strip(), env)))
                state.tree.add_dir(state.workdir)
            elif ins.keyword in ("COPY", "ADD"):
                origin = ins.flag("from")
                if origin is None:
                    _apply_copy(ins, state, env, context, None, sources, frozenset(unset))
                else:
                    ref = origin.lower()
                    index = names.get(ref, int(ref) if ref.isdigit() and int(ref) < len(states) else None)
                    if index is not None:
                        _apply_copy(ins, state, env, None, states[index].tree, sources)
            elif ins.keyword == "RUN":
                state.runs.append(_run(ins, env, state.workdir))
            elif ins.keyword == "CMD":
                state.cmd = ins
                state.cmd_set = True
            elif ins.keyword == "ENTRYPOINT":
                state.entrypoint = ins
                if not state.cmd_set:
                    state.cmd = None  # ENTRYPOINT resets an inherited CMD, not one set in this stage
        states.append(state)
        if stage.name:
            names[stage.name.lower()] = stage.index
        names[str(stage.index)] = stage.index
    return Simulation(states[final_index], sources, states)
