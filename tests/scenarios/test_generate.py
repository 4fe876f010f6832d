"""Generated content: seeded Faker text, call ids, and tool arguments that fit their JSON Schema."""

from __future__ import annotations

import re

from fakellm.scenarios.format import GenerateSpec
from fakellm.scenarios.generate import Generator, derive_seed

SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "ratio": {"type": "number", "minimum": 0, "maximum": 1},
        "detailed": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        "when": {"type": "string", "format": "date"},
        "nested": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
        "maybe": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
        "fixed": {"const": "v1"},
    },
    "required": ["city", "unit"],
}


def spec(**kw):
    return GenerateSpec.model_validate(kw)


def test_the_same_seed_gives_the_same_text():
    assert Generator(7).text(spec(sentences=3)) == Generator(7).text(spec(sentences=3))


def test_another_seed_gives_other_text():
    assert Generator(7).text(spec(sentences=3)) != Generator(8).text(spec(sentences=3))


def test_unseeded_text_varies():
    texts = {Generator(None).text(spec(sentences=2)) for _ in range(3)}
    assert len(texts) > 1


def test_sentences_paragraphs_and_words_have_the_asked_size():
    assert len(Generator(1).text(spec(words=12)).split()) == 12
    assert len(Generator(1).text(spec(paragraphs=3)).split("\n\n")) == 3
    assert Generator(1).text(spec(sentences=4)).count(".") == 4


def test_call_ids_look_like_openai_ids_and_follow_the_seed():
    first = Generator(3).call_id()
    assert re.fullmatch(r"call_[A-Za-z0-9]{24}", first)
    assert Generator(3).call_id() == first
    assert Generator(4).call_id() != first


def test_arguments_honour_types_enums_bounds_and_required():
    for seed in range(20):
        args = Generator(seed).arguments(SCHEMA)
        assert {"city", "unit"} <= set(args)
        assert isinstance(args["city"], str)
        assert args["city"]
        assert args["unit"] in ("celsius", "fahrenheit")
        assert isinstance(args["days"], int)
        assert 1 <= args["days"] <= 7
        assert 0 <= args["ratio"] <= 1
        assert isinstance(args["detailed"], bool)
        assert len(args["tags"]) >= 2
        assert all(isinstance(t, str) for t in args["tags"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", args["when"])
        assert isinstance(args["nested"]["id"], int)
        assert isinstance(args["maybe"], int)
        assert args["fixed"] == "v1"


def test_arguments_follow_local_refs_as_pydantic_schemas_use():
    schema = {
        "type": "object",
        "$defs": {"Unit": {"enum": ["c", "f"], "type": "string"}},
        "properties": {"unit": {"$ref": "#/$defs/Unit"}},
        "required": ["unit"],
    }
    assert Generator(1).arguments(schema)["unit"] in ("c", "f")


def test_arguments_are_reproducible_with_a_seed():
    assert Generator(5).arguments(SCHEMA) == Generator(5).arguments(SCHEMA)


def test_an_empty_schema_gives_an_empty_object():
    assert Generator(1).arguments({}) == {}


def test_derived_seeds_are_stable_and_sensitive_to_every_part():
    assert derive_seed(1, "a", 2) == derive_seed(1, "a", 2)
    assert derive_seed(1, "a", 2) != derive_seed(1, "a", 3)
    assert derive_seed(1, "a", 2) != derive_seed(2, "a", 2)


def test_arguments_read_gemini_capitalised_types():
    schema = {"type": "OBJECT", "properties": {"days": {"type": "INTEGER"}, "city": {"type": "STRING"}}}
    args = Generator(1).arguments(schema)
    assert isinstance(args["days"], int)
    assert isinstance(args["city"], str)
