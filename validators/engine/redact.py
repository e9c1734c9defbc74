"""Secrets in a validator's config (environment values of keys that look secret, and those the
config lists under `redact`) never reach a screen, a log or a report in the clear."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from validators.engine.model import ValidatorSpec

MASK = "***"
SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|auth|credential|private[_-]?key|"
    r"session|cookie|dsn|signature|access[_-]?key|client[_-]?key",
    re.IGNORECASE,
)
MIN_SECRET_LEN = 4  # shorter values would mask ordinary words


def looks_secret(key: str) -> bool:
    return bool(SECRET_KEY.search(key))


def _secret_key(spec: ValidatorSpec, key: object) -> bool:
    """A key named like a secret, or one the config lists under `redact`."""
    return looks_secret(str(key)) or key in spec.redact


def secrets_of(tables: Iterable[Mapping[Any, Any]], redact_keys: Iterable[str] = ()) -> set[str]:
    """Values of keys named like a secret, or listed under `redact`, in these tables."""
    listed = set(redact_keys)
    return {str(v) for table in tables for k, v in table.items() if looks_secret(str(k)) or k in listed}


def ordered(values: Iterable[str]) -> tuple[str, ...]:
    """Longest first, so that a secret containing another is masked whole; short values would
    mask ordinary words."""
    return tuple(sorted((v for v in set(values) if len(v) >= MIN_SECRET_LEN), key=len, reverse=True))


def secret_values(spec: ValidatorSpec) -> tuple[str, ...]:
    """Values of secret-looking keys in the tables that reach a process: a command's `env`,
    an image build's `build_args`."""
    tables = [t for t in (spec.options.get("env"), spec.options.get("build_args")) if isinstance(t, Mapping)]
    values = secrets_of(tables, spec.redact)
    # A value the config takes from the environment (${env:TOKEN} in a header) is a secret.
    values |= {os.environ[n] for n in env_names(spec.options) if os.environ.get(n)}
    return ordered(values)


ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


def env_names(value: object) -> set[str]:
    """Every NAME of `${env:NAME}` in a value, keys included, however deep."""
    if isinstance(value, str):
        return set(ENV_REF.findall(value))
    if isinstance(value, Mapping):
        return {n for k, v in value.items() for n in env_names(k) | env_names(v)}
    if isinstance(value, list | tuple):
        return {n for v in value for n in env_names(v)}
    return set()


def redact(text: str, secrets: Iterable[str]) -> str:
    for value in secrets:
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact_bytes(data: bytes, secrets: Iterable[bytes]) -> bytes:
    for value in secrets:
        if value in data:
            data = data.replace(value, MASK.encode())
    return data


def shown_options(spec: ValidatorSpec) -> dict[str, object]:
    """The options as they may be displayed: secret env values masked, and secrets masked
    wherever else they appear (a command line that spells one out)."""
    secrets = secret_values(spec)
    shown: dict[str, object] = {}
    for key, value in spec.options.items():
        if key == "env" and isinstance(value, Mapping):
            shown[key] = {k: MASK if _secret_key(spec, k) else redact(str(v), secrets) for k, v in value.items()}
        elif isinstance(value, str):
            shown[key] = redact(value, secrets)
        else:
            shown[key] = value
    return shown
