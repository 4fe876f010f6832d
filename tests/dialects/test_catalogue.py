"""The model catalogue: the shipped data loads, and lookups answer per dialect."""

from __future__ import annotations

import pytest

from fakellm.dialects import DIALECTS
from fakellm.dialects.catalogue import catalogue
from fakellm.errors import ApiError


def test_every_dialect_knows_some_models() -> None:
    for dialect in DIALECTS:
        assert catalogue().model_ids(dialect.name), dialect.name


def test_snapshots_are_reported_and_unknown_names_are_kept() -> None:
    assert catalogue().reported("openai", "gpt-4o-mini") == "gpt-4o-mini-2024-07-18"
    assert catalogue().reported("azure", "gpt-4o") == "gpt-4o-2024-11-20"
    assert catalogue().reported("openai", "my-model") == "my-model"
    assert catalogue().family("groq", "gpt-4o") is None  # each provider its own models


def test_gemini_openai_route_serves_geminis_models_with_or_without_the_prefix() -> None:
    family = catalogue().family("gemini_openai", "models/gemini-3-pro-preview")
    assert family is not None
    assert family.thought_signatures == "required"
    assert catalogue().family("gemini", "gemini-2.5-flash").thought_signatures == "sent"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"max_tokens": 5}, "unsupported_parameter"),
        ({"temperature": 0}, "unsupported_value"),
        ({"temperature": 1}, None),
        ({"max_completion_tokens": 5, "temperature": None}, None),
    ],
)
def test_reasoning_families_refuse_fields(body: dict[str, object], code: str | None) -> None:
    family = catalogue().family("openai", "gpt-5")
    assert family is not None
    if code is None:
        family.check(body)
        return
    with pytest.raises(ApiError) as caught:
        family.check(body)
    assert (caught.value.status, caught.value.code) == (400, code)
