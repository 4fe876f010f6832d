"""The Connect panel's facts: the public base URL, and what each SDK and dialect is given.

The base URL is the one the platforms will see. Behind Replit's proxy, a tunnel or a load balancer,
the request's own `Host` and scheme are the proxy's view; the forwarding headers (`Forwarded`, else
`X-Forwarded-Proto` / `X-Forwarded-Host`) name the public one. What a forwarding header may change
is only the scheme (`http` or `https`) and the host (with its port), never the path; and a
forwarded host is shown only when the server would answer a request addressed to it (the allowed
hosts rule of `fakellm.server.hosts`), since any client can send the header. Nothing here trusts a
forwarded header for access: it only changes what the page displays to whoever sent it.

Every dialect in the registry is listed with its base URL (`fakellm.server.urls`) and its chat
routes, read from its `RouteSpec`s, so a new dialect shows up without an edit here; the SDK
snippets below are extras for the clients people use most.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fakellm.dialects import Dialect

# A host as it may appear in a URL: a name or IPv4 address, or a bracketed IPv6 one, and a port.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?"
_HOST = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])(?::[0-9]{{1,5}})?\Z")
_FORWARDED_PAIR = re.compile(r'\s*([a-z]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*', re.IGNORECASE)
CHAT_SUFFIX = "/chat/completions"
PLACEHOLDER = "{base}"  # where the page puts the base URL (the root, or the root with /s/<scenario>)


@dataclass(frozen=True, slots=True)
class PublicRoot:
    url: str  # scheme://host[:port], no trailing slash
    note: str = ""  # why a forwarded value was not used, when one was not


def _forwarded(value: str) -> dict[str, str]:
    """The first element of a `Forwarded` header (the one the first proxy added) as lower-case pairs."""
    first = value.split(",", 1)[0]
    pairs: dict[str, str] = {}
    for part in first.split(";"):
        match = _FORWARDED_PAIR.fullmatch(part)
        if match:
            pairs[match.group(1).lower()] = match.group(2).strip('"')
    return pairs


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[1 : host.find("]")]
    return host.rsplit(":", 1)[0] if ":" in host else host


def public_root(headers: dict[str, str], scheme: str, allows: Callable[[str], bool]) -> PublicRoot:
    """The base URL as the client sees it. `headers` have lower-case names; `scheme` is the request's;
    `allows(name)` says whether the server answers requests addressed to that host name."""
    host = headers.get("host", "").strip().lower() or "localhost"
    pairs = _forwarded(headers["forwarded"]) if "forwarded" in headers else {}
    proto = (pairs.get("proto") or headers.get("x-forwarded-proto", "").split(",")[0]).strip().lower()
    wanted = (pairs.get("host") or headers.get("x-forwarded-host", "").split(",")[0]).strip().lower()
    note = ""
    if proto in ("http", "https"):
        scheme = proto
    if wanted and wanted != host:
        if not _HOST.match(wanted):
            note = "A forwarding header named a host that is not a valid host name; it is not shown."
        elif not allows(_host_name(wanted)):
            note = (
                f"A proxy forwards requests for '{_host_name(wanted)}', but this server does not answer for that "
                f"name; start fakellm with --allowed-host {_host_name(wanted)} (or bind 0.0.0.0) to use it."
            )
        else:
            host = wanted
    if scheme not in ("http", "https"):
        scheme = "http"
    if scheme == "https" and host.endswith(":443"):
        host = host[:-4]
    elif scheme == "http" and host.endswith(":80"):
        host = host[:-3]
    return PublicRoot(f"{scheme}://{host}", note)


def _route_text(pattern: str) -> str:
    """A route pattern for people: each named group (however nested its regex) as `{name}`."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        match = re.compile(r"\(\?P<([A-Za-z_]+)>").match(pattern, index)
        if match is None:
            char = pattern[index]
            out.append(pattern[index + 1] if char == "\\" and index + 1 < len(pattern) else char)
            index += 2 if char == "\\" else 1
            continue
        depth, index = 1, match.end()
        while index < len(pattern) and depth:  # to the group's own closing parenthesis
            char = pattern[index]
            if char == "\\":
                index += 1
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            index += 1
        out.append("{" + match.group(1) + "}")
    return "".join(out)


def chat_base(dialect: type[Dialect]) -> str | None:
    """The base path a client that appends `/chat/completions` needs for this dialect's first plain
    chat route (`/v1`, `/openai/v1`), or None when it has no such route."""
    for route in dialect.routes:
        if route.operation == "chat" and not route.regex and route.pattern.endswith(CHAT_SUFFIX):
            return route.pattern[: -len(CHAT_SUFFIX)]
    return None


# What each SDK is given, by dialect name; `{base}` is the dialect's base URL, `{key}` the key.
SNIPPETS: dict[str, str] = {
    "openai": 'from openai import OpenAI\n\nclient = OpenAI(\n    base_url="{base}",\n    api_key="{key}",\n)',
    "azure": (
        "from openai import AzureOpenAI\n\n"
        'client = AzureOpenAI(\n    azure_endpoint="{base}",\n    api_key="{key}",\n    api_version="2024-10-21",\n)\n'
        "# model= names the deployment: any name works"
    ),
    "gemini": (
        "from google import genai\nfrom google.genai import types\n\n"
        'client = genai.Client(\n    api_key="{key}",\n    http_options=types.HttpOptions(base_url="{base}"),\n)'
    ),
    "gemini_openai": 'from openai import OpenAI\n\nclient = OpenAI(\n    base_url="{base}",\n    api_key="{key}",\n)',
    "groq": 'from groq import Groq\n\nclient = Groq(\n    base_url="{base}",\n    api_key="{key}",\n)',
    "anthropic": (
        'from anthropic import Anthropic\n\nclient = Anthropic(\n    base_url="{base}",\n    api_key="{key}",\n)'
    ),
    "responses": (
        "from openai import OpenAI\n\n"
        'client = OpenAI(\n    base_url="{base}",\n    api_key="{key}",\n)\n'
        'client.responses.create(model="gpt-4o-mini", input="Hello")'
    ),
    "azure_responses": (
        "from openai import AzureOpenAI\n\n"
        'client = AzureOpenAI(\n    azure_endpoint="{base}",\n    api_key="{key}",\n'
        '    api_version="2025-04-01-preview",\n)\n'
        'client.responses.create(model="gpt-4o-mini", input="Hello")'
    ),
}


def dialect_rows(dialects: Sequence[type[Dialect]]) -> list[dict[str, Any]]:
    """Every dialect by name (a provider's embeddings share its name, on routes of their own): its base
    URL (as a `{base}` template), all its routes, an SDK snippet, and whether "Try it" can speak it."""
    groups: dict[str, list[type[Dialect]]] = {}
    for dialect in dialects:
        groups.setdefault(dialect.name, []).append(dialect)
    known = list(SNIPPETS)  # the SDKs people use most first, then the rest in the registry's order
    rows = []
    for name in sorted(groups, key=lambda n: known.index(n) if n in known else len(known)):
        members = groups[name]
        base = PLACEHOLDER + members[0].client_base_path
        chat = next((found for d in members if (found := chat_base(d)) is not None), None)
        rows.append(
            {
                "name": name,
                "base_url": base,
                "chat_base": None if chat is None else PLACEHOLDER + chat,
                "routes": [f"{r.method} {_route_text(r.pattern)}" for d in members for r in d.routes],
                "snippet": SNIPPETS.get(name, "").replace("{base}", base),
                "try": any(d.streams and d.sample_call("Hi", "m", "KEY", stream=True) is not None for d in members),
            }
        )
    return rows
