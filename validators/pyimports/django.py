"""Modules a Django project loads by string, which no import statement shows: the settings
module (`DJANGO_SETTINGS_MODULE`), `INSTALLED_APPS` (and each app's models and admin, which
Django imports at start), `MIDDLEWARE`, `ROOT_URLCONF`, `WSGI_APPLICATION`/`ASGI_APPLICATION`,
and `include("app.urls")`."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

_TRIGGERS = re.compile(rb"DJANGO_SETTINGS_MODULE|INSTALLED_APPS|ROOT_URLCONF|_APPLICATION|MIDDLEWARE|include\(")
_SETTINGS_KEYS = {"INSTALLED_APPS", "MIDDLEWARE", "ROOT_URLCONF", "WSGI_APPLICATION", "ASGI_APPLICATION"}
# Files where these strings live in a Django project; any other file is only read when a
# string already named it (a settings module called `config.base`).
_LIKELY = {"manage.py", "settings.py", "urls.py", "wsgi.py", "asgi.py", "base.py", "production.py", "local.py"}
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")


@dataclass(frozen=True)
class StringImport:
    module: str
    line: int
    optional: bool = False  # Django imports it only if it exists (an app's models, admin)


def worth_reading(repo_path: str, module: str = "") -> bool:
    """By file or module name: `saleor/asgi/__init__.py` is module `saleor.asgi`."""
    parts = repo_path.split("/")
    names = module.split(".")
    return parts[-1] in _LIKELY or "settings" in parts[:-1] or f"{names[-1]}.py" in _LIKELY or "settings" in names


def _strings(node: ast.AST) -> list[tuple[str, int]]:
    return [
        (n.value, n.lineno)
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and _DOTTED.match(n.value)
    ]


def _app(name: str, line: int) -> list[StringImport]:
    parts = name.split(".")
    if len(parts) > 1 and parts[-1][:1].isupper():  # "shop.apps.ShopConfig"
        module = ".".join(parts[:-1])
        package = module[: -len(".apps")] if module.endswith(".apps") else module
        found = [StringImport(module, line)]
    else:
        package, found = name, [StringImport(name, line)]
    return [*found, StringImport(package + ".models", line, True), StringImport(package + ".admin", line, True)]


def string_imports(source: bytes) -> list[StringImport]:
    """What this file makes Django import by name; [] when it says nothing of the kind or
    does not parse (the import scanner reports syntax errors)."""
    if not _TRIGGERS.search(source):
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found: list[StringImport] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name == "setdefault" and len(args) == 2 and args[0] == "DJANGO_SETTINGS_MODULE":
                found.append(StringImport(args[1], node.lineno))
            elif name == "include" and args and _DOTTED.match(args[0]):
                found.append(StringImport(args[0], node.lineno))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            keys = {t.id for t in targets if isinstance(t, ast.Name)} & _SETTINGS_KEYS
            subscripts = [t for t in targets if isinstance(t, ast.Subscript)]
            if node.value is None:
                continue
            for key in keys:
                for value, line in _strings(node.value):
                    if key == "INSTALLED_APPS":
                        found += _app(value, line)
                    elif key == "ROOT_URLCONF":
                        found.append(StringImport(value, line))
                    elif "." in value:  # MIDDLEWARE classes, WSGI/ASGI callables: their module
                        found.append(StringImport(value.rpartition(".")[0], line))
            for sub in subscripts:  # os.environ["DJANGO_SETTINGS_MODULE"] = "x.settings"
                if isinstance(sub.slice, ast.Constant) and sub.slice.value == "DJANGO_SETTINGS_MODULE":
                    found += [StringImport(v, line) for v, line in _strings(node.value)]
    return found


class DjangoStrings:
    """The `strings` hook of `follow.analyse`: reads the few files that may name modules by
    string, and any module a string already named (so a settings module of any name)."""

    def __init__(self, read: Callable[[str], bytes | None]) -> None:
        self.read = read
        self.named: set[str] = set()

    def __call__(self, repo_path: str, module: str) -> list[StringImport]:
        if not (worth_reading(repo_path, module) or module in self.named):
            return []
        data = self.read(repo_path)
        found = string_imports(data) if data else []
        self.named.update(s.module for s in found)
        return found
