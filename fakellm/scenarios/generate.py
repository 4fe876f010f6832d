"""Generated content: Faker text, tool-call ids, and tool arguments that fit a JSON Schema.

Everything draws from one `Generator`, seeded per request from `--seed` or the
`X-FakeLLM-Seed` header mixed with what the request asked, so the same request
with the same seed always gets the same answer, and another seed another one.
"""

from __future__ import annotations

import hashlib
import random
import string
import threading
from typing import Any

from faker import Faker

from fakellm.scenarios.format import GenerateSpec

_ALNUM = string.ascii_letters + string.digits
_MAX_DEPTH = 8
_local = threading.local()


def _faker() -> Faker:
    # Faker instances are not safe to share across server threads; one per thread, made once.
    faker = getattr(_local, "faker", None)
    if faker is None:
        faker = _local.faker = Faker("en_US")
    return faker


def derive_seed(seed: int, *parts: object) -> int:
    """A stable 63-bit seed from a base seed and anything else (Python's `hash` is salted per process)."""
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


class Generator:
    """Seeded (reproducible) or unseeded (fresh every time) text, ids and arguments."""

    def __init__(self, seed: int | None) -> None:
        self.seeded = seed is not None
        # Made on first use: most replies (echo, fixed text) never draw, and an unseeded
        # `Random()` reads 2.5 kB from the OS, a large share of a request's cost.
        self._seed = seed
        self._rng: random.Random | None = None
        self._faker: Faker | None = None
        self._faker_seed = 0

    def _start(self) -> random.Random:
        rng = random.Random(self._seed)
        self._faker_seed = rng.getrandbits(63)  # drawn first, as it always was
        self._rng = rng
        return rng

    @property
    def rng(self) -> random.Random:
        return self._rng if self._rng is not None else self._start()

    @property
    def faker(self) -> Faker:
        if self._faker is None:
            if self._rng is None:
                self._start()
            self._faker = _faker()
            self._faker.seed_instance(self._faker_seed)
        return self._faker

    def text(self, spec: GenerateSpec) -> str:
        if spec.sentences is not None:
            return " ".join(self.faker.sentences(spec.sentences))
        if spec.paragraphs is not None:
            return "\n\n".join(self.faker.paragraphs(spec.paragraphs))
        return " ".join(self.faker.words(spec.words or 1))

    def call_id(self) -> str:
        return "call_" + "".join(self.rng.choices(_ALNUM, k=24))

    def arguments(self, schema: dict[str, Any]) -> dict[str, Any]:
        """An object that validates against a tool's `parameters` schema (types, enums, required)."""
        value = self.value(schema, schema, "", 0)
        return value if isinstance(value, dict) else {}

    def value(self, schema: Any, root: dict[str, Any], name: str, depth: int) -> Any:
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return None
        schema = _resolve(schema, root)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.rng.choice(schema["enum"])
        for key in ("anyOf", "oneOf", "allOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                typed = [o for o in options if str(_resolve(o, root).get("type")).lower() != "null"] or options
                return self.value(typed[0], root, name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if str(k).lower() != "null"), "null")
        if isinstance(kind, str):
            kind = kind.lower()  # Gemini's `parameters` schema spells types in capitals (OBJECT, STRING)
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
        if kind == "object":
            return self._object(schema, root, depth)
        if kind == "array":
            return self._array(schema, root, name, depth)
        if kind == "integer":
            bottom, top = _bounds(schema, 0.0, 100.0)
            return self.rng.randint(int(bottom), int(top))
        if kind == "number":
            bottom, top = _bounds(schema, 0.0, 100.0)
            return round(self.rng.uniform(bottom, top), 2)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return self._string(schema, name)

    def _array(self, schema: dict[str, Any], root: dict[str, Any], name: str, depth: int) -> list[Any]:
        low = int(schema.get("minItems", 1))
        high = max(low, min(int(schema.get("maxItems", low + 2)), low + 2))
        return [self.value(schema.get("items", {}), root, name, depth + 1) for _ in range(self.rng.randint(low, high))]

    def _object(self, schema: dict[str, Any], root: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            return {}
        return {key: self.value(sub, root, key, depth + 1) for key, sub in properties.items()}

    def _string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        if fmt == "date":
            text = self.faker.date()
        elif fmt == "date-time":
            text = self.faker.iso8601()
        elif fmt == "email":
            text = self.faker.email()
        elif fmt in ("uri", "url"):
            text = self.faker.url()
        elif fmt == "uuid":
            text = str(self.faker.uuid4())
        else:
            text = self._named_string(name.lower())
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        text = text.ljust(low, "x")
        return text[: int(high)] if isinstance(high, int) else text

    def _named_string(self, name: str) -> str:
        # A plausible value for a parameter called `city`, `email`, `name`, ...: demos read better.
        for hint, make in (
            ("email", self.faker.email),
            ("city", self.faker.city),
            ("location", self.faker.city),
            ("country", self.faker.country),
            ("address", self.faker.address),
            ("phone", self.faker.phone_number),
            ("url", self.faker.url),
            ("date", self.faker.date),
            ("name", self.faker.name),
            ("company", self.faker.company),
        ):
            if hint in name:
                return str(make())
        return " ".join(self.faker.words(self.rng.randint(1, 3)))


def _resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (`#/$defs/X`, `#/definitions/X`), as pydantic-made tool schemas use."""
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < _MAX_DEPTH:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema, seen = target, seen + 1
    return schema if isinstance(schema, dict) else {}


def _bounds(schema: dict[str, Any], low: float, high: float) -> tuple[float, float]:
    minimum = schema.get("minimum", schema.get("exclusiveMinimum"))
    maximum = schema.get("maximum", schema.get("exclusiveMaximum"))
    if isinstance(minimum, int | float):
        low = float(minimum) + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
        high = max(high, low + 100) if not isinstance(maximum, int | float) else high
    if isinstance(maximum, int | float):
        high = float(maximum) - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0)
        low = min(low, high)
    return low, high
