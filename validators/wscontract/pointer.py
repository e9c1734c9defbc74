"""JSON Pointer (RFC 6901), by hand: resolving one is a dozen lines, and the one library for
it (jsonpointer) is not otherwise a dependency."""

from __future__ import annotations

MISSING = object()


def check_pointer(text: str) -> tuple[str, ...]:
    """The pointer's reference tokens, or ValueError."""
    if text == "":
        return ()
    if not text.startswith("/"):
        raise ValueError(f"{text!r} is not a JSON Pointer: it must start with '/' (e.g. '/data/status')")
    tokens = text[1:].split("/")
    for token in tokens:
        rest = token.replace("~0", "").replace("~1", "")
        if "~" in rest:
            raise ValueError(f"{text!r}: '~' must be written '~0' ('~1' is '/')")
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in tokens)


def resolve(document: object, tokens: tuple[str, ...]) -> object:
    """The value the pointer names, or MISSING."""
    current = document
    for token in tokens:
        if isinstance(current, dict):
            if token not in current:
                return MISSING
            current = current[token]
        elif isinstance(current, list):
            if not token.isdigit() or (token.startswith("0") and token != "0") or int(token) >= len(current):
                return MISSING
            current = current[int(token)]
        else:
            return MISSING
    return current
