"""Files that should never reach a build context."""

from __future__ import annotations

import posixpath
import re

_NAMES = re.compile(
    r"^(?:\.env(?:\..*)?|\.envrc|id_(?:rsa|dsa|ecdsa|ed25519)|.*\.pem|.*\.key|.*\.p12|.*\.pfx|\.netrc|\.pypirc|\.npmrc"
    r"|credentials(?:\.json)?|.*service[-_]account.*\.json|.*-credentials\.json|\.htpasswd|.*\.kdbx|secrets?\.(?:ya?ml|json|toml))$",
    re.I,
)
_DIRS = {".git", ".aws", ".ssh", ".gnupg", ".docker", ".kube", ".azure", ".config/gcloud"}
_SAFE = re.compile(r"^\.env\.(?:example|sample|template|dist)$|\.pub$", re.I)


def secret_reason(path: str) -> str | None:
    """Why a path looks like a secret, or None."""
    name = posixpath.basename(path)
    parts = path.split("/")
    for i in range(len(parts) - 1):
        if parts[i] in _DIRS or "/".join(parts[i : i + 2]) in _DIRS:
            return f"inside {parts[i]}/"
    if _SAFE.search(name):
        return None
    if _NAMES.match(name):
        if name.lower().startswith(".env"):
            return "environment file"
        if name.lower().endswith(".json"):
            return "credential file"
        return "private key or credential file"
    return None
