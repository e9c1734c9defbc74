"""Whether a file is a Dockerfile: by name as Docker tooling names them (any case), and by
content where the name leaves it open (`build_sources` finds them in a project).
`DOCKER_SSOT_MATRIX.md` or an `__init__.py` beside the Dockerfiles in a `dockerfiles/` folder
is not one."""

from __future__ import annotations

import re
from pathlib import Path

from validators.engine.safe_read import read_regular

# Dockerfile, Containerfile, api.Dockerfile, Dockerfile.dev, dist.dockerfile: what `docker build`
# users, Compose, editors and linters treat as Dockerfiles.
_BY_NAME = re.compile(r"^(?:(?:docker|container)file(?:\..+)?|.+\.(?:docker|container)file)$", re.IGNORECASE)
# Names that match the pattern but are usually something else: decided by content.
_DOUBTFUL_SUFFIX = re.compile(
    r"\.(?:md|rst|txt|adoc|py|sh|bash|json|ya?ml|toml|ini|cfg|lock|orig|bak|swp|old|tmp|j2|jinja2?|tpl|template)$",
    re.IGNORECASE,
)
_NOT_DOCKERFILE = re.compile(r"\.(?:docker|container)ignore$", re.IGNORECASE)
_FIRST = re.compile(rb"^\s*(?:FROM|ARG)\s+\S", re.IGNORECASE)
_DIRECTIVE = re.compile(rb"^\s*#\s*(?:syntax|escape|check)\s*=", re.IGNORECASE)
HEAD_BYTES = 64 * 1024


def looks_like_dockerfile(path: Path) -> bool:
    """A Dockerfile starts (after comments, blank lines and parser directives) with FROM or ARG."""
    try:
        head = read_regular(path)[:HEAD_BYTES]
    except OSError:
        return False
    for line in head.splitlines():
        stripped = line.strip()
        if not stripped or _DIRECTIVE.match(stripped):
            continue
        if stripped.startswith(b"#"):
            continue
        return bool(_FIRST.match(stripped))
    return False


def might_be_dockerfile(name: str, in_dockerfiles_folder: bool = False) -> bool:
    """What the name alone allows: is_dockerfile may still say no after reading it."""
    if _NOT_DOCKERFILE.search(name):
        return False
    return bool(_BY_NAME.match(name)) or (in_dockerfiles_folder and "." not in name)


def is_dockerfile(path: Path, *, in_dockerfiles_folder: bool = False) -> bool:
    name = path.name
    if _NOT_DOCKERFILE.search(name):
        return False
    if _BY_NAME.match(name):
        return not _DOUBTFUL_SUFFIX.search(name) or looks_like_dockerfile(path)
    # Inside a folder of Dockerfiles a bare name ("api", "worker") may be one: ask the content.
    return in_dockerfiles_folder and "." not in name and looks_like_dockerfile(path)
