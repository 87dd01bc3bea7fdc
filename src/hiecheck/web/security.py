"""The app's outer guard: refuse requests for another host, and set strict response headers.

A page on some web site can make a browser send requests to ``127.0.0.1``; with DNS rebinding it
can even read the answers, because the browser believes the site's own name points here. Every
such request carries the site's name in its ``Host`` header, so only the bound host (and
``localhost`` when bound to a loopback address) is served. The Content-Security-Policy forbids
every source but the app itself: no external style, script, font, image or frame, and forms post
only here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)
MISDIRECTED = 421


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """The ``Host`` header values served: the bound host (and localhost for a loopback bind) and
    any names given with ``--allow-host``, each with the port (and bare for port 80)."""
    names = {host, *extra}
    if is_loopback(host):
        names.add("localhost")
    out: set[str] = set()
    for name in names:
        shown = f"[{name}]" if ":" in name and not name.startswith("[") else name
        out.add(f"{shown}:{port}".lower())
        if port == 80:
            out.add(shown.lower())
    return frozenset(out)


_REFUSED_PAGE = (
    b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Wrong host</title>"
    b"</head><body><main><h1>Wrong host</h1><p>This hiecheck app answers only to the address "
    b"it was started on. Open the address printed by <code>hiecheck serve</code>.</p></main>"
    b"</body></html>"
)


class HostGuard:
    """ASGI middleware: a request whose Host header is not served gets 421; every response gets
    the security headers."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v for k, v in scope["headers"] if k == b"host"), b"")
        if host.decode("latin-1").lower() not in self.hosts:
            await _refuse(send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": MISDIRECTED,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(_REFUSED_PAGE)).encode()),
                (b"connection", b"close"),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": _REFUSED_PAGE})
