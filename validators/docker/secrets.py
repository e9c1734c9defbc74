"""Files that should never reach a build context, judged by content where the name leaves it
open: a `.pem` holding only public certificates, a `.env` holding only `COMPOSE_PROJECT_NAME`,
an `.npmrc` holding only settings are not secrets; a private key called `deploy_key` or a cloud
credential in a `.py` is. Only paths and the kind of secret are ever reported, never a value."""

from __future__ import annotations

import math
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from validators.engine.safe_read import read_regular

# Folders whose every file is a credential store. `.git` is reported as clutter, once.
_DIRS = {".aws", ".ssh", ".gnupg", ".docker", ".kube", ".azure", ".config/gcloud"}
_DIR_HEADS = {d.split("/")[0] for d in _DIRS}
_SAFE = re.compile(
    r"\.(?:example|sample|template|dist|tmpl|tpl|pub)$|^\.env\.(?:example|sample|template|dist|defaults?)$", re.I
)
# Unambiguous by name: nothing else is called that.
_BY_NAME = re.compile(
    r"^(?:id_(?:rsa|dsa|ecdsa|ed25519)|\.htpasswd|.*\.kdbx|.*\.p12|.*\.pfx|.*\.jks|.*\.keystore)$", re.I
)
# Ambiguous by name: judged by what they hold.
_ENV_FILE = re.compile(r"^(?:\.env(?:\..*)?|.+\.env|\.envrc)$", re.I)
_KEY_FILE = re.compile(r"^.*\.(?:pem|key|crt|cer)$", re.I)
_CONFIG_FILE = re.compile(r"^(?:\.npmrc|\.yarnrc\.yml|\.pypirc|\.netrc|pip\.conf|\.pgpass)$", re.I)
_JSON_CREDENTIAL = re.compile(r"^(?:credentials|.*service[-_]account.*|.*-credentials|secrets?)\.json$", re.I)
_SECRETS_FILE = re.compile(r"^secrets?\.(?:ya?ml|toml)$", re.I)
# Upstream test keys and certificates that vendored code ships with.
_TEST_OR_VENDORED = re.compile(
    r"(?:^|/)(?:tests?|testdata|testing|fixtures?|site-packages|dist-packages|vendor|node_modules)/", re.I
)

_PRIVATE_KEY = re.compile(rb"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----")
# Content that is a credential whatever the file is called. Known formats only: a guess by
# entropy alone would flag hashes and test fixtures.
_CONTENT: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    ("a private key", _PRIVATE_KEY),
    ("a cloud service-account key", re.compile(rb'"type"\s*:\s*"service_account"[\s\S]{0,4000}"private_key"')),
    ("an AWS access key", re.compile(rb"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")),
    ("a GitHub token", re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Slack token", re.compile(rb"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Stripe live key", re.compile(rb"\b[sr]k_live_[A-Za-z0-9]{20,}\b")),
)
_ANY = re.compile(rb"PRIVATE KEY|AKIA|ASIA|service_account|gh[pousr]_|xox[abposr]-|k_live_")
_CONFIG_CREDENTIAL = re.compile(
    rb"^\s*(?:[^#;\n]*:)?(?:_authToken|_auth|_password|npmAuthToken|npmAuthIdent|password|passwd)\s*[=:]\s*"
    rb"(?![\"']?\$\{)[\"']?[^\s\"'$]{4,}",
    re.I | re.M,
)
_MACHINE_PASSWORD = re.compile(rb"\bpassword\s+(?!\$)\S{4,}")
_URL_PASSWORD = re.compile(rb"://[^\s:/@]+:(?!\$\{)[^\s@/]{3,}@")
_JSON_KEYS = re.compile(
    rb'"(?:private_key|client_secret|refresh_token|password|secret|api_key|token)"\s*:\s*"[^"]{4,}"'
)
_SECRET_KEY = re.compile(r"(?:SECRET|TOKEN|PASSWORD|PASSWD|PWD|API_?KEY|PRIVATE|CREDENTIAL|AUTH|SALT|DSN|_KEY$)", re.I)
_PUBLIC_KEY = re.compile(r"^(?:NEXT_PUBLIC_|VITE_|REACT_APP_|NUXT_PUBLIC_|EXPO_PUBLIC_|PUBLIC_)")
_PLACEHOLDER = re.compile(
    r"^(?:|changeme|change[-_]?me|changethis|secret|password|xxx+|\*+|todo|none|null|false|true|dummy|example|test"
    r"|<.*>|\$\{.*\}|\$\w+|your[-_].*|.*[-_]here|replace[-_]?me)$",
    re.I,
)
CONTENT_LIMIT = 256 * 1024  # larger files are data, not credentials
_TEXT_SUFFIXES = {
    "", ".json", ".py", ".env", ".txt", ".cfg", ".conf", ".ini", ".toml", ".yaml", ".yml", ".sh", ".js", ".ts",
    ".properties", ".xml", ".pem", ".key", ".crt", ".cer",
}  # fmt: skip


@dataclass(frozen=True)
class Suspect:
    why: str
    certain: bool  # by content, or by a name nothing else has
    test_or_vendored: bool = False  # a test key an upstream project ships: a note, not a warning
    folder: str | None = None  # the credential folder (.aws/) that holds it


def by_name(path: str) -> Suspect | None:
    """A verdict from the path alone, where the path is enough; None when it is not a secret
    by name (the content may still say otherwise)."""
    parts = path.split("/")
    name = parts[-1]
    if not _DIR_HEADS.isdisjoint(parts[:-1]):
        for i in range(len(parts) - 1):
            if parts[i] in _DIRS or "/".join(parts[i : i + 2]) in _DIRS:
                return Suspect(f"inside {parts[i]}/", True, folder="/".join(parts[: i + 1]))
    if _SAFE.search(name):
        return None
    if _BY_NAME.match(name) or _SECRETS_FILE.match(name):
        return Suspect("private key or credential file", False, bool(_TEST_OR_VENDORED.search(path)))
    return None


def needs_content(path: str) -> bool:
    """Names that say nothing certain either way: decided by what the file holds."""
    name = posixpath.basename(path)
    if _SAFE.search(name):
        return False
    return bool(
        _ENV_FILE.match(name) or _KEY_FILE.match(name) or _CONFIG_FILE.match(name) or _JSON_CREDENTIAL.match(name)
    )


def worth_reading(path: str, size: int) -> bool:
    name = posixpath.basename(path)
    return 0 < size <= CONTENT_LIMIT and (posixpath.splitext(name)[1].lower() in _TEXT_SUFFIXES or needs_content(path))


def _entropy(value: str) -> float:
    counts = {c: value.count(c) for c in set(value)}
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _env_secret(data: bytes) -> str | None:
    """A `KEY=value` line whose key is named like a secret and whose value is real: not empty,
    not a placeholder, not a public build variable."""
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip().strip("\"'")
        if not sep or key.startswith("#") or _PUBLIC_KEY.match(key) or _PLACEHOLDER.match(value):
            continue
        if _SECRET_KEY.search(key) and (len(value) >= 8 or _entropy(value) >= 2.5):
            return f"a value for {key}"
        if _URL_PASSWORD.search(value.encode()):
            return f"a password in the URL of {key}"
    return None


def secret_in_content(file: Path) -> str | None:
    """The kind of credential the file holds, or None; the file's name picks the rules for its
    kind of file. Unreadable files hold none we can see."""
    try:
        data = read_regular(file)[:CONTENT_LIMIT]
    except OSError:
        return None
    if b"\0" in data[:1024]:
        return None
    name = file.name
    if _ANY.search(data):
        for kind, pattern in _CONTENT:
            if pattern.search(data):
                return kind
    if _ENV_FILE.match(name):
        return _env_secret(data)
    if _CONFIG_FILE.match(name):
        if _CONFIG_CREDENTIAL.search(data) or _MACHINE_PASSWORD.search(data) or _URL_PASSWORD.search(data):
            return "a registry or login credential"
        return None
    if _JSON_CREDENTIAL.match(name) and _JSON_KEYS.search(data):
        return "a credential"
    return None


def test_or_vendored(path: str) -> bool:
    return bool(_TEST_OR_VENDORED.search(path))
