"""The `websocket` validator: N concurrent sessions against a live server, each checked
against the declared contract, and the sessions against each other."""

from __future__ import annotations

import os
import secrets
import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import anyio

from validators.engine.base import Option, Outcome, Validator
from validators.engine.model import Finding, Severity, Status
from validators.engine.redact import env_names
from validators.engine.run_context import RunContext
from validators.engine.wording import plural
from validators.kinds.websocket.options import OPTIONS
from validators.wscontract.contract import Checker, Violation
from validators.wscontract.isolation import check_isolation, new_nonce
from validators.wscontract.pointer import check_pointer
from validators.wscontract.session import SessionResult, Target, run_session
from validators.wscontract.spec import (
    Contract,
    Isolation,
    Limits,
    Order,
    load_schema_file,
    parse_events,
    parse_isolation,
    parse_order,
    parse_reconnect,
    parse_steps,
    substitute,
)

TRANSCRIPT_SESSIONS = 5  # sessions whose messages the log holds, besides every failing one (up to 50)
TRANSCRIPT_LINES = 100


def asyncapi_schemas(path: Path, operation: str | None) -> dict[str, Mapping[str, Any]]:
    """Message payload schemas by message name (and by the payload's `type` const), from an
    AsyncAPI 3 document: the operation's messages, or every message under components."""
    doc = load_schema_file(path)
    messages: dict[str, Any] = {}
    components = doc.get("components", {}).get("messages", {}) if isinstance(doc.get("components"), dict) else {}

    def deref(node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            parts = [p for p in str(node["$ref"]).lstrip("#").split("/") if p]
            current: Any = doc
            for part in parts:
                current = current.get(part) if isinstance(current, dict) else None
            node = current
        return node

    if operation:
        op = doc.get("operations", {}).get(operation)
        if not isinstance(op, dict):
            raise ValueError(f"{path}: no operation {operation!r} (operations: {', '.join(doc.get('operations', {}))})")
        refs = op.get("messages") or list(deref(op.get("channel", {})).get("messages", {}).values())
        for ref in refs:
            message = deref(ref)
            if isinstance(message, dict):
                name = str(message.get("name") or str(ref.get("$ref", "")).rsplit("/", 1)[-1])
                messages[name] = message
    else:
        messages = {k: deref(v) for k, v in components.items()}
    schemas: dict[str, Mapping[str, Any]] = {}
    for name, message in messages.items():
        payload = deref(message.get("payload")) if isinstance(message, dict) else None
        if isinstance(payload, dict):
            schemas[name] = payload
            const = (
                payload.get("properties", {}).get("type", {}).get("const")
                if isinstance(payload.get("properties"), dict)
                else None
            )
            if isinstance(const, str):
                schemas.setdefault(const, payload)
    return schemas


def _strs(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


class WebsocketValidator(Validator):
    kind = "websocket"
    description = "A declared WebSocket event contract checked against a live server."
    options: ClassVar[Mapping[str, Option]] = OPTIONS

    def describe(self) -> str:
        n = int(str(self.spec.options.get("sessions", 1)))
        return f"{self.spec.options.get('url')} ({plural(n, 'session')})"

    def _build(self) -> tuple[Target, Checker, Limits, Any, Any]:
        o = self.spec.options
        tls = o.get("tls", {})
        assert isinstance(tls, dict)
        target = Target(
            url=str(o["url"]),
            headers=dict(o.get("headers", {})),  # type: ignore[call-overload]
            subprotocols=_strs(o.get("subprotocols")),
            query=dict(o.get("query", {})),  # type: ignore[call-overload]
            open_timeout_s=float(o.get("open_timeout", 10.0)),  # type: ignore[arg-type]
            verify=bool(tls.get("verify", True)),
            ca_file=str(tls.get("ca_file", "")),
            client_cert=str(tls.get("client_cert", "")),
            client_key=str(tls.get("client_key", "")),
        )
        events = parse_events(o.get("events", {}))
        order = parse_order(o["order"]) if "order" in o else Order()
        type_pointer = str(o.get("type_field", "/type"))
        contract = Contract(
            type_field=check_pointer(type_pointer),
            type_pointer=type_pointer,
            events=events,
            order=order,
            terminal_events=_strs(o.get("terminal_events")),
            ignore_types=_strs(o.get("ignore_types")),
            unknown_types=o.get("unknown_types", "allow"),  # type: ignore[arg-type]
            isolation=parse_isolation(o["isolation"]) if "isolation" in o else Isolation(),
        )
        known = set(events) | set(contract.terminal_events)
        for name in [*order.sequence, *(n for p in order.pairs for n in (p.open, p.close)), order.first, order.last]:
            if name and name not in known:
                raise ValueError(f"order names {name!r}, which is neither in events nor terminal_events")
        extra: dict[str, Mapping[str, Any]] = {}
        asyncapi = o.get("asyncapi")
        if isinstance(asyncapi, dict):
            extra = asyncapi_schemas(self.project_dir / str(asyncapi["file"]), asyncapi.get("operation"))
        for name, rule in events.items():
            if rule.schema_ref and not rule.schema_ref.startswith("asyncapi:"):
                extra[name] = load_schema_file(self.project_dir / rule.schema_ref)
            elif rule.schema_ref:
                ref = rule.schema_ref.removeprefix("asyncapi:")
                if ref not in extra:
                    raise ValueError(
                        f"events.{name}.schema_ref: no AsyncAPI message {ref!r} ({', '.join(extra) or 'none read'})"
                    )
                extra[name] = extra[ref]
        extra = {k: v for k, v in extra.items() if k in events}
        limits = Limits(
            total_timeout_s=float(o.get("total_timeout_s", 60.0)),  # type: ignore[arg-type]
            idle_timeout_s=float(o.get("idle_timeout_s", 20.0)),  # type: ignore[arg-type]
            max_messages=int(o.get("max_messages", 500)),  # type: ignore[call-overload]
            linger_s=float(o.get("linger_s", 0.0)),  # type: ignore[arg-type]
        )
        reconnect = parse_reconnect(o["reconnect"]) if "reconnect" in o else None
        return target, Checker(contract, extra), limits, parse_steps(o["steps"]), reconnect

    async def run(self, ctx: RunContext) -> Outcome:
        try:
            target, checker, limits, steps, reconnect = self._build()
        except ValueError as exc:
            await ctx.log(f"invalid spec: {exc}")
            return Outcome(Status.ERROR, f"invalid spec: {exc}")
        n = int(str(self.spec.options.get("sessions", 1)))
        stagger = int(str(self.spec.options.get("stagger_ms", 0))) / 1000
        env = {k: os.environ.get(k, "") for k in env_names(dict(self.spec.options))}
        missing = sorted(k for k in env if k not in os.environ)
        if missing:
            return Outcome(Status.ERROR, f"invalid spec: ${{env:{missing[0]}}} is not set in the environment")
        run_id = secrets.token_hex(3)
        results: list[SessionResult] = []
        # As connected to (the redacting log masks what came from the environment).
        await ctx.log(f"{plural(n, 'session')} to {substitute(target.full_url(), {}, env)}")

        async def one(i: int) -> None:
            values = {
                "user_id": f"checkdeck-{run_id}-{i}",
                "thread_id": f"thread-{run_id}-{i}",
                "nonce": new_nonce(),
                "index": str(i),
            }
            results.append(await run_session(i, values, target, steps, checker, limits, env, reconnect))
            if len(results) % max(1, n // 20) == 0:
                await ctx.progress(len(results), n, "sessions")

        async with anyio.create_task_group() as tg:
            for i in range(1, n + 1):
                tg.start_soon(one, i)
                if stagger:
                    await anyio.sleep(stagger)
        results.sort(key=lambda r: r.index)
        matrix = (
            check_isolation(results, checker.contract.isolation) if n > 1 or checker.contract.isolation.identity else {}
        )
        await self._transcripts(ctx, results)
        return await self._outcome(ctx, results, checker, matrix, target)

    async def _transcripts(self, ctx: RunContext, results: list[SessionResult]) -> None:
        failing = [r for r in results if r.violations or r.error][:50]
        shown = {r.index for r in results[:TRANSCRIPT_SESSIONS]} | {r.index for r in failing}
        for r in results:
            if r.index not in shown:
                continue
            head = r.error or f"connected in {r.connect_ms or 0:.1f} ms" + (
                f", subprotocol {r.subprotocol}" if r.subprotocol else ""
            )
            lines = [
                f"session {r.index} ({r.values['user_id']}): {head}; {len(r.messages)} messages; ended: {r.ended or '-'}"
            ]
            for m in r.messages[:TRANSCRIPT_LINES]:
                lines.append(
                    f"  {m.at_s * 1000:8.1f} ms  #{m.index} {m.type or ('(not JSON)' if not m.is_json else '(no type)')}  {m.text[:200]}"
                )
            if len(r.messages) > TRANSCRIPT_LINES:
                lines.append(f"  … {len(r.messages) - TRANSCRIPT_LINES} more messages")
            lines.extend(f"  ✘ {v.rule}: {v.message}" for v in r.violations[:20])
            await ctx.log("\n".join(lines))
        if len(shown) < len(results):
            await ctx.log(f"({len(results) - len(shown)} passing sessions' transcripts left out)")

    async def _outcome(
        self,
        ctx: RunContext,
        results: list[SessionResult],
        checker: Checker,
        matrix: dict[tuple[int, int], int],
        target: Target,
    ) -> Outcome:
        n = len(results)
        errors = [r for r in results if r.error]
        if errors:
            reasons: dict[str, int] = {}
            for r in errors:
                reasons[r.error or ""] = reasons.get(r.error or "", 0) + 1
            for text, count in reasons.items():
                await ctx.report(
                    Finding(
                        Severity.ERROR,
                        "connection",
                        f"{text} (in {count} of {n} sessions)",
                        hint=f"target: {target.url}",
                        key=f"connection:{text}",
                    )
                )
            first = next(iter(reasons))
            return Outcome(Status.ERROR, f"{len(errors)} of {n} sessions could not connect: {first}")
        grouped: dict[tuple[str, str | None, str | None, str], list[tuple[int, Violation]]] = {}
        for r in results:
            for v in r.violations:
                grouped.setdefault((v.rule, v.event, v.pointer, v.severity), []).append((r.index, v))
        for (rule, event, pointer, severity), items in grouped.items():
            sessions = sorted({i for i, _ in items})
            i, v = items[0]
            where = f"in {len(sessions)} of {n} sessions" if n > 1 else ""
            detail = "; ".join(
                x
                for x in (f"expected {v.expected}" if v.expected else "", f"actual {v.actual}" if v.actual else "")
                if x
            )
            await ctx.report(
                Finding(
                    Severity.ERROR if severity == "error" else Severity.WARNING,
                    f"websocket/{rule}",
                    f"{v.message}"
                    + (f" ({where}; first in session {i})" if where else "")
                    + (f"\n{detail}" if detail else ""),
                    hint=f"event {event}, message {v.index}, pointer {pointer or '-'}" if event or pointer else None,
                    key=f"websocket/{rule}:{event}:{pointer}",
                )
            )
        failed = sorted({i for items in grouped.values() for i, v in items if v.severity == "error"})
        contract = checker.contract
        details: list[tuple[str, str]] = []
        timings: list[str] = []
        # Each session's first arrival of each event, in one pass over its messages.
        firsts: dict[str, list[float]] = {}
        for r in results:
            seen: set[str] = set()
            for m in r.messages:
                if m.type is not None and m.type not in seen:
                    seen.add(m.type)
                    firsts.setdefault(m.type, []).append(m.at_s)
        for name in [e for e, r in contract.events.items() if r.required] or list(contract.events):
            times = sorted(firsts.get(name, []))
            if times:
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                timings.append(f"{name} p50 {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
        details.append(("time to event", "; ".join(timings) or "no event arrived"))
        checked = sum(len(r.messages) for r in results)
        iso = contract.isolation
        what = [f"{plural(len(contract.events), 'event rule')}"]
        if contract.order.sequence:
            what.append(f"order ({contract.order.mode})")
        if contract.order.pairs:
            what.append(plural(len(contract.order.pairs), "pair rule"))
        if iso.identity or iso.nonce or iso.distinct:
            parts = [
                f"identity {', '.join(p for p, _, _ in iso.identity)}" if iso.identity else "",
                "nonce" if iso.nonce else "",
                f"distinct {', '.join(p for p, _ in iso.distinct)}" if iso.distinct else "",
            ]
            what.append("isolation (" + ", ".join(p for p in parts if p) + ")")
        details.append(
            ("checked", f"{plural(checked, 'message')} from {plural(n, 'session')} against " + ", ".join(what))
        )
        if matrix:
            rows = [f"session {a} saw session {b}'s events ({c})" for (a, b), c in sorted(matrix.items())[:20]]
            details.append(
                (
                    "isolation matrix",
                    "; ".join(rows) + (f"; … {len(matrix) - 20} more pairs" if len(matrix) > 20 else ""),
                )
            )
        elif n > 1 and (iso.identity or iso.nonce):
            details.append(("isolation matrix", f"no session saw another's identity or nonce ({n} sessions)"))
        connects = sorted(r.connect_ms or 0 for r in results)
        details.append(
            (
                "handshake",
                f"{n} of {n} connected; median {statistics.median(connects):.1f} ms"
                + (f"; subprotocol {results[0].subprotocol}" if results[0].subprotocol else ""),
            )
        )
        if not checked:
            return Outcome(
                Status.FAILED, f"failed: no message received in {plural(n, 'session')}", details=tuple(details)
            )
        if failed:
            rules = sorted({f"{rule}" for (rule, _, _, sev) in grouped if sev == "error"})
            return Outcome(
                Status.FAILED,
                f"failed: {len(failed)} of {plural(n, 'session')} broke the contract ({', '.join(rules)})",
                details=tuple(details),
            )
        return Outcome(
            Status.PASSED,
            f"passed: {plural(n, 'session')}, {plural(checked, 'message')} checked against " + ", ".join(what),
            details=tuple(details),
        )
