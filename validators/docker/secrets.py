"""Files that should never reach a build context: by name, and by content where the name says
nothing (a private key called `deploy_key`, a cloud credential in a `.py`). Only paths and the
kind of secret are ever reported, never a value."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from validators.engine.safe_read import read_regular

_NAMES = re.compile(
    r"^(?:\.env(?:\..*)?|.+\.env|\.envrc|id_(?:rsa|dsa|ecdsa|ed25519)|.*\.pem|.*\.key|.*\.p12|.*\.pfx|\.netrc|\.pypirc"
    r"|credentials(?:\.json)?|.*service[-_]account.*\.json|.*-credentials\.json|\.htpasswd|.*\.kdbx|secrets?\.(?:ya?ml|json|toml))$",
    re.I,
)
_DIRS = {".git", ".aws", ".ssh", ".gnupg", ".docker", ".kube", ".azure", ".config/gcloud"}
_DIR_HEADS = {d.split("/")[0] for d in _DIRS}
_SAFE = re.compile(
    r"\.(?:example|sample|template|dist|tmpl|tpl)$|^\.env\.(?:example|sample|template|dist)$|\.pub$", re.I
)

# Content that is a credential whatever the file is called. Known formats only: a guess by
# entropy alone would flag hashes and test fixtures.
_CONTENT: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    (
        "a private key",
        re.compile(rb"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"),
    ),
    ("a cloud service-account key", re.compile(rb'"type"\s*:\s*"service_account"[\s\S]{0,4000}"private_key"')),
    ("an AWS access key", re.compile(rb"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")),
    ("a GitHub token", re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Slack token", re.compile(rb"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Stripe live key", re.compile(rb"\b[sr]k_live_[A-Za-z0-9]{20,}\b")),
)
# One pass over the bytes for the literal each format starts with; most files have none.
_ANY = re.compile(rb"PRIVATE KEY|AKIA|ASIA|service_account|gh[pousr]_|xox[abposr]-|k_live_")
CONTENT_LIMIT = 256 * 1024  # larger files are data, not credentials
_TEXT_SUFFIXES = {
    "", ".json", ".py", ".env", ".txt", ".cfg", ".conf", ".ini", ".toml", ".yaml", ".yml", ".sh", ".js", ".ts",
    ".properties", ".xml",
}  # fmt: skip


def secret_reason(path: str) -> str | None:
    """Why a path looks like a secret by its name or folder, or None."""
    parts = path.split("/")
    name = parts[-1]
    if not _DIR_HEADS.isdisjoint(parts[:-1]):
        for i in range(len(parts) - 1):
            if parts[i] in _DIRS or "/".join(parts[i : i + 2]) in _DIRS:
                return f"inside {parts[i]}/"
    if _SAFE.search(name):
        return None
    if _NAMES.match(name):
        if name.lower().startswith(".env") or name.lower().endswith(".env"):
            return "environment file"
        if name.lower().endswith(".json"):
            return "credential file"
        return "private key or credential file"
    return None


def worth_reading(path: str, size: int) -> bool:
    name = posixpath.basename(path)
    return 0 < size <= CONTENT_LIMIT and posixpath.splitext(name)[1].lower() in _TEXT_SUFFIXES


def secret_in_content(file: Path) -> str | None:
    """The kind of credential the file holds, or None. Unreadable files hold none we can see."""
    try:
        data = read_regular(file)[:CONTENT_LIMIT]
    except OSError:
        return None
    if b"\0" in data[:1024] or not _ANY.search(data):
        return None
    for kind, pattern in _CONTENT:
        if pattern.search(data):
            return kind
    return None
