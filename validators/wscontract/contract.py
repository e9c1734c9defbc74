"""One session's messages against the contract: events, counts, timing, fields, order, pairs."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from jsonschema import Draft202012Validator

from validators.wscontract.pointer import MISSING, resolve
from validators.wscontract.spec import Contract, EventRule

MAX_PER_RULE = 5  # violations of one rule and event kept per session; the count says the rest


@dataclass(frozen=True)
class Message:
    index: int  # 1-based within the session, across reconnects
    at_s: float  # since the session's first send
    type: str | None
    data: Any  # the parsed JSON, or None for a frame that is not JSON
    text: str  # the frame as received (bytes frames decoded with replacement)
    is_json: bool
    connection: int = 1


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    event: str | None = None
    index: int | None = None
    pointer: str | None = None
    expected: str = ""
    actual: str = ""
    severity: Literal["error", "warning"] = "error"


def shown(value: object, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if value is not MISSING else "(missing)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Checker:
    """The contract with its schemas compiled once for every session."""

    def __init__(self, contract: Contract, extra_schemas: Mapping[str, Mapping[str, Any]]) -> None:
        self.contract = contract
        self.fields = {
            name: [(f, Draft202012Validator(dict(f.schema))) for f in rule.fields]
            for name, rule in contract.events.items()
        }
        self.schemas: dict[str, Draft202012Validator] = {}
        for name, rule in contract.events.items():
            schema = rule.schema if rule.schema is not None else extra_schemas.get(name)
            if schema is not None:
                self.schemas[name] = Draft202012Validator(dict(schema))
        self.known = set(contract.events) | set(contract.order.sequence) | set(contract.terminal_events)
        for pair in contract.order.pairs:
            self.known |= {pair.open, pair.close}

    def message_type(self, data: Any) -> str | None:
        value = resolve(data, self.contract.type_field)
        return value if isinstance(value, str) else None

    def check(self, messages: Sequence[Message]) -> list[Violation]:
        c = self.contract
        out: list[Violation] = []
        kept: dict[tuple[str, str | None], int] = {}

        def add(v: Violation) -> None:
            key = (v.rule, v.event)
            kept[key] = kept.get(key, 0) + 1
            if kept[key] <= MAX_PER_RULE:
                out.append(v)

        relevant = [m for m in messages if m.type not in c.ignore_types]
        by_type: dict[str, list[Message]] = {}
        for m in messages:
            if not m.is_json:
                add(
                    Violation(
                        "not_json",
                        f"message {m.index} is not JSON: {m.text[:60]!r}",
                        index=m.index,
                        actual=m.text[:200],
                    )
                )
                continue
            if m.type is None:
                add(
                    Violation(
                        "no_type",
                        f"message {m.index} has no string at {c.type_pointer}",
                        index=m.index,
                        pointer=c.type_pointer,
                        actual=shown(m.data),
                    )
                )
                continue
            by_type.setdefault(m.type, []).append(m)
            if m.type in c.ignore_types:
                continue
            if m.type not in self.known and c.unknown_types != "allow":
                add(
                    Violation(
                        "unknown_type",
                        f"message {m.index}: unknown event type {m.type!r}",
                        event=m.type,
                        index=m.index,
                        severity="error" if c.unknown_types == "fail" else "warning",
                    )
                )
            for f, validator in self.fields.get(m.type, ()):
                value = resolve(m.data, f.tokens)
                if value is MISSING:
                    add(
                        Violation(
                            "field",
                            f"{m.type} (message {m.index}) has no {f.pointer}",
                            event=m.type,
                            index=m.index,
                            pointer=f.pointer,
                            expected=shown(dict(f.schema)),
                            actual="(missing)",
                        )
                    )
                    continue
                error = next(iter(validator.iter_errors(value)), None) if not validator.is_valid(value) else None
                if error is not None:
                    add(
                        Violation(
                            "field",
                            f"{m.type} (message {m.index}) {f.pointer}: {error.message}",
                            event=m.type,
                            index=m.index,
                            pointer=f.pointer + "".join(f"/{p}" for p in error.absolute_path),
                            expected=shown(error.schema),
                            actual=shown(value),
                        )
                    )
            schema = self.schemas.get(m.type)
            if schema is not None and not schema.is_valid(m.data):
                error = next(iter(schema.iter_errors(m.data)))
                path = "".join(f"/{p}" for p in error.absolute_path)
                add(
                    Violation(
                        "schema",
                        f"{m.type} (message {m.index}){' ' + path if path else ''}: {error.message}",
                        event=m.type,
                        index=m.index,
                        pointer=path or "",
                        expected=shown(error.schema),
                        actual=shown(error.instance),
                    )
                )
        for name, rule in c.events.items():
            self._counts(rule, by_type.get(name, []), add)
        self._order(relevant, add)
        self._pairs(messages, add)
        return out

    def _counts(self, rule: EventRule, seen: list[Message], add: Any) -> None:
        name = rule.name
        if rule.required and not seen:
            add(
                Violation(
                    "required", f"required event {name} never received", event=name, expected="at least 1", actual="0"
                )
            )
            return
        if rule.count_min is not None and len(seen) < rule.count_min and seen:
            add(
                Violation(
                    "count",
                    f"{name} received {len(seen)} times, fewer than {rule.count_min}",
                    event=name,
                    expected=f">= {rule.count_min}",
                    actual=str(len(seen)),
                )
            )
        if rule.count_max is not None and len(seen) > rule.count_max:
            add(
                Violation(
                    "count",
                    f"{name} received {len(seen)} times, more than {rule.count_max} (message {seen[rule.count_max].index} is one too many)",
                    event=name,
                    index=seen[rule.count_max].index,
                    expected=f"<= {rule.count_max}",
                    actual=str(len(seen)),
                )
            )
        if rule.within_s is not None and seen and seen[0].at_s > rule.within_s:
            add(
                Violation(
                    "within",
                    f"{name} first arrived at {seen[0].at_s:.3f} s, later than within_s = {rule.within_s:g} s",
                    event=name,
                    index=seen[0].index,
                    expected=f"<= {rule.within_s:g} s",
                    actual=f"{seen[0].at_s:.3f} s",
                )
            )

    def _order(self, relevant: list[Message], add: Any) -> None:
        order = self.contract.order
        typed = [m for m in relevant if m.type is not None]
        if order.first and typed and typed[0].type != order.first:
            add(
                Violation(
                    "order",
                    f"the first event is {typed[0].type} (message {typed[0].index}), not {order.first}",
                    event=typed[0].type,
                    index=typed[0].index,
                    expected=order.first,
                    actual=str(typed[0].type),
                )
            )
        if order.last:
            lasts = [i for i, m in enumerate(typed) if m.type == order.last]
            if lasts and lasts[-1] != len(typed) - 1:
                after = typed[lasts[-1] + 1]
                add(
                    Violation(
                        "order",
                        f"{after.type} (message {after.index}) arrived after {order.last}, which must be last",
                        event=after.type,
                        index=after.index,
                        expected=f"nothing after {order.last}",
                        actual=str(after.type),
                    )
                )
        seq = order.sequence
        if not seq:
            return
        rank = {name: i for i, name in enumerate(seq)}
        if order.mode == "first_occurrence":
            firsts: dict[str, Message] = {}
            for m in typed:
                if m.type in rank and m.type not in firsts:
                    firsts[m.type] = m
            present = [name for name in seq if name in firsts]
            for earlier, later in itertools.pairwise(present):
                if firsts[later].index < firsts[earlier].index:
                    late = firsts[later]
                    add(
                        Violation(
                            "order",
                            f"{later} (message {late.index}) arrived before {earlier} (message {firsts[earlier].index})",
                            event=later,
                            index=late.index,
                            expected=" → ".join(seq),
                            actual=" → ".join(sorted(present, key=lambda n: firsts[n].index)),
                        )
                    )
        elif order.mode == "strict":
            highest = -1
            for m in typed:
                r = rank.get(m.type or "")
                if r is None:
                    if 0 <= highest < len(seq) - 1:
                        add(
                            Violation(
                                "order",
                                f"{m.type} (message {m.index}) arrived inside the sequence, which is strict",
                                event=m.type,
                                index=m.index,
                                expected=" → ".join(seq),
                                actual=str(m.type),
                            )
                        )
                    continue
                if r < highest and not self._paired_back(seq, r, highest):
                    add(
                        Violation(
                            "order",
                            f"{m.type} (message {m.index}) arrived after {seq[highest]}",
                            event=m.type,
                            index=m.index,
                            expected=" → ".join(seq),
                            actual=f"{seq[highest]} then {m.type}",
                        )
                    )
                highest = max(highest, r)
        else:
            position = 0
            for m in typed:
                if position < len(seq) and m.type == seq[position]:
                    position += 1
            if position < len(seq):
                got = [m.type for m in typed if m.type in rank]
                add(
                    Violation(
                        "order",
                        f"the sequence stops matching at {seq[position]}: received {' → '.join(str(g) for g in got) or 'none of it'}",
                        event=seq[position],
                        expected=" → ".join(seq),
                        actual=" → ".join(str(g) for g in got),
                    )
                )

    def _paired_back(self, seq: tuple[str, ...], r: int, highest: int) -> bool:
        """A pair's open after its close is a new call (tool → tool → …), not disorder."""
        for pair in self.contract.order.pairs:
            if seq[r] == pair.open and seq[highest] == pair.close:
                return True
        return False

    def _pairs(self, messages: Sequence[Message], add: Any) -> None:
        for pair in self.contract.order.pairs:
            open_: dict[str, list[Message]] = {}
            for m in messages:
                if m.type not in (pair.open, pair.close):
                    continue
                key_value = resolve(m.data, pair.tokens) if pair.tokens else ""
                key = json.dumps(key_value, sort_keys=True, default=str) if key_value is not MISSING else "(missing)"
                if m.type == pair.open:
                    open_.setdefault(key, []).append(m)
                elif open_.get(key):
                    open_[key].pop(0)
                else:
                    add(
                        Violation(
                            "pair",
                            f"{pair.close} (message {m.index}) {pair.key or ''} {key} closes no open {pair.open}".replace(
                                "  ", " "
                            ),
                            event=pair.close,
                            index=m.index,
                            pointer=pair.key or None,
                            expected=f"a {pair.open} before it",
                            actual=key,
                        )
                    )
            for key, left in open_.items():
                for m in left:
                    add(
                        Violation(
                            "pair",
                            f"{pair.open} (message {m.index}){' ' + pair.key + ' = ' + key if pair.key else ''} was never closed by {pair.close}",
                            event=pair.open,
                            index=m.index,
                            pointer=pair.key or None,
                            expected=f"a {pair.close} with the same {pair.key or 'position'}",
                            actual="none",
                        )
                    )
