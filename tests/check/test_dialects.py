"""The dialects `fakellm check --dialect` offers, and the check behind each."""

from __future__ import annotations

from fakellm.check.dialects import DEFAULT_MODELS
from fakellm.check.targets import TARGETS


def test_every_dialect_the_command_offers_has_a_check() -> None:
    """`--dialect` offers the keys of `DEFAULT_MODELS`: each is an OpenAI-style target or a check of its own."""
    assert set(DEFAULT_MODELS) == {*TARGETS, "responses", "anthropic"}
    assert all(TARGETS[name].default_model == DEFAULT_MODELS[name] for name in TARGETS)
