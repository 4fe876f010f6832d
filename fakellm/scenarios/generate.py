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

from fakellm.scenarios import schema_values
from fakellm.scenarios.format import GenerateSpec

_ALNUM = string.ascii_letters + string.digits
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
        """An object that validates against a tool's `parameters` schema, small and finite whatever it asks."""
        return schema_values.arguments(self, schema)
