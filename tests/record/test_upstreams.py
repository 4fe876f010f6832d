"""`--upstream NAME=URL`: names from the dialect registry, URLs checked, env vars, shared upstreams."""

from __future__ import annotations

import pytest

from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.gemini.openai_compat import GeminiOpenAIDialect
from fakellm.dialects.groq import GroqDialect
from fakellm.record.upstreams import UpstreamError, Upstreams, parse_upstream


def test_names_come_from_the_registry_and_urls_are_checked() -> None:
    assert parse_upstream("openai=https://api.openai.com/") == ("openai", "https://api.openai.com")
    with pytest.raises(UpstreamError, match="unknown dialect 'claude'"):
        parse_upstream("claude=https://x")
    with pytest.raises(UpstreamError, match="http:// or https://"):
        parse_upstream("groq=api.groq.com")
    with pytest.raises(UpstreamError, match="NAME=URL"):
        parse_upstream("https://api.openai.com")
    with pytest.raises(UpstreamError, match="no query"):
        parse_upstream("gemini=https://g.example?key=AIza-secret")


def test_env_vars_and_flags_merge_flags_winning() -> None:
    env = Upstreams.from_env({"FAKELLM_UPSTREAM_GROQ": "https://api.groq.com", "FAKELLM_UPSTREAM_OPENAI": "http://a"})
    merged = env.merged(Upstreams.parse(["openai=http://b"]))
    assert merged.urls == {"groq": "https://api.groq.com", "openai": "http://b"}


def test_a_dialect_may_share_another_ones_upstream() -> None:
    upstreams = Upstreams.parse(["gemini=https://generativelanguage.googleapis.com"])
    assert upstreams.for_dialect(GeminiOpenAIDialect()) == "https://generativelanguage.googleapis.com"
    assert upstreams.for_dialect(GeminiDialect()) == "https://generativelanguage.googleapis.com"
    assert upstreams.for_dialect(GroqDialect()) is None
    assert "--upstream groq=" in upstreams.missing_message(GroqDialect())
