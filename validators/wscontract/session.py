"""One session against a live server: connect, run the script, record every message until a
terminal event, a limit, or the server closes."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import anyio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from validators.wscontract.contract import Checker, Message, Violation
from validators.wscontract.spec import Limits, Reconnect, Step, substitute


@dataclass(frozen=True)
class Target:
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    subprotocols: tuple[str, ...] = ()
    query: Mapping[str, str] = field(default_factory=dict)
    open_timeout_s: float = 10.0
    verify: bool = True
    ca_file: str = ""
    client_cert: str = ""
    client_key: str = ""

    def full_url(self) -> str:
        if not self.query:
            return self.url
        parts = urlsplit(self.url)
        query = "&".join(q for q in (parts.query, urlencode(dict(self.query))) if q)
        return urlunsplit(parts._replace(query=query))

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.url.startswith("wss://"):
            return None
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.client_cert:
            context.load_cert_chain(self.client_cert, self.client_key or None)
        return context


@dataclass
class SessionResult:
    index: int
    values: Mapping[str, str]
    messages: list[Message] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None  # could not connect: the handshake's status, or why
    connect_ms: float | None = None
    subprotocol: str | None = None
    ended: str = ""  # how the session ended: "terminal event", "closed by the server (1011 …)"
    reconnect_s: float | None = None


def _frame_text(frame: str | bytes) -> tuple[str, bool]:
    if isinstance(frame, bytes):
        return frame.decode("utf-8", "replace"), False
    return frame, True


async def run_session(
    index: int,
    values: Mapping[str, str],
    target: Target,
    steps: tuple[Step, ...],
    checker: Checker,
    limits: Limits,
    env: Mapping[str, str],
    reconnect: Reconnect | None = None,
) -> SessionResult:
    result = SessionResult(index, values)
    started = time.monotonic()
    origin: float | None = None  # the first send: what within_s counts from
    contract = checker.contract
    terminal = set(contract.terminal_events)
    counter = 0
    connection = 1

    def at() -> float:
        return time.monotonic() - (origin if origin is not None else started)

    async def open_socket() -> ClientConnection:
        return await connect(
            substitute(target.full_url(), values, env),
            additional_headers={k: substitute(v, values, env) for k, v in target.headers.items()},
            subprotocols=[substitute(p, values, env) for p in target.subprotocols] or None,
            open_timeout=target.open_timeout_s,
            ssl=target.ssl_context(),
            max_size=None,
            ping_interval=None,
            compression=None,
        )

    async def receive(ws: ClientConnection, wanted: str | None, deadline: float) -> str:
        """Read until `wanted` (or a terminal event when None) arrives; how it stopped."""
        nonlocal counter
        while True:
            if counter >= limits.max_messages:
                return "max_messages"
            left = deadline - time.monotonic()
            if left <= 0:
                return "total_timeout"
            try:
                with anyio.fail_after(min(left, limits.idle_timeout_s)):
                    frame = await ws.recv()
            except TimeoutError:
                return "total_timeout" if time.monotonic() >= deadline else "idle_timeout"
            counter += 1
            text, is_text = _frame_text(frame)
            data: Any = None
            is_json = False
            if is_text:
                try:
                    data = json.loads(text)
                    is_json = True
                except ValueError:
                    pass
            kind = checker.message_type(data) if is_json else None
            result.messages.append(Message(counter, at(), kind, data, text, is_json, connection))
            if kind is not None and (kind == wanted or (wanted is None and kind in terminal)):
                return "arrived"
            if wanted is not None and kind in terminal and wanted not in terminal:
                return "terminal"
            if reconnect is not None and connection == 1 and kind == reconnect.drop_after:
                return "drop"

    try:
        t0 = time.monotonic()
        ws = await open_socket()
    except InvalidStatus as exc:
        result.error = f"handshake rejected: HTTP {exc.response.status_code} {exc.response.reason_phrase}".strip()
        return result
    except (InvalidHandshake, OSError, TimeoutError, ssl.SSLError) as exc:
        result.error = f"cannot connect to {target.url}: {_why(exc)}"
        return result
    result.connect_ms = (time.monotonic() - t0) * 1000
    result.subprotocol = ws.subprotocol
    deadline = time.monotonic() + limits.total_timeout_s
    how = ""
    try:
        pending = list(steps)
        if terminal and not any(s.expect in terminal for s in steps):
            pending.append(Step())  # read on to the terminal event
        for step in pending:
            if step.send is not None:
                message = substitute(step.send, values, env)
                if origin is None:
                    origin = time.monotonic()
                await ws.send(message if isinstance(message, str) else json.dumps(message))
            if step.send is None or step.expect is not None:
                if step.expect is None and not terminal:
                    continue
                how = await receive(ws, step.expect, deadline)
                while how == "drop" and reconnect is not None:
                    await ws.close()
                    t_drop = time.monotonic()
                    try:
                        with anyio.fail_after(reconnect.within_s):
                            ws = await open_socket()
                    except (InvalidHandshake, OSError, TimeoutError) as exc:
                        result.violations.append(
                            Violation(
                                "reconnect",
                                f"could not reconnect within {reconnect.within_s:g} s: {_why(exc)}",
                                expected=f"<= {reconnect.within_s:g} s",
                            )
                        )
                        how = "reconnect_failed"
                        break
                    result.reconnect_s = time.monotonic() - t_drop
                    connection = 2
                    if reconnect.send is not None:
                        await ws.send(json.dumps(substitute(reconnect.send, values, env)))
                    how = await receive(ws, step.expect, deadline)
                if how != "arrived":
                    break
        if how == "arrived" and limits.linger_s > 0:
            with anyio.move_on_after(limits.linger_s):
                await receive(ws, "\0never", deadline)
    except ConnectionClosed as exc:
        code = exc.rcvd.code if exc.rcvd else 1006
        reason = exc.rcvd.reason if exc.rcvd else "no close frame"
        how = "closed"
        last = result.messages[-1] if result.messages else None
        result.violations.append(
            Violation(
                "connection",
                f"the server closed the connection ({code} {reason}) after "
                + (f"message {last.index} ({last.type})" if last else "no message")
                + " before the session was done",
                index=last.index if last else None,
                expected="a terminal event: " + ", ".join(sorted(terminal)) if terminal else "the expected events",
                actual=f"close {code} {reason}".strip(),
            )
        )
    finally:
        with anyio.CancelScope(shield=True):
            await ws.close()
    result.ended = how
    limit_words = {
        "idle_timeout": f"no message for idle_timeout_s = {limits.idle_timeout_s:g} s",
        "total_timeout": f"the session passed total_timeout_s = {limits.total_timeout_s:g} s",
        "max_messages": f"max_messages = {limits.max_messages} reached",
    }
    if how in limit_words:
        last = result.messages[-1] if result.messages else None
        result.violations.append(
            Violation(
                how,
                limit_words[how] + (f" after message {last.index} ({last.type})" if last else " before any message"),
                index=last.index if last else None,
            )
        )
    if reconnect is not None and result.reconnect_s is not None:
        after = {m.type for m in result.messages if m.connection == 2}
        for name in reconnect.expect_after:
            if name not in after:
                result.violations.append(
                    Violation("reconnect", f"{name} never arrived after the reconnect", event=name)
                )
    elif (
        reconnect is not None
        and how != "reconnect_failed"
        and not any(m.type == reconnect.drop_after for m in result.messages)
    ):
        result.violations.append(
            Violation(
                "reconnect",
                f"{reconnect.drop_after} never arrived: the reconnect was not tried",
                event=reconnect.drop_after,
            )
        )
    result.violations.extend(checker.check(result.messages))
    return result


def _why(exc: BaseException) -> str:
    import os

    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
