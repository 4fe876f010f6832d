"""The reply template language: variables, keys, filters, literals, and load-time errors."""

from __future__ import annotations

import time

import pytest

from fakellm.scenarios.templates import Template, TemplateError

VALUES = {"user": "hello world", "model": "gpt-x", "capture": {"1": "Paris", "city": "Rome"}, "header": {"x-a": "b"}}


def test_variables_are_filled():
    assert Template("You said {{ user }} to {{model}}.").render(VALUES) == "You said hello world to gpt-x."


def test_captures_are_read_by_number_and_name():
    assert Template("{{ capture.1 }}/{{ capture.city }}").render(VALUES) == "Paris/Rome"


def test_header_keys_are_case_insensitive():
    assert Template("{{ header.X-A }}").render(VALUES) == "b"


def test_a_missing_capture_renders_empty():
    assert Template("[{{ capture.9 }}]").render(VALUES) == "[]"


def test_filters_apply_left_to_right():
    assert Template("{{ user | upper }} {{ user | title | length }}").render(VALUES) == "HELLO WORLD 11"


def test_the_json_filter_quotes_a_string():
    assert Template("{{ user | json }}").render({"user": 'say "hi"'}) == '"say \\"hi\\""'


def test_a_literal_writes_braces():
    assert Template('{{ "{{" }} user }}').render(VALUES) == "{{ user }}"


def test_text_without_placeholders_is_unchanged():
    assert Template("plain { text }").render(VALUES) == "plain { text }"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ nope }}", "unknown variable 'nope'"),
        ("{{ user | shout }}", "unknown filter 'shout'"),
        ("{{ capture }}", "'capture' needs a key"),
        ("{{ user.x }}", "'user' takes no key"),
        ("hi {{ user", "'{{' at column 4 is never closed"),
        ("{{ 1 + 1 }}", "cannot read"),
        ("{{ __import__('os') }}", "cannot read"),
    ],
)
def test_mistakes_are_errors_when_parsed(source, message):
    with pytest.raises(TemplateError, match=message.replace("(", "\\(").replace(")", "\\)")):
        Template(source)


def test_variables_lists_what_a_template_uses():
    assert Template("{{ user }} {{ capture.2 }}").variables == {"user", "capture.2"}


def test_many_unclosed_braces_are_reported_without_rescanning_the_rest():
    # A lazy `{{(.*?)}}` retried from each of these took 8 s (quadratic); one pass takes a millisecond,
    # so the bound below is a thousandfold margin, not a benchmark (bench/scenario_files.py measures).
    started = time.perf_counter()
    with pytest.raises(TemplateError, match=r"'\{\{' at column 3 is never closed"):
        Template("x " + "{{" * 20_000)
    assert time.perf_counter() - started < 1


def test_placeholders_are_read_the_same_way_in_one_pass():
    template = Template("{{ user }}{{ user|upper }} {{ '}' }} {{ capture.1 }}!" * 500)
    rendered = template.render({"user": "hi", "capture": {"1": "c"}})
    assert rendered == "hiHI } c!" * 500
    with pytest.raises(TemplateError, match=r"cannot read '\{\{ nope \{\{ user \}\}' at column 12"):
        Template("{{ user }} {{ nope {{ user }}")
