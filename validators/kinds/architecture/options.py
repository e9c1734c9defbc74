"""The `architecture` kind's config keys; every value is checked when the config loads."""

from __future__ import annotations

from collections.abc import Mapping

from validators.config.options import OptionError, boolean, one_of, string, string_list
from validators.engine.base import Option

SIZE_KEYS = ("max_file_lines", "max_function_lines", "max_class_methods")


def _count(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("expected a whole number (0 turns the rule off)")
    return value


def _contracts(value: object) -> object:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError(
            'expected a list of tables: [{ name = "layers", type = "layers", layers = ["app.api", "app.db"] }]'
        )
    from validators.archrules.contracts import validate_options  # import-linter loads only when contracts exist

    for n, entry in enumerate(value):
        if "type" not in entry or "name" not in entry:
            raise OptionError("each contract needs `name` and `type`", (n,))
        for k, v in entry.items():
            if k not in ("id", "name", "type") and not isinstance(v, str | list | bool | int):
                raise OptionError("contract options are strings, lists of strings, numbers or booleans", (n, k))
        problems = validate_options(str(entry["type"]), {k: v for k, v in entry.items() if k != "id"})
        if problems:
            text = "; ".join(f"{key}: {message}" for key, message in problems)
            raise OptionError(f"contract {entry['name']!r} ({entry['type']}): {text}", (n, problems[0][0]))
    return [dict(v) for v in value]


def _overrides(value: object) -> object:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError('expected a list of tables: [{ paths = ["app/legacy/**"], max_function_lines = 200 }]')
    for n, entry in enumerate(value):
        paths = entry.get("paths")
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
            raise ValueError(f"[{n}].paths: expected a list of globs")
        for key, limit in entry.items():
            if key == "paths":
                continue
            if key not in SIZE_KEYS:
                raise ValueError(f"[{n}].{key}: unknown key ({', '.join(('paths', *SIZE_KEYS))})")
            try:
                _count(limit)
            except ValueError as exc:
                raise ValueError(f"[{n}].{key}: {exc}") from None
    return [dict(v) for v in value]


def _duplicates(value: object) -> object:
    if isinstance(value, bool):
        return value
    if not isinstance(value, dict):
        raise ValueError('expected true, false or a table: { scope = "per-root", allow = ["Config"], paths = [...] }')
    for key, item in value.items():
        if key == "scope":
            one_of("per-root", "global")(item)
        elif key in ("allow", "paths"):
            try:
                string_list(item)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        else:
            raise ValueError(f"unknown key {key!r} (scope, allow, paths)")
    return dict(value)


def _banned(value: object) -> object:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError('expected a list of tables: [{ module = "app.old_client", use = "app.http" }]')
    for n, entry in enumerate(value):
        if not isinstance(entry.get("module"), str) or not entry["module"]:
            raise ValueError(f"[{n}].module: expected a dotted module name")
        for key in entry:
            if key not in ("module", "use", "reason"):
                raise ValueError(f"[{n}].{key}: unknown key (module, use, reason)")
            if not isinstance(entry[key], str):
                raise ValueError(f"[{n}].{key}: expected a string")
    return [dict(v) for v in value]


def _importlinter(value: object) -> object:
    if isinstance(value, bool):
        return value
    return string(value)


OPTIONS: Mapping[str, Option] = {
    "roots": Option(
        "Root packages (default: import-linter's root_packages, else the top-level folders with __init__.py).",
        check=string_list,
        type_name="list",
    ),
    "importlinter": Option(
        "Read import-linter's contracts (.importlinter, setup.cfg, [tool.importlinter]): true (default), "
        "false, or the file.",
        check=_importlinter,
        type_name="boolean or string",
    ),
    "contracts": Option("Import contracts in import-linter's vocabulary.", check=_contracts, type_name="list"),
    "include_external_packages": Option("Put external packages in the graph.", check=boolean, type_name="boolean"),
    "exclude_type_checking_imports": Option(
        "Leave imports under `if TYPE_CHECKING:` out of the graph.", check=boolean, type_name="boolean"
    ),
    "namespace_packages": Option(
        'Folders without __init__.py inside a package: "scan" (default) or "report".', check=one_of("scan", "report")
    ),
    "include": Option("Globs of the files the code rules cover (default: the root packages).", check=string_list),
    "exclude": Option("Globs left out of the code rules, besides tests and vendored code.", check=string_list),
    "default_excludes": Option(
        "Leave tests and vendored code out (default: true).", check=boolean, type_name="boolean"
    ),
    "max_file_lines": Option("Lines per file (default 0: off).", check=_count, type_name="integer"),
    "max_function_lines": Option(
        "Body lines per function, docstring excluded (default 0: off).", check=_count, type_name="integer"
    ),
    "max_class_methods": Option("Methods per class (default 0: off).", check=_count, type_name="integer"),
    "overrides": Option("Size limits for some paths; the last match wins.", check=_overrides, type_name="list"),
    "size_severity": Option('"warning" (default) or "error".', check=one_of("warning", "error")),
    "duplicate_classes": Option(
        "One definition per public class name: true, or a table (default: off).", check=_duplicates, type_name="table"
    ),
    "star_imports": Option("Warn about `from x import *` (default: false).", check=boolean, type_name="boolean"),
    "max_relative_depth": Option(
        "Deepest relative import allowed (default 0: any).", check=_count, type_name="integer"
    ),
    "banned_modules": Option("Modules nobody may import, with what to use.", check=_banned, type_name="list"),
    "parse": Option(
        'How files are checked for syntax errors: "full" (default: CPython parses each, cached per file) or '
        '"tokens" (the import scanner\'s tokenizer-level check: faster cold, blind to errors only the grammar shows).',
        check=one_of("full", "tokens"),
    ),
    "baseline": Option("The baseline file (default: architecture-baseline.json).", check=string),
    "fail_on": Option('"error" (default) or "warning".', check=one_of("error", "warning")),
}
