"""Import contracts in import-linter's vocabulary, checked by import-linter's own contract classes
on the graph checkdeck built, and each broken one turned into illegal chains with every edge.

import-linter's public API covers reading a config (`importlinter.api.read_configuration`)
and the contract classes with `check(graph, verbose)`, the interface of its custom contract
types. The `metadata` each check returns is not documented: `_violations` reads it per
contract type, and tests/test_architecture_agrees_with_lint_imports.py runs `lint-imports` on
the same contracts so that a change of that shape shows up as a failing test."""

from __future__ import annotations

import copy
import importlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from validators.config.locate import KeyLocator

if TYPE_CHECKING:
    import grimp

CONTRACT_TYPES = {
    "forbidden": "importlinter.contracts.forbidden:ForbiddenContract",
    "layers": "importlinter.contracts.layers:LayersContract",
    "independence": "importlinter.contracts.independence:IndependenceContract",
    "protected": "importlinter.contracts.protected:ProtectedContract",
    "acyclic_siblings": "importlinter.contracts.acyclic_siblings:AcyclicSiblingsContract",
    "private_modules": "importlinter.contracts.private_modules:PrivateModulesContract",
}
IMPORTLINTER_FILES = (".importlinter", "setup.cfg", "pyproject.toml")


class ContractConfigError(Exception):
    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class ContractSpec:
    id: str
    name: str
    type: str
    options: Mapping[str, Any]  # as import-linter reads them: strings and lists of strings
    origin: str  # the file it is declared in, relative to the project
    line: int | None


@dataclass(frozen=True)
class ImportLinterConfig:
    path: str
    session: Mapping[str, Any]
    contracts: tuple[ContractSpec, ...]

    @property
    def roots(self) -> list[str]:
        roots = self.session.get("root_packages") or [self.session.get("root_package")]
        return [str(r) for r in roots if r]


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    lines: tuple[int, ...]


@dataclass(frozen=True)
class Violation:
    contract: ContractSpec
    summary: str  # "app.db is not allowed to import app.api"
    chain: tuple[Edge, ...]
    extra_firsts: tuple[Edge, ...] = ()
    extra_lasts: tuple[Edge, ...] = ()


@dataclass(frozen=True)
class ContractResult:
    spec: ContractSpec
    kept: bool
    violations: tuple[Violation, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None  # could not be checked: invalid options or a module not in the graph
    ignored_imports: int = 0


def contract_class(type_name: str) -> type[Any]:
    module, _, name = CONTRACT_TYPES[type_name].partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type)
    return cls


def _as_importlinter_value(value: object) -> object:
    """import-linter reads booleans from INI and TOML as the strings "True" / "False"."""
    if isinstance(value, bool | int):
        return str(value)
    if isinstance(value, list):
        return [_as_importlinter_value(v) for v in value]
    return value


def validate_options(type_name: str, options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(option, message) for each problem import-linter finds in a contract's options."""
    from importlinter.domain.contract import InvalidContractOptions

    if type_name not in CONTRACT_TYPES:
        return [("type", f"unknown contract type {type_name!r} (one of: {', '.join(CONTRACT_TYPES)})")]
    cleaned = {k: _as_importlinter_value(v) for k, v in options.items()}
    try:
        contract_class(type_name)(str(options.get("name", "")), {}, cleaned)
    except InvalidContractOptions as exc:
        return sorted((str(k), str(v)) for k, v in exc.errors.items())
    except ValueError as exc:
        return [("options", str(exc))]
    return []


def from_checkdeck(
    entries: Sequence[Mapping[str, Any]], origin: str, line: int | None, text: str | None = None
) -> list[ContractSpec]:
    """Contracts of a validator declared at `origin`:`line`; `text` (the config file) lets each
    contract name its own line: the first at or after the validator's that names it."""
    lines = text.splitlines() if text is not None else []
    out = []
    for index, entry in enumerate(entries):
        ident = str(entry.get("id") or entry.get("name") or f"contract-{index + 1}")
        options = {k: _as_importlinter_value(v) for k, v in entry.items()}
        own = line
        needle = re.compile(r"\bname\s*=\s*[\"']" + re.escape(str(entry.get("name", ""))) + r"[\"']")
        for number in range((line or 1) - 1, len(lines)):
            if needle.search(lines[number]):
                own = number + 1
                break
        name = str(entry.get("name") or ident)
        out.append(ContractSpec(_slug(ident), name, str(entry["type"]), options, origin, own))
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text.casefold()).strip("-") or "contract"


def find_importlinter(project: Path) -> Path | None:
    """import-linter's own search: setup.cfg and .importlinter with an [importlinter] section,
    then pyproject.toml with [tool.importlinter]."""
    for name in IMPORTLINTER_FILES:
        path = project / name
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if name == "pyproject.toml":
            if re.search(rb"^\s*\[\[?\s*tool\s*\.\s*importlinter", raw, re.M):
                return path
        elif re.search(rb"^\s*\[importlinter\]", raw, re.M):
            return path
    return None


def read_importlinter(project: Path, path: Path) -> ImportLinterConfig:
    from importlinter.api import read_configuration

    rel = path.relative_to(project).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractConfigError(rel, None, f"cannot read: {exc}") from exc
    if path.name == "pyproject.toml":
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ContractConfigError(rel, None, f"invalid TOML: {exc}") from exc
    try:
        data = read_configuration(str(path))
    except Exception as exc:  # configparser and tomllib errors, each with its own type
        raise ContractConfigError(rel, None, f"import-linter cannot read it: {exc}") from exc
    session = dict(data["session_options"])
    specs = []
    locator = KeyLocator(text, ("tool", "importlinter")) if path.name == "pyproject.toml" else None
    for index, raw in enumerate(data["contracts_options"]):
        options = dict(raw)
        ident = str(options.get("id") or options.get("name") or f"contract-{index + 1}")
        if locator is not None:
            line = locator.line(("contracts", index))
        else:
            line = _ini_line(text, str(options.get("id", "")))
        if "type" not in options or "name" not in options:
            missing = "type" if "type" not in options else "name"
            raise ContractConfigError(rel, line, f"contract {ident!r} has no {missing!r}")
        specs.append(ContractSpec(_slug(ident), str(options["name"]), str(options["type"]), options, rel, line))
    return ImportLinterConfig(rel, session, tuple(specs))


def _ini_line(text: str, ident: str) -> int | None:
    match = re.search(rf"^\s*\[importlinter:contract:{re.escape(ident)}\]", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None


def check(spec: ContractSpec, session: Mapping[str, Any], graph: grimp.ImportGraph) -> ContractResult:
    # Importing import-linter's API sets up its settings (the timer some contracts use).
    import importlinter.api  # noqa: F401
    from importlinter.domain.contract import InvalidContractOptions

    if spec.type not in CONTRACT_TYPES:
        return ContractResult(spec, False, error=f"unknown contract type {spec.type!r}")
    options = {k: v for k, v in spec.options.items()}
    try:
        contract = contract_class(spec.type)(spec.name, dict(session), options)
    except InvalidContractOptions as exc:
        problems = "; ".join(f"{k}: {v}" for k, v in sorted(exc.errors.items()))
        return ContractResult(spec, False, error=f"invalid options: {problems}")
    try:
        result = contract.check(copy.deepcopy(graph), verbose=False)
    except (ValueError, KeyError) as exc:  # a layer or module the graph lacks, an unmatched ignore
        return ContractResult(spec, False, error=str(exc).strip("'\""))
    return ContractResult(
        spec,
        bool(result.kept),
        tuple(_violations(spec, result.metadata, graph)),
        tuple(str(w) for w in result.warnings),
        ignored_imports=int(getattr(result, "ignored_import_count", 0)),
    )


def _edge(link: Mapping[str, Any]) -> Edge:
    return Edge(str(link["importer"]), str(link["imported"]), tuple(n for n in link["line_numbers"] if n is not None))


def _detailed(spec: ContractSpec, summary: str, data: Mapping[str, Any]) -> Violation:
    return Violation(
        spec,
        summary,
        tuple(_edge(x) for x in data["chain"]),
        tuple(_edge(x) for x in data.get("extra_firsts", ())),
        tuple(_edge(x) for x in data.get("extra_lasts", ())),
    )


def _lines(graph: grimp.ImportGraph, importer: str, imported: str) -> tuple[int, ...]:
    details = graph.get_import_details(importer=importer, imported=imported)
    return tuple(sorted({d["line_number"] for d in details if d.get("line_number") is not None}))


def _violations(spec: ContractSpec, meta: Mapping[str, Any], graph: grimp.ImportGraph) -> list[Violation]:
    out: list[Violation] = []
    if spec.type in ("forbidden", "independence"):
        for data in meta.get("invalid_chains", ()):
            summary = f"{data['downstream_module']} is not allowed to import {data['upstream_module']}"
            for chain in data["chains"]:
                if isinstance(chain, Mapping):
                    out.append(_detailed(spec, summary, chain))
                else:
                    out.append(Violation(spec, summary, tuple(_edge(x) for x in chain)))
    elif spec.type == "layers":
        for data in meta.get("invalid_dependencies", ()):
            summary = f"{data['importer']} is not allowed to import {data['imported']}"
            out += [_detailed(spec, summary, route) for route in data["routes"]]
        for module in sorted(meta.get("undeclared_modules", ())):
            out.append(Violation(spec, f"{module} is in no layer (the contract is exhaustive)", ()))
    elif spec.type == "protected":
        for data in meta.get("illegal_imports", ()):
            for link in data.illegal_links:
                edge = _edge(link)
                summary = (
                    f"{edge.importer} is not allowed to import {edge.imported} (protected {data.top_level_module})"
                )
                out.append(Violation(spec, summary, (edge,)))
    elif spec.type == "private_modules":
        for link in meta.get("illegal_imports", ()):
            edge = _edge(link)
            out.append(Violation(spec, f"{edge.importer} imports the private module {edge.imported}", (edge,)))
    elif spec.type == "acyclic_siblings":
        for package, breakers in sorted(meta.get("cycle_breakers_by_package", {}).items()):
            for importer, imported in sorted(breakers):
                edge = Edge(importer, imported, _lines(graph, importer, imported))
                summary = f"a cycle between the children of {package}: removing {importer} -> {imported} breaks it"
                out.append(Violation(spec, summary, (edge,)))
    return out


__all__ = ["CONTRACT_TYPES", "ContractResult", "ContractSpec", "Edge", "Violation", "check"]
