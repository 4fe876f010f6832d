"""The request context: made once by the router, read by every stage, changed by none."""

from __future__ import annotations

import dataclasses
import time

import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.ids import IdSource


def test_every_field_is_set_and_none_can_be_changed() -> None:
    ids = IdSource(7)
    ctx = RequestContext(
        OpenAIDialect(), "POST", "/s/x/v1/chat/completions", "chat", {"a": "b"}, {"q": "1"}, {"p": "2"}, "x",
        route_path="/v1/chat/completions", started=1.5, wall_time=2.5, ids=ids,
    )  # fmt: skip
    values = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)}
    assert values == {
        "dialect": ctx.dialect,
        "method": "POST",
        "path": "/s/x/v1/chat/completions",
        "operation": "chat",
        "headers": {"a": "b"},
        "query": {"q": "1"},
        "path_params": {"p": "2"},
        "scenario_from_path": "x",
        "route_path": "/v1/chat/completions",
        "started": 1.5,
        "wall_time": 2.5,
        "ids": ids,
    }
    for name in values:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(ctx, name, None)
    assert not hasattr(ctx, "scenario")  # what the server decides later lives on the pipeline's exchange


def test_defaults_for_a_context_made_by_hand() -> None:
    before = time.monotonic()
    ctx = RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", {"x-a": "1"}, {})
    assert (ctx.path_params, ctx.scenario_from_path, ctx.route_path) == ({}, None, "")
    assert before <= ctx.started <= time.monotonic()
    assert abs(ctx.wall_time - time.time()) < 5
    assert ctx.header("X-A") == "1"
    assert RequestContext(OpenAIDialect(), "GET", "/", "models", {}, {}).path_params is not ctx.path_params
