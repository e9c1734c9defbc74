"""The `websocket` kind's config keys; the contract is checked when the config loads."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from validators.config.options import OptionError, boolean, one_of, string, string_list, string_table
from validators.engine.base import Option


def _lazy(name: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        from validators.wscontract import spec  # jsonschema loads only for websocket validators

        parse: Callable[[object], object] = getattr(spec, name)
        parse(value)
        return value

    return check


def _url(value: object) -> object:
    if not isinstance(value, str) or not value.startswith(("ws://", "wss://")):
        raise ValueError("expected a ws:// or wss:// URL")
    return value


def _count(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("expected a whole number of at least 1")
    return value


def _seconds(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError("expected a number of seconds above 0")
    return float(value)


def _tls(value: object) -> object:
    if not isinstance(value, dict):
        raise ValueError('expected { verify = true, ca_file = "", client_cert = "", client_key = "" }')
    for key, item in value.items():
        if key == "verify":
            boolean(item)
        elif key in ("ca_file", "client_cert", "client_key"):
            if not isinstance(item, str):
                raise OptionError("expected a file path", (key,))
        else:
            raise OptionError("unknown key (verify, ca_file, client_cert, client_key)", (key,))
    return dict(value)


def _asyncapi(value: object) -> object:
    if not isinstance(value, dict) or not isinstance(value.get("file"), str):
        raise ValueError('expected { file = "asyncapi.yaml", operation = "receiveAgentEvents" }')
    for key in value:
        if key not in ("file", "operation"):
            raise OptionError("unknown key (file, operation)", (key,))
    return dict(value)


OPTIONS: Mapping[str, Option] = {
    "url": Option("The server's ws:// or wss:// URL.", required=True, check=_url),
    "headers": Option(
        "Handshake headers; ${env:NAME} is substituted and redacted.",
        check=string_table(': { Authorization = "Bearer ${env:TOKEN}" }'),
        type_name="table",
    ),
    "subprotocols": Option("Subprotocols to offer.", check=string_list, type_name="list"),
    "query": Option(
        "Query parameters added to the URL.", check=string_table(': { token = "${env:TOKEN}" }'), type_name="table"
    ),
    "open_timeout": Option("Seconds for the handshake (default 10).", check=_seconds, type_name="number"),
    "tls": Option("TLS for wss://: verify, ca_file, client_cert, client_key.", check=_tls, type_name="table"),
    "sessions": Option("Concurrent sessions (default 1).", check=_count, type_name="integer"),
    "stagger_ms": Option(
        "Milliseconds between session starts (default 0).", check=lambda v: _count(v) if v else 0, type_name="integer"
    ),
    "steps": Option(
        'The script: [{ send = {…} }, { expect = "event" }].',
        required=True,
        check=_lazy("parse_steps"),
        type_name="list",
    ),
    "type_field": Option("JSON Pointer of the event name (default /type).", check=string),
    "events": Option(
        "Per event: required, count, within_s, fields, schema, schema_ref.",
        check=_lazy("parse_events"),
        type_name="table",
    ),
    "order": Option("sequence, mode, first, last, pairs.", check=_lazy("parse_order"), type_name="table"),
    "terminal_events": Option("Events that end a session.", check=string_list, type_name="list"),
    "ignore_types": Option("Event types left out of every check (pings).", check=string_list, type_name="list"),
    "unknown_types": Option('"allow" (default), "warn" or "fail".', check=one_of("allow", "warn", "fail")),
    "idle_timeout_s": Option("Longest silence (default 20).", check=_seconds, type_name="number"),
    "total_timeout_s": Option("Longest session (default 60).", check=_seconds, type_name="number"),
    "max_messages": Option("Messages per session at most (default 500).", check=_count, type_name="integer"),
    "linger_s": Option(
        "Seconds to keep reading after the terminal event (default 0).", check=_seconds, type_name="number"
    ),
    "isolation": Option(
        "identity pointers, nonce, distinct pointers.", check=_lazy("parse_isolation"), type_name="table"
    ),
    "reconnect": Option(
        "drop_after, reconnect_within_s, expect_after, send.", check=_lazy("parse_reconnect"), type_name="table"
    ),
    "asyncapi": Option(
        "Message schemas from an AsyncAPI 3 document: file, operation.", check=_asyncapi, type_name="table"
    ),
}
