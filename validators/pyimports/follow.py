"""Follow a program's first-party imports through a simulated image and find the modules the
image lacks although the repository has them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from validators.pyimports.django import StringImport
from validators.pyimports.scan import FUNCTION, GUARDED, MODULE, TYPING, ImportRef, ScanResult, SyntaxProblem


class FileTree:
    """A set of files and the directories holding them, as an image or a checkout has them."""

    def __init__(self, files: dict[str, str], dirs: set[str]) -> None:
        self.files = files  # path -> where it came from (a repository path)
        self.dirs = dirs


@dataclass(frozen=True)
class Found:
    name: str
    file: str | None  # the module's file, or the package's __init__.py; None for a namespace package
    directory: str | None  # the package directory


def find_module(tree: FileTree, roots: Sequence[str], name: str) -> Found | None:
    """Python's path-based finder, over `tree`: a regular module or package under the first
    root that has one, else a namespace package if any root has the directory."""
    rel = name.replace(".", "/")
    namespace: str | None = None
    for root in roots:
        base = (root if root.endswith("/") else root + "/") + rel
        if base + "/__init__.py" in tree.files:
            return Found(name, base + "/__init__.py", base)
        if base + ".py" in tree.files:
            return Found(name, base + ".py", None)
        if namespace is None and base in tree.dirs:
            namespace = base
    return Found(name, None, namespace) if namespace else None


@dataclass(frozen=True)
class MissingModule:
    module: str
    importer: str | None  # repository path of the importing file; None for the entrypoint itself
    line: int | None
    where: str  # MODULE, FUNCTION, GUARDED, or "entrypoint"
    cause: str  # "ignored": in the unfiltered image, not the real one; "not-copied": only in the repo
    image_path: str | None  # where the module would be in the image
    repo_path: str | None  # where it is in the repository


@dataclass
class Analysis:
    missing: list[MissingModule] = field(default_factory=list)
    syntax_errors: list[tuple[str, SyntaxProblem]] = field(default_factory=list)
    modules: int = 0
    unreadable: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)  # repository files scanned

    def encode(self) -> dict[str, object]:
        return {
            "missing": [list(dataclasses.astuple(m)) for m in self.missing],
            "syntax": [[path, p.line, p.message] for path, p in self.syntax_errors],
            "modules": self.modules,
            "unreadable": self.unreadable,
        }

    @classmethod
    def decode(cls, data: object) -> Analysis:
        assert isinstance(data, dict)
        return cls(
            missing=[MissingModule(*m) for m in data["missing"]],
            syntax_errors=[(path, SyntaxProblem(line, msg)) for path, line, msg in data["syntax"]],
            modules=int(data["modules"]),
            unreadable=list(data["unreadable"]),
        )


@dataclass(frozen=True)
class Start:
    module: str | None  # dotted name, for `python -m` and app servers
    script: str | None  # image path, for `python script.py`
    label: str


def _chain(ref: ImportRef, package: str, is_module: Callable[[str], bool]) -> list[str] | None:
    if ref.level:
        parts = package.split(".") if package else []
        if ref.level - 1 > len(parts):
            return None
        base_parts = parts[: len(parts) - (ref.level - 1)]
        base = ".".join(base_parts + ([ref.module] if ref.module else []))
    else:
        base = ref.module
    if not base:
        return None
    pieces = base.split(".")
    chain = [".".join(pieces[: i + 1]) for i in range(len(pieces))]
    for name in ref.names:
        if name != "*" and is_module(f"{base}.{name}"):
            chain.append(f"{base}.{name}")
    return chain


def analyse(
    starts: Sequence[Start],
    full: FileTree,
    sent: FileTree,
    roots: Sequence[str],
    read: Callable[[str], ScanResult | None],
    repo_find: Callable[[str], str | None],
    installed: frozenset[str] = frozenset(),
    strings: Callable[[str, str], Sequence[StringImport]] | None = None,
) -> Analysis:
    """`read` scans a repository file; `repo_find` says where a dotted module lives in the
    repository (or None: not first-party); `installed` holds the top-level names the image's
    site-packages and standard library provide; `strings` names the modules a file loads by
    string (Django's settings), given its repository path and module name."""
    result = Analysis()
    full_found: dict[str, Found | None] = {}
    sent_found: dict[str, Found | None] = {}
    repo_found: dict[str, str | None] = {}
    imported: set[str] = set()  # names that import fine in the image

    def in_full(name: str) -> Found | None:
        if name not in full_found:
            full_found[name] = find_module(full, roots, name)
        return full_found[name]

    def in_sent(name: str) -> Found | None:
        if name not in sent_found:
            sent_found[name] = find_module(sent, roots, name)
        return sent_found[name]

    def in_repo(name: str) -> str | None:
        if name not in repo_found:
            repo_found[name] = repo_find(name)
        return repo_found[name]

    seen_files: set[str] = set()
    reported: set[tuple[str, str | None, int | None]] = set()
    queue: list[tuple[str, str, bool]] = []  # (image file, module name, is package)

    def missing(name: str, importer: str | None, line: int | None, where: str) -> None:
        key = (name, importer, line)
        if key in reported:
            return
        reported.add(key)
        found = in_full(name)
        if found is not None:
            image_path = found.file or found.directory
            repo_path = full.files.get(found.file) if found.file else None
            result.missing.append(MissingModule(name, importer, line, where, "ignored", image_path, repo_path))
        else:
            result.missing.append(MissingModule(name, importer, line, where, "not-copied", None, in_repo(name)))

    def is_module(name: str) -> bool:
        return in_full(name) is not None or in_repo(name) is not None

    def installed_wins(name: str) -> bool:
        """sys.path order: the roots come first, but only a regular package or module there
        shadows an installed one; namespace portions lose to it."""
        top = name.partition(".")[0]
        if top not in installed:
            return False
        first_party = in_sent(top)
        return first_party is None or first_party.file is None

    def visit(name: str, importer: str | None, line: int | None, where: str) -> bool:
        """Import `name`; False when it fails in the image (and the chain stops)."""
        if name in imported:
            return True
        if installed_wins(name):
            imported.add(name)
            return True
        found = in_full(name)
        if found is None:
            if in_repo(name) is not None:
                missing(name, importer, line, where)
                return False
            return False  # third party, standard library, or an attribute
        if in_sent(name) is None:
            missing(name, importer, line, where)
            return False
        if found.file is not None and found.file not in seen_files and found.file in sent.files:
            seen_files.add(found.file)
            queue.append((found.file, name, found.file.endswith("/__init__.py")))
        imported.add(name)
        return True

    for start in starts:
        if start.module:
            pieces = start.module.split(".")
            for i in range(len(pieces)):
                if not visit(".".join(pieces[: i + 1]), None, None, "entrypoint"):
                    break
            else:
                main = in_full(start.module + ".__main__")
                if main is not None:
                    visit(start.module + ".__main__", None, None, "entrypoint")
        elif start.script:
            if start.script not in full.files:
                continue
            if start.script not in sent.files:
                result.missing.append(
                    MissingModule(
                        start.script, None, None, "entrypoint", "ignored", start.script, full.files[start.script]
                    )
                )
                continue
            seen_files.add(start.script)
            queue.append((start.script, "__main__", False))

    while queue:
        image_file, module, is_package = queue.pop()
        repo_file = full.files.get(image_file, "")
        scanned = read(repo_file) if repo_file else None
        if repo_file:
            result.read.append(repo_file)
        if scanned is None:
            result.unreadable.append(repo_file or image_file)
            continue
        result.modules += 1
        if scanned.error is not None:
            result.syntax_errors.append((repo_file, scanned.error))
            continue
        package = module if is_package else module.rpartition(".")[0]
        for ref in scanned.imports:
            if ref.where == TYPING:
                continue  # never runs, so the image need not have it
            chain = _chain(ref, package, is_module)
            if not chain:
                continue
            for name in chain:
                if not visit(name, repo_file, ref.line, ref.where):
                    break
        for loaded in strings(repo_file, module) if strings is not None else ():
            if loaded.optional and not is_module(loaded.module):
                continue
            pieces = loaded.module.split(".")
            for i in range(len(pieces)):
                if not visit(".".join(pieces[: i + 1]), repo_file, loaded.line, MODULE):
                    break
    return result


__all__ = ["FUNCTION", "GUARDED", "MODULE", "Analysis", "FileTree", "MissingModule", "Start", "analyse", "find_module"]
