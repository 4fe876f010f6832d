"""Allowed hosts and browser origins: a rebound name or another site's page is refused, by default."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import httpx
import pytest

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.server.hosts import HostPolicy, host_name
from fakellm.testing.server_thread import ServerThread

SECRET = "the secret prompt"
CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": SECRET}]}).encode()
EVIL = "rebound.evil.example"


def _exchange(server: ServerThread, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one raw request (so the Host header is exactly ours) and read the whole answer."""
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def get(server: ServerThread, path: str, host: str, *extra: str) -> tuple[int, dict[str, str], bytes]:
    head = "\r\n".join([f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: close", *extra])
    return _exchange(server, (head + "\r\n\r\n").encode())


def post(
    server: ServerThread, path: str, host: str, *extra: str, content_type: str = "application/json"
) -> tuple[int, dict[str, str], bytes]:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Type: {content_type}", "Connection: close"]
    head = "\r\n".join([*lines, f"Content-Length: {len(CHAT)}", *extra])
    return _exchange(server, (head + "\r\n\r\n").encode() + CHAT)


# --- the Host header ---------------------------------------------------------------------------------


def test_a_rebound_name_cannot_read_the_journal(make_server: Callable[..., ServerThread]) -> None:
    server = make_server()
    post(server, "/v1/chat/completions", f"127.0.0.1:{server.port}")  # a prompt the attacker wants
    status, headers, body = get(server, "/_fakellm/requests", f"{EVIL}:{server.port}")
    assert status == 421
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "misdirected_request"
    assert SECRET.encode() not in body
    assert SECRET.encode() in get(server, "/_fakellm/requests", f"localhost:{server.port}")[2]


def test_a_rebound_name_gets_421_in_the_dialect_shape_and_is_not_answered(
    make_server: Callable[..., ServerThread],
) -> None:
    server = make_server()
    status, _, body = post(server, "/v1/chat/completions", EVIL)
    assert status == 421
    error = json.loads(body)["error"]
    assert error["code"] == "misdirected_request"
    assert EVIL in error["message"]
    status, _, body = post(server, "/v1beta/models/gemini-2.0-flash:generateContent", EVIL)
    assert status == 421
    assert json.loads(body)["error"]["status"]  # Gemini's shape: {"error": {"code", "message", "status"}}
    [first, second] = server.app.journal.entries()
    assert (first.status, first.scenario, second.status) == (421, None, 421)


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "[::1]", "app.localhost", "127.0.0.2", "fakellm"])
def test_loopback_and_single_label_names_are_answered_on_any_port(
    make_server: Callable[..., ServerThread], name: str
) -> None:
    server = make_server()
    assert post(server, "/v1/chat/completions", f"{name}:{server.port}")[0] == 200
    assert post(server, "/v1/chat/completions", name)[0] == 200
    assert get(server, "/_fakellm/requests", f"{name}:1234")[0] == 200


def test_allowed_hosts_add_names_wildcards_included(make_server: Callable[..., ServerThread]) -> None:
    server = make_server(allowed_hosts=["fake.example.com", "*.apps.example.org"])
    for name in ("fake.example.com", "FAKE.example.com:443", "a.apps.example.org", "localhost"):
        assert post(server, "/v1/chat/completions", name)[0] == 200, name
    for name in ("apps.example.org", "example.com", EVIL, "fakellm"):
        assert post(server, "/v1/chat/completions", name)[0] == 421, name


def test_x_forwarded_host_is_not_trusted(make_server: Callable[..., ServerThread]) -> None:
    server = make_server()
    assert post(server, "/v1/chat/completions", EVIL, "X-Forwarded-Host: localhost")[0] == 421


def test_a_server_bound_to_every_interface_answers_any_name() -> None:
    app = FakeLLMApp(ServerConfig(host="0.0.0.0"))
    server = ServerThread(app, "0.0.0.0").start()
    try:
        server.host = "127.0.0.1"  # reach it over loopback, as a platform's proxy may
        assert post(server, "/v1/chat/completions", "my-fake.up.railway.app")[0] == 200
        assert get(server, "/_fakellm/health", "my-fake.up.railway.app")[0] == 200
    finally:
        server.stop()


def test_in_process_asgi_clients_are_not_judged_by_host() -> None:
    async def go() -> int:
        transport = httpx.ASGITransport(app=FakeLLMApp(ServerConfig()))
        async with httpx.AsyncClient(transport=transport, base_url="http://test.example") as client:
            return (await client.post("/v1/chat/completions", content=CHAT)).status_code

    import asyncio

    assert asyncio.run(go()) == 200


# --- browser pages on other sites --------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        "Origin: https://evil.example",
        "Origin: null",
        "Sec-Fetch-Site: cross-site",
    ],
)
def test_other_sites_pages_cannot_use_the_admin_routes(make_server: Callable[..., ServerThread], extra: str) -> None:
    server = make_server()
    status, _, body = get(server, "/_fakellm/requests", f"127.0.0.1:{server.port}", extra)
    assert status == 403
    assert json.loads(body)["error"]["code"] == "cross_origin_request"


@pytest.mark.parametrize(
    "extra",
    [
        "Sec-Fetch-Site: same-origin",
        "Sec-Fetch-Site: none",  # typed into the address bar
        "Origin: http://localhost:3000",  # a local page: loopback names are allowed by name
    ],
)
def test_same_origin_and_local_pages_may_use_the_admin_routes(
    make_server: Callable[..., ServerThread], extra: str
) -> None:
    server = make_server()
    assert get(server, "/_fakellm/requests", f"127.0.0.1:{server.port}", extra)[0] == 200
    own = f"Origin: http://127.0.0.1:{server.port}"
    assert get(server, "/_fakellm/requests", f"127.0.0.1:{server.port}", own)[0] == 200


def test_a_cross_site_simple_post_is_refused_and_not_acted_on(make_server: Callable[..., ServerThread]) -> None:
    server = make_server()
    status, _, body = post(
        server,
        "/v1/chat/completions",
        f"localhost:{server.port}",
        "Origin: https://evil.example",
        "Sec-Fetch-Site: cross-site",
        content_type="text/plain",  # a "simple" request: the browser sends it without asking first
    )
    assert status == 403
    assert json.loads(body)["error"]["code"] == "cross_origin_request"
    [entry] = server.app.journal.entries()
    assert (entry.status, entry.scenario, entry.request) == (403, None, None)  # no scenario ran


# --- the policy on its own ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "name"),
    [("localhost:8000", "localhost"), ("[::1]:80", "::1"), ("[::1]", "::1"), ("Example.COM.", "example.com")],
)
def test_host_name(value: str, name: str) -> None:
    assert host_name(value) == name


def test_a_loopback_server_reached_on_another_address_was_bound_elsewhere() -> None:
    # `uvicorn --factory --host 0.0.0.0 fakellm.server.app:create_app`: the config says loopback.
    policy = HostPolicy((), "127.0.0.1")
    scope = {"headers": [(b"host", b"my.example.com")], "server": ("10.0.0.5", 8000)}
    assert policy.refusal(scope) is None
    assert policy.refusal({**scope, "server": ("127.0.0.1", 8000)}) is not None
