"""The declared suite, checked when the config loads: every mistake names its key inside the
option (`events.agent_started.fields./data/x`)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from validators.config.options import OptionError
from validators.engine.redact import ENV_REF
from validators.wscontract.pointer import check_pointer

OrderMode = Literal["first_occurrence", "strict", "subsequence"]
_SESSION = re.compile(r"\$\{session\.([a-z_]+)\}")
SESSION_VALUES = ("user_id", "thread_id", "nonce", "index")


@dataclass(frozen=True)
class FieldRule:
    pointer: str
    tokens: tuple[str, ...]
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class EventRule:
    name: str
    required: bool = False
    count_min: int | None = None
    count_max: int | None = None
    within_s: float | None = None
    fields: tuple[FieldRule, ...] = ()
    schema: Mapping[str, Any] | None = None
    schema_ref: str | None = None  # a file, or "asyncapi:MessageName"


@dataclass(frozen=True)
class Pair:
    open: str
    close: str
    key: str
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Order:
    sequence: tuple[str, ...] = ()
    mode: OrderMode = "first_occurrence"
    first: str | None = None
    last: str | None = None
    pairs: tuple[Pair, ...] = ()


@dataclass(frozen=True)
class Isolation:
    identity: tuple[tuple[str, tuple[str, ...], str], ...] = ()  # (pointer, tokens, template)
    nonce: bool = False
    distinct: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Reconnect:
    drop_after: str
    within_s: float = 3.0
    expect_after: tuple[str, ...] = ()
    send: Mapping[str, Any] | None = None  # the message that asks to resume, if the server needs one


@dataclass(frozen=True)
class Step:
    send: Any = None  # a JSON message (table or list), or a text frame
    expect: str | None = None


@dataclass(frozen=True)
class Limits:
    total_timeout_s: float = 60.0
    idle_timeout_s: float = 20.0
    max_messages: int = 500
    linger_s: float = 0.0  # after the terminal event: what still arrives is checked (`last`)


@dataclass(frozen=True)
class Contract:
    type_field: tuple[str, ...] = ("type",)
    type_pointer: str = "/type"
    events: Mapping[str, EventRule] = field(default_factory=dict)
    order: Order = field(default_factory=Order)
    terminal_events: tuple[str, ...] = ()
    ignore_types: tuple[str, ...] = ()
    unknown_types: Literal["allow", "warn", "fail"] = "allow"
    isolation: Isolation = field(default_factory=Isolation)


def substitute(value: Any, session: Mapping[str, str], env: Mapping[str, str]) -> Any:
    """${session.*} and ${env:*} replaced in every string of a message, keys included."""
    if isinstance(value, str):
        if "${" not in value:
            return value
        value = _SESSION.sub(lambda m: session.get(m.group(1), m.group(0)), value)
        return ENV_REF.sub(lambda m: env.get(m.group(1), ""), value)
    if isinstance(value, Mapping):
        return {substitute(k, session, env): substitute(v, session, env) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, session, env) for v in value]
    return value


def _seconds(value: object, where: tuple[str | int, ...]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise OptionError("expected a number of seconds (0 or more)", where)
    return float(value)


def _names(value: object, where: tuple[str | int, ...]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise OptionError('expected a list of event names, e.g. ["agent_completed"]', where)
    return tuple(value)


def _pointer(text: object, where: tuple[str | int, ...]) -> tuple[str, ...]:
    if not isinstance(text, str):
        raise OptionError("expected a JSON Pointer string, e.g. '/data/status'", where)
    try:
        return check_pointer(text)
    except ValueError as exc:
        raise OptionError(str(exc), where) from None


def check_schema(schema: object, where: tuple[str | int, ...]) -> Mapping[str, Any]:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, dict | bool):
        raise OptionError("expected a JSON Schema (a table)", where)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        inner = "/".join(str(p) for p in exc.path)
        raise OptionError(f"not a valid JSON Schema{f' at {inner}' if inner else ''}: {exc.message}", where) from None
    return schema if isinstance(schema, dict) else {"not": {}} if schema is False else {}


def parse_events(value: object) -> dict[str, EventRule]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise OptionError("expected a table of events: [validators.events.agent_started] required = true")
    keys = ("required", "count", "within_s", "fields", "schema", "schema_ref")
    rules: dict[str, EventRule] = {}
    for name, entry in value.items():
        for key in entry:
            if key not in keys:
                raise OptionError(f"unknown key ({', '.join(keys)})", (name, key))
        required = entry.get("required", False)
        if not isinstance(required, bool):
            raise OptionError("expected true or false", (name, "required"))
        count = entry.get("count", {})
        if isinstance(count, int) and not isinstance(count, bool):
            count = {"min": count, "max": count}
        if not isinstance(count, dict) or set(count) - {"min", "max"}:
            raise OptionError("expected { min = 1, max = 1 } or a number", (name, "count"))
        for bound in ("min", "max"):
            n = count.get(bound)
            if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
                raise OptionError("expected a whole number (0 or more)", (name, "count", bound))
        within = entry.get("within_s")
        fields: list[FieldRule] = []
        raw_fields = entry.get("fields", {})
        if not isinstance(raw_fields, dict):
            raise OptionError(
                'expected a table of JSON Pointer = JSON Schema: { "/data/status" = { type = "string" } }',
                (name, "fields"),
            )
        for pointer, schema in raw_fields.items():
            tokens = _pointer(pointer, (name, "fields", pointer))
            fields.append(FieldRule(pointer, tokens, check_schema(schema, (name, "fields", pointer))))
        schema = entry.get("schema")
        ref = entry.get("schema_ref")
        if ref is not None and (not isinstance(ref, str) or not ref):
            raise OptionError("expected a file (JSON Schema) or 'asyncapi:MessageName'", (name, "schema_ref"))
        rules[name] = EventRule(
            name=name,
            required=required,
            count_min=count.get("min", 1 if required else None),
            count_max=count.get("max"),
            within_s=_seconds(within, (name, "within_s")) if within is not None else None,
            fields=tuple(fields),
            schema=check_schema(schema, (name, "schema")) if schema is not None else None,
            schema_ref=ref,
        )
    return rules


def parse_order(value: object) -> Order:
    if not isinstance(value, dict):
        raise OptionError('expected a table: { sequence = ["a", "b"], mode = "first_occurrence" }')
    for key in value:
        if key not in ("sequence", "mode", "first", "last", "pairs"):
            raise OptionError("unknown key (sequence, mode, first, last, pairs)", (key,))
    mode = value.get("mode", "first_occurrence")
    if mode not in ("first_occurrence", "strict", "subsequence"):
        raise OptionError("expected 'first_occurrence', 'strict' or 'subsequence'", ("mode",))
    pairs: list[Pair] = []
    raw_pairs = value.get("pairs", [])
    if not isinstance(raw_pairs, list):
        raise OptionError(
            'expected a list: [{ open = "tool_executing", close = "tool_completed", key = "/tool_name" }]', ("pairs",)
        )
    for n, pair in enumerate(raw_pairs):
        if not isinstance(pair, dict) or not all(
            isinstance(pair.get(k), str) and pair.get(k) for k in ("open", "close")
        ):
            raise OptionError("each pair needs `open` and `close` event names", ("pairs", n))
        key = pair.get("key", "")
        pairs.append(Pair(pair["open"], pair["close"], key, _pointer(key, ("pairs", n, "key")) if key else ()))
    for key in ("first", "last"):
        if key in value and (not isinstance(value[key], str) or not value[key]):
            raise OptionError("expected an event name", (key,))
    return Order(
        sequence=_names(value.get("sequence", []), ("sequence",)),
        mode=mode,
        first=value.get("first"),
        last=value.get("last"),
        pairs=tuple(pairs),
    )


def parse_isolation(value: object) -> Isolation:
    if not isinstance(value, dict):
        raise OptionError('expected a table: { identity = { "/user_id" = "${session.user_id}" }, nonce = true }')
    for key in value:
        if key not in ("identity", "nonce", "distinct"):
            raise OptionError("unknown key (identity, nonce, distinct)", (key,))
    identity = value.get("identity", {})
    if not isinstance(identity, dict) or not all(isinstance(v, str) for v in identity.values()):
        raise OptionError('expected { "/user_id" = "${session.user_id}" }', ("identity",))
    nonce = value.get("nonce", False)
    if not isinstance(nonce, bool):
        raise OptionError("expected true or false", ("nonce",))
    distinct = value.get("distinct", [])
    if not isinstance(distinct, list):
        raise OptionError('expected a list of JSON Pointers, e.g. ["/run_id"]', ("distinct",))
    return Isolation(
        identity=tuple((p, _pointer(p, ("identity", p)), t) for p, t in identity.items()),
        nonce=nonce,
        distinct=tuple((p, _pointer(p, ("distinct", n))) for n, p in enumerate(distinct)),
    )


def parse_steps(value: object) -> tuple[Step, ...]:
    if not isinstance(value, list) or not value:
        raise OptionError(
            'expected a list of steps: [{ send = { type = "agent_request" } }, { expect = "agent_completed" }]'
        )
    steps: list[Step] = []
    for n, step in enumerate(value):
        if not isinstance(step, dict) or set(step) - {"send", "expect"} or not step:
            raise OptionError('each step is { send = {…} } or { expect = "event" }', (n,))
        send, expect = step.get("send"), step.get("expect")
        if send is not None and not isinstance(send, dict | list | str):
            raise OptionError("expected a JSON message (a table) or a text frame (a string)", (n, "send"))
        if expect is not None and (not isinstance(expect, str) or not expect):
            raise OptionError("expected an event name", (n, "expect"))
        steps.append(Step(send, expect))
    return tuple(steps)


def parse_reconnect(value: object) -> Reconnect:
    if not isinstance(value, dict) or not isinstance(value.get("drop_after"), str):
        raise OptionError(
            'expected { drop_after = "agent_thinking", reconnect_within_s = 3, expect_after = ["agent_completed"] }'
        )
    for key in value:
        if key not in ("drop_after", "reconnect_within_s", "expect_after", "send"):
            raise OptionError("unknown key (drop_after, reconnect_within_s, expect_after, send)", (key,))
    send = value.get("send")
    if send is not None and not isinstance(send, dict):
        raise OptionError("expected a JSON message (a table)", ("send",))
    return Reconnect(
        drop_after=value["drop_after"],
        within_s=_seconds(value.get("reconnect_within_s", 3.0), ("reconnect_within_s",)),
        expect_after=_names(value.get("expect_after", []), ("expect_after",)),
        send=send,
    )


def load_schema_file(path: Path) -> Mapping[str, Any]:
    """A JSON Schema file (JSON, or YAML); ValueError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if path.suffix in (".yaml", ".yml"):
        import yaml

        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ValueError(
                f"{path}:{mark.line + 1 if mark else '?'}: invalid YAML: {getattr(exc, 'problem', exc)}"
            ) from None
    else:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: expected an object at the top")
    return loaded
