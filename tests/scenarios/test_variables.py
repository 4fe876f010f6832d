"""Template variables: one registry that a template's validation and its rendering both read."""

from __future__ import annotations

import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.scenarios import variables
from fakellm.scenarios.format import ReplySpec
from fakellm.scenarios.generate import Generator
from fakellm.scenarios.replies import build_reply
from fakellm.scenarios.templates import Template, TemplateError
from fakellm.scenarios.variables import VARIABLES, ReplyEnv, Variable


def _env() -> ReplyEnv:
    messages = [
        Message("system", [TextPart("be brief")]),
        Message("user", [TextPart("hello")]),
        Message("tool", [TextPart("22C")], tool_call_id="c1"),
    ]
    ctx = RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", {"x-user": "ann"}, {})
    return ReplyEnv(ChatRequest("openai", "gpt-4o", messages), ctx, {"1": "cap"}, Generator(1), "demo", "rule 1")


EXPECTED = {
    "user": "hello",
    "system": "be brief",
    "model": "gpt-4o",
    "dialect": "openai",
    "turn": "1",
    "tool_result": "22C",
    "scenario": "demo",
    "rule": "rule 1",
    "capture.1": "cap",
    "header.X-User": "ann",
}


def test_every_variable_validates_and_renders():
    names = {reference.partition(".")[0] for reference in EXPECTED}
    assert names == set(VARIABLES)
    for reference, value in EXPECTED.items():
        assert Template("{{ " + reference + " }}").render(_env().values()) == value, reference


def test_keyed_variables_need_a_key_and_the_others_take_none():
    for name, variable in VARIABLES.items():
        with pytest.raises(TemplateError):
            Template("{{ " + (name if variable.keyed else f"{name}.x") + " }}")


def test_the_error_lists_the_registry():
    with pytest.raises(TemplateError) as caught:
        Template("{{ nope }}")
    for name, variable in VARIABLES.items():
        assert (f"{name}.KEY" if variable.keyed else name) in str(caught.value)


def test_a_variable_added_to_the_registry_is_accepted_and_rendered(monkeypatch):
    monkeypatch.setitem(variables.VARIABLES, "shout", Variable(lambda env: env.request.last_user_text.upper()))
    spec = ReplySpec.model_validate({"template": "{{ shout }}!"})  # validation reads the registry...
    assert build_reply(spec, _env()).text == "HELLO!"  # ...and so does rendering
    monkeypatch.delitem(variables.VARIABLES, "shout")
    with pytest.raises(ValueError, match="unknown variable 'shout'"):
        ReplySpec.model_validate({"template": "{{ shout }}"})
