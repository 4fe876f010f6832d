"""Where `fakellm record` forwards each dialect: `--upstream NAME=URL`, NAME a registered dialect.

The names come from the dialect registry, so a new dialect can be recorded without a change here.
A dialect with no upstream of its own uses the one of the dialect it `shares_upstream_with`
(Gemini's OpenAI-compatible route goes to Gemini's host); with neither, the proxy answers 502.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from fakellm.dialects import DIALECTS, Dialect

ENV_PREFIX = "FAKELLM_UPSTREAM_"  # FAKELLM_UPSTREAM_OPENAI=https://api.openai.com, one a dialect


class UpstreamError(ValueError):
    """A `--upstream` that cannot be used: an unknown dialect, or not an http(s) URL."""


def dialect_names() -> list[str]:
    return sorted(d.name for d in DIALECTS)


def parse_upstream(text: str) -> tuple[str, str]:
    """`NAME=URL` → (dialect name, URL without a trailing slash)."""
    name, sep, url = text.partition("=")
    name, url = name.strip(), url.strip()
    if not sep or not name or not url:
        raise UpstreamError(f"expected NAME=URL (NAME one of {', '.join(dialect_names())}), got {text!r}")
    if name not in dialect_names():
        raise UpstreamError(f"unknown dialect {name!r} in {text!r}; known: {', '.join(dialect_names())}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UpstreamError(f"the upstream for {name} must be an http:// or https:// URL, got {url!r}")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise UpstreamError(f"the upstream for {name} takes no query, fragment or credentials: {url!r}")
    return name, url.rstrip("/")


class Upstreams:
    """The upstream of each dialect name."""

    def __init__(self, urls: Mapping[str, str]) -> None:
        self.urls = dict(urls)

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Upstreams:
        return cls(dict(parse_upstream(s) for s in specs))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Upstreams:
        """`FAKELLM_UPSTREAM_<DIALECT>` variables (OPENAI, GEMINI, GROQ, AZURE, …)."""
        environ = os.environ if environ is None else environ
        found = [
            f"{name}={environ[ENV_PREFIX + name.upper()]}"
            for name in dialect_names()
            if environ.get(ENV_PREFIX + name.upper())
        ]
        return cls.parse(found)

    def merged(self, other: Upstreams) -> Upstreams:
        """These with `other`'s over them."""
        return Upstreams({**self.urls, **other.urls})

    def __bool__(self) -> bool:
        return bool(self.urls)

    def for_dialect(self, dialect: Dialect) -> str | None:
        url = self.urls.get(dialect.name)
        if url is None and dialect.shares_upstream_with is not None:
            url = self.urls.get(dialect.shares_upstream_with)
        return url

    def missing_message(self, dialect: Dialect) -> str:
        flag = f"--upstream {dialect.name}=https://…"
        if dialect.shares_upstream_with:
            flag += f" (or --upstream {dialect.shares_upstream_with}=…)"
        given = ", ".join(sorted(self.urls)) or "none"
        return (
            f"fakellm record has no upstream for the {dialect.name} dialect: start it with {flag}. "
            f"Upstreams given: {given}."
        )
