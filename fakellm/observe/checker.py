"""`POST /_fakellm/dashboard/check`: run `fakellm check` against a URL from the page, bounded.

One check at a time per server (a second gets 429), each request of it bounded by a timeout of at
most `MAX_TIMEOUT_S`, the whole run by `RUN_LIMIT_S`; the check runs in a worker thread, so the
server keeps answering meanwhile. The server makes these requests itself, so where they may go is
limited: never to link-local or multicast addresses (cloud metadata services live there), and,
when the server can be reached from outside without a key, not to private or loopback addresses
either (it would let anyone probe the network the server sits in).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fakellm.check.run import DEFAULT_MODEL, run_check

MAX_TIMEOUT_S = 15.0
RUN_LIMIT_S = 60.0
RESOLVE_LIMIT_S = 3.0
MAX_BODY = 8192


def _error(status: int, message: str, code: str) -> Response:
    return JSONResponse({"error": {"message": message, "type": "fakellm_error", "code": code}}, status_code=status)


class CheckRunner:
    def __init__(self, *, exposed: bool) -> None:
        """`exposed`: the server can be reached from outside with no key (targets are then limited)."""
        self.exposed = exposed
        self._busy = asyncio.Lock()

    async def _refusal(self, host: str, port: int) -> str | None:
        try:
            infos = await asyncio.wait_for(asyncio.to_thread(socket.getaddrinfo, host, port), RESOLVE_LIMIT_S)
        except (OSError, TimeoutError):
            return f"Cannot resolve the host '{host}'."
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if address.is_link_local or address.is_multicast or address.is_unspecified:
                return f"'{host}' is a link-local, multicast or unspecified address; fakellm does not send there."
            if self.exposed and (address.is_private or address.is_loopback or address.is_reserved):
                return (
                    f"'{host}' is a private or loopback address, and this server is public without a key: "
                    "start fakellm with --api-key to check private endpoints from the dashboard."
                )
        return None

    async def endpoint(self, request: Request) -> Response:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return _error(413, "The check request is too large.", "too_large")
        try:
            form: Any = json.loads(raw or b"{}")
        except ValueError:
            return _error(400, "The body must be a JSON object.", "invalid_json")
        if not isinstance(form, dict):
            return _error(400, "The body must be a JSON object.", "invalid_json")
        url, key, model = form.get("url"), form.get("api_key") or None, form.get("model") or DEFAULT_MODEL
        timeout = form.get("timeout", 10)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return _error(400, "'url' must start with http:// or https://.", "invalid_url")
        if not isinstance(key, str | None) or not isinstance(model, str):
            return _error(400, "'api_key' and 'model' must be strings.", "invalid_type")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= MAX_TIMEOUT_S:
            return _error(400, f"'timeout' must be a number of seconds from 0 to {MAX_TIMEOUT_S:g}.", "invalid_timeout")
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return _error(400, "'url' is not a valid URL.", "invalid_url")
        if not host:
            return _error(400, "'url' has no host.", "invalid_url")
        if (refusal := await self._refusal(host, port)) is not None:
            return _error(400, refusal, "target_refused")
        if self._busy.locked():
            return _error(429, "A check is already running; wait for it to finish.", "check_running")
        async with self._busy:
            try:
                report = await asyncio.wait_for(
                    asyncio.to_thread(run_check, url, api_key=key, model=model, timeout=float(timeout)), RUN_LIMIT_S
                )
            except TimeoutError:
                return _error(504, f"The check took longer than {RUN_LIMIT_S:g} s.", "check_timeout")
            except Exception as exc:  # a URL httpx cannot use, a refused connection: say so, never a 500
                return _error(502, f"The check could not run: {type(exc).__name__}: {exc}", "check_failed")
        return JSONResponse({"passed": report.passed, "text": report.render(), "report": json.loads(report.to_json())})
