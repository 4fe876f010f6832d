"""A request written on a raw socket, as a client that is not an HTTP library writes it."""

from __future__ import annotations

import json
from typing import Any

from fakellm.testing.server_thread import ServerThread


def json_post(server: ServerThread, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> bytes:
    """The bytes of a whole HTTP/1.1 POST of `body` as JSON to `server`, with `headers` besides."""
    payload = json.dumps(body).encode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\nContent-Type: application/json\r\n"
        f"{extra}Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload
