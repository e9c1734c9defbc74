"""Across sessions: every event carries its own session's identity, no session sees another's
nonce, and values meant to be unique are."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from validators.wscontract.contract import Violation, shown
from validators.wscontract.pointer import MISSING, resolve
from validators.wscontract.session import SessionResult
from validators.wscontract.spec import Isolation, substitute

NONCE_PREFIX = "cdnonce"
_NONCE = re.compile(NONCE_PREFIX + r"[0-9a-f]{16}")


def new_nonce() -> str:
    return NONCE_PREFIX + secrets.token_hex(8)


def check_isolation(results: Sequence[SessionResult], isolation: Isolation) -> dict[tuple[int, int], int]:
    """Adds violations to the sessions; returns the matrix {(receiver, owner): messages}."""
    owner_of = {r.values["nonce"]: r.index for r in results}
    identity_of = {
        (pointer, substitute(template, r.values, {})): r.index
        for r in results
        for pointer, _, template in isolation.identity
    }
    matrix: dict[tuple[int, int], int] = {}
    seen_values: dict[tuple[str, str], int] = {}
    for r in results:
        for m in r.messages:
            leaked_from: set[int] = set()
            if isolation.nonce:
                for token in set(_NONCE.findall(m.text)):
                    owner = owner_of.get(token)
                    if owner is not None and owner != r.index:
                        leaked_from.add(owner)
                        r.violations.append(
                            Violation(
                                "isolation",
                                f"{m.type or 'a frame'} (message {m.index}) carries session {owner}'s nonce",
                                event=m.type,
                                index=m.index,
                                expected="only this session's nonce",
                                actual=f"session {owner}'s nonce",
                            )
                        )
            if m.is_json and m.type is not None:
                for pointer, tokens, template in isolation.identity:
                    expected = substitute(template, r.values, {})
                    value = resolve(m.data, tokens)
                    if value == expected:
                        continue
                    owner = identity_of.get((pointer, value)) if isinstance(value, str) else None
                    if owner is not None:
                        leaked_from.add(owner)
                    whose = f" (session {owner}'s)" if owner is not None else ""
                    r.violations.append(
                        Violation(
                            "isolation",
                            f"{m.type} (message {m.index}) {pointer} = {shown(value)}{whose}, not this session's {expected!r}",
                            event=m.type,
                            index=m.index,
                            pointer=pointer,
                            expected=expected,
                            actual=shown(value),
                        )
                    )
                for pointer, tokens in isolation.distinct:
                    value = resolve(m.data, tokens)
                    if value is MISSING or not isinstance(value, str | int | float):
                        continue
                    first = seen_values.setdefault((pointer, str(value)), r.index)
                    if first != r.index:
                        r.violations.append(
                            Violation(
                                "distinct",
                                f"{m.type} (message {m.index}) {pointer} = {shown(value)} was also session {first}'s",
                                event=m.type,
                                index=m.index,
                                pointer=pointer,
                                expected="a value no other session had",
                                actual=shown(value),
                            )
                        )
            for owner in leaked_from:
                matrix[(r.index, owner)] = matrix.get((r.index, owner), 0) + 1
    return matrix
