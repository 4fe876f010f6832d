"""Which host names a request may be addressed to, and which browser origins may make one.

Without it, a page in the user's browser could rebind its own name to 127.0.0.1 (DNS rebinding) and
read the journal, every prompt included, as a same-origin request; and any page could make the
browser send a simple (unpreflighted) POST to a provider route and have it acted on.

The rules (`HostPolicy.refusal`):

- Host. Loopback names (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`, with any port) always
  pass. Without `allowed_hosts`, a server bound to loopback accepts besides them only single-label
  names (`fakellm`, a container's or this machine's name: a rebinding page needs a name in public
  DNS, which always has a dot), and a server bound
  to a wildcard (`0.0.0.0`, `::`) or to a public address accepts any name: that is what a platform's
  proxy (Replit, a Docker port mapping) forwards, with the public name in `Host`. With
  `allowed_hosts`, only those names (`*.example.com`: any subdomain; `*`: anything) and loopback.
  Only `Host` is judged, never `X-Forwarded-Host`: any client may send that header, and trusting it
  would take a list of trusted proxies; a proxy that rewrites `Host` names the upstream, which is a
  loopback (always allowed) or an internal name (allow it with `--allowed-host`). Requests that did
  not come over TCP (an in-process ASGI transport: `scope["server"]` is not an IP address) are not
  judged by host, and neither are those a loopback-bound server received on another address (the
  server was bound by someone else, e.g. `uvicorn --factory --host 0.0.0.0`).
- Browsers. A request whose `Origin` is neither the request's own host nor a name the rules above
  allow explicitly (loopback, or `allowed_hosts`), or that says `Sec-Fetch-Site: cross-site`, comes
  from another site's page: refused on every route. Browsers send both headers; SDKs and servers
  send neither, so only pages are affected, and a page on another origin could never read fakellm's
  answers anyway (it sends no CORS headers, so JSON requests fail their preflight).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import Scope

from fakellm.errors import ApiError

WILDCARD_BINDS = frozenset({"0.0.0.0", "::", ""})


def host_name(value: str) -> str:
    """The name in a `Host` value or an origin's authority: no port, no brackets, lower case."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1 : value.find("]")] if "]" in value else value[1:]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def is_loopback(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _ip(name)
    return address is not None and address.is_loopback


def _matches(name: str, pattern: str) -> bool:
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return name.endswith(pattern[1:])
    return name == pattern


class HostPolicy:
    def __init__(self, allowed_hosts: Sequence[str], bound: str) -> None:
        self.patterns = tuple(p if p.startswith("*") else host_name(p) for p in allowed_hosts)
        bound_name = host_name(bound) if bound not in WILDCARD_BINDS else bound
        # Without a list: loopback names only when bound to loopback; any name otherwise.
        self.loopback_only = not self.patterns and is_loopback(bound_name)
        self.any_host = not self.patterns and not self.loopback_only
        self._judged: dict[tuple[str, str], bool] = {}  # (Host, local address): allowed; a client sends few

    def named(self, name: str) -> bool:
        """Whether `name` is allowed by name: a loopback name, or one of `allowed_hosts`."""
        return is_loopback(name) or any(_matches(name, p) for p in self.patterns)

    def allows_host(self, name: str, local_address: str) -> bool:
        if self.any_host or self.named(name):
            return True
        if self.loopback_only and name and "." not in name and ":" not in name:
            return True  # a single-label name (a container's or this machine's): no public DNS serves one
        local = _ip(local_address)
        # A loopback-bound server only hears on loopback; anything else means it was bound elsewhere.
        return self.loopback_only and local is not None and not local.is_loopback

    def refusal(self, scope: Scope) -> ApiError | None:
        """The error to answer `scope` with, or None when it may go on."""
        host = origin = fetch_site = None
        for key, value in scope["headers"]:
            if key == b"host":
                host = value.decode("latin-1")
            elif key == b"origin":
                origin = value.decode("latin-1")
            elif key == b"sec-fetch-site":
                fetch_site = value.decode("latin-1")
        return self.judge(scope, host, origin, fetch_site)

    def judge(self, scope: Scope, host: str | None, origin: str | None, fetch_site: str | None) -> ApiError | None:
        """`refusal` for headers already read (`Host`, `Origin`, `Sec-Fetch-Site`)."""
        if host is not None and not self.any_host:
            server = scope.get("server")
            local = str(server[0]) if server else ""
            allowed = self._judged.get((host, local))
            if allowed is None:
                allowed = _ip(local) is None or self.allows_host(host_name(host), local)
                if len(self._judged) < 1024:
                    self._judged[host, local] = allowed
            if not allowed:
                return self._misdirected(host)
        if fetch_site == "cross-site" or (origin is not None and not self._origin_allowed(origin, host)):
            return ApiError(
                403,
                "Requests from another site's page are refused (Origin or Sec-Fetch-Site says the request "
                "comes from a browser page on another site).",
                code="cross_origin_request",
            )
        return None

    def _misdirected(self, host: str) -> ApiError:
        return ApiError(
            421,
            f"This server does not answer for the host '{host_name(host)}'. Address it by an allowed name "
            "(start fakellm with --allowed-host NAME to allow one).",
            code="misdirected_request",
        )

    def _origin_allowed(self, origin: str, host: str | None) -> bool:
        scheme, _, authority = origin.partition("://")
        if not authority or scheme not in ("http", "https"):  # `null`: a sandboxed page or a file
            return False
        authority = authority.rstrip("/").lower()
        return (host is not None and authority == host.strip().lower()) or self.named(host_name(authority))
