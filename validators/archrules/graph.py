"""grimp's ImportGraph, built from checkdeck's own import scan. The module names, the resolution
of each import and the external packages follow grimp's scanner (rust/src/import_scanning.rs),
so that import-linter's contracts give the same answers; unlike grimp's `build_graph`, a file
that does not parse is a module without imports instead of the end of the run."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import grimp

from validators.archrules.layout import Layout
from validators.pyimports.scan import TYPING, ImportRef, ScanResult


@dataclass
class BuiltGraph:
    graph: grimp.ImportGraph
    paths: dict[str, str]  # module -> file, relative
    imports: int = 0
    externals: set[str] = field(default_factory=set)
    beyond_top: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, import as written)


def imported_objects(ref: ImportRef) -> list[str]:
    """What grimp calls the imported objects of one statement: `from a import b` is `a.b`."""
    dots = "." * ref.level
    if not ref.names:
        return [ref.module]
    if ref.module:
        return [f"{dots}{ref.module}.{name}" for name in ref.names]
    return [f"{dots}{name}" for name in ref.names]


def absolute(module: str, is_package: bool, name: str) -> str | None:
    """A relative name made absolute from `module`; None when it climbs above the top package
    (Python raises ImportError there)."""
    dots = len(name) - len(name.lstrip("."))
    if not dots:
        return name
    parts = module.split(".")
    keep = len(parts) - dots + (1 if is_package else 0)
    if keep < 1:
        return None
    return ".".join(parts[:keep]) + "." + name[dots:]


def internal(name: str, modules: Mapping[str, object]) -> str | None:
    if name in modules:
        return name
    parent = name.rpartition(".")[0]
    return parent if parent and parent in modules else None


def distill_external(name: str, roots: tuple[str, ...]) -> str | None:
    """The external module grimp adds for an import of `name`: its top-level package, or for a
    namespace shared with a root package, the shallowest part that does not clash with it."""
    if any(root.startswith(name + ".") for root in roots):
        return None  # a parent of a root package: a namespace, not a dependency
    top = name.split(".")[0]
    candidates: set[str] = set()
    for root in sorted(roots, reverse=True):
        if root.startswith(top + "."):
            internal_parts = root.split(".")
            external_parts = name.split(".")
            shared: list[str] = []
            while external_parts and internal_parts and external_parts[0] == internal_parts[0]:
                shared.append(external_parts.pop(0))
                internal_parts.pop(0)
            if not external_parts:
                continue
            shared.append(external_parts[0])
            candidates.add(".".join(shared))
    if candidates:
        return max(candidates, key=lambda c: len(c.split(".")))
    return top


def resolved(
    module: str, is_package: bool, ref: ImportRef, modules: Mapping[str, object]
) -> Iterator[tuple[str | None, str | None]]:
    """(absolute imported name, internal module or None) per imported object; the name is None
    for a relative import above the top package."""
    for obj in imported_objects(ref):
        name = absolute(module, is_package, obj)
        yield name, internal(name, modules) if name is not None else None


def build(
    layout: Layout,
    scans: Mapping[str, ScanResult | None],
    *,
    include_external: bool,
    exclude_type_checking: bool,
) -> BuiltGraph:
    """`scans` maps each module file's relative path to its scan (None: unreadable)."""
    graph = grimp.ImportGraph()
    by_name = layout.by_name()
    built = BuiltGraph(graph, {m.name: m.path for m in layout.modules})
    for namespace in layout.namespaces:
        graph.add_module(namespace)
    for module in layout.modules:
        graph.add_module(module.name)
    for module in layout.modules:
        scan = scans.get(module.path)
        if scan is None or scan.error is not None:
            continue
        seen: set[tuple[str, int]] = set()
        for ref in scan.imports:
            if exclude_type_checking and ref.where == TYPING:
                continue
            for name, target in resolved(module.name, module.is_package, ref, by_name):
                if name is None:
                    built.beyond_top.append((module.path, ref.line, "." * ref.level + ref.module))
                    continue
                if target is None:
                    if not include_external:
                        continue
                    target = distill_external(name, layout.roots)
                    if target is None:
                        continue
                    if not any(target == r or target.startswith(r + ".") for r in layout.roots):
                        graph.add_module(target, is_squashed=True)
                        built.externals.add(target)
                if (target, ref.line) in seen:
                    continue
                seen.add((target, ref.line))
                graph.add_import(importer=module.name, imported=target, line_number=ref.line, line_contents="")
                built.imports += 1
    return built
