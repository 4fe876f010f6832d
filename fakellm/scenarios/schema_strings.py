"""Strings for a JSON Schema `string`: what a model writes for a field, by its `pattern`, `format` or name.

A `pattern` comes first (made by `patterns`; when it is beyond that generator the string is made as if
there were none, and the caller is told why); then a `format` (`date`, `date-time`, `time`, `email`,
`uri`, `uuid`, `hostname`, `ipv4`, `ipv6`, `duration`); then the property's name, read as words
(`first_name`, `homeCity`, `email`…) so a name reads like a name and a city like a city; else a few
words. `minLength`/`maxLength` are met last, by padding or cutting a value that is not from a pattern.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any

from fakellm.scenarios.patterns import Unsupported, matching_string

if TYPE_CHECKING:
    from faker import Faker

    from fakellm.scenarios.generate import Generator

MAX_STRING = 1000  # string length, whatever `minLength` asks


def count(value: Any) -> int | None:
    """A size keyword (`minItems`, `maxLength`) as a non-negative int, or None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if value >= 0 else None


def _date_time(faker: Faker) -> str:
    return faker.date_time(tzinfo=UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _duration(faker: Faker) -> str:
    return faker.random_element(("PT30M", "PT1H", "PT1H30M", "P1D", "P3D", "P1W", "PT15M", "P2DT4H"))


FORMATS: dict[str, Callable[[Faker], str]] = {
    "date": lambda faker: faker.date(),
    "date-time": _date_time,
    "time": lambda faker: faker.time() + "Z",
    "email": lambda faker: faker.email(),
    "idn-email": lambda faker: faker.email(),
    "uri": lambda faker: faker.url(),
    "url": lambda faker: faker.url(),
    "iri": lambda faker: faker.url(),
    "uri-reference": lambda faker: faker.uri_path(),
    "uuid": lambda faker: str(faker.uuid4()),
    "hostname": lambda faker: faker.domain_name(),
    "idn-hostname": lambda faker: faker.domain_name(),
    "ipv4": lambda faker: faker.ipv4(),
    "ipv6": lambda faker: faker.ipv6(),
    "duration": _duration,
}


def _sentence(faker: Faker) -> str:
    return str(faker.sentence(nb_words=8))


def _title(faker: Faker) -> str:
    return str(faker.sentence(nb_words=4)).rstrip(".")


# A property's name, as words, to what a model would put there: the first entry whose words all occur wins.
_BY_NAME: tuple[tuple[tuple[str, ...], Callable[[Faker], str]], ...] = (
    (("email",), lambda faker: faker.email()),
    (("mail",), lambda faker: faker.email()),
    (("first", "name"), lambda faker: faker.first_name()),
    (("given", "name"), lambda faker: faker.first_name()),
    (("firstname",), lambda faker: faker.first_name()),
    (("last", "name"), lambda faker: faker.last_name()),
    (("family", "name"), lambda faker: faker.last_name()),
    (("lastname",), lambda faker: faker.last_name()),
    (("surname",), lambda faker: faker.last_name()),
    (("user", "name"), lambda faker: faker.user_name()),
    (("username",), lambda faker: faker.user_name()),
    (("company",), lambda faker: faker.company()),
    (("organization",), lambda faker: faker.company()),
    (("city",), lambda faker: faker.city()),
    (("town",), lambda faker: faker.city()),
    (("location",), lambda faker: faker.city()),
    (("country",), lambda faker: faker.country()),
    (("state",), lambda faker: faker.state()),
    (("street",), lambda faker: faker.street_address()),
    (("address",), lambda faker: faker.address().replace("\n", ", ")),
    (("zip",), lambda faker: faker.postcode()),
    (("postcode",), lambda faker: faker.postcode()),
    (("postal",), lambda faker: faker.postcode()),
    (("phone",), lambda faker: faker.phone_number()),
    (("url",), lambda faker: faker.url()),
    (("website",), lambda faker: faker.url()),
    (("link",), lambda faker: faker.url()),
    (("date",), lambda faker: faker.date()),
    (("birthday",), lambda faker: faker.date()),
    (("time",), lambda faker: faker.time()),
    (("job",), lambda faker: faker.job()),
    (("occupation",), lambda faker: faker.job()),
    (("color",), lambda faker: faker.color_name()),
    (("colour",), lambda faker: faker.color_name()),
    (("currency",), lambda faker: faker.currency_code()),
    (("language",), lambda faker: faker.language_name()),
    (("title",), _title),
    (("headline",), _title),
    (("subject",), _title),
    (("description",), _sentence),
    (("summary",), _sentence),
    (("reason",), _sentence),
    (("explanation",), _sentence),
    (("answer",), _sentence),
    (("message",), _sentence),
    (("text",), _sentence),
    (("content",), _sentence),
    (("comment",), _sentence),
    (("bio",), _sentence),
    (("name",), lambda faker: faker.name()),
    (("person",), lambda faker: faker.name()),
    (("people",), lambda faker: faker.name()),
    (("participant",), lambda faker: faker.name()),
    (("attendee",), lambda faker: faker.name()),
    (("member",), lambda faker: faker.name()),
    (("author",), lambda faker: faker.name()),
    (("speaker",), lambda faker: faker.name()),
    (("customer",), lambda faker: faker.name()),
    (("tag",), lambda faker: faker.word()),
    (("keyword",), lambda faker: faker.word()),
    (("id",), lambda faker: str(faker.uuid4())),
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# The entries of `_BY_NAME` by their first word, with their place in it (the first place wins).
_BY_FIRST_WORD: dict[str, list[tuple[int, tuple[str, ...], Callable[[Faker], str]]]] = {}
for _place, (_needed, _make) in enumerate(_BY_NAME):
    _BY_FIRST_WORD.setdefault(_needed[0], []).append((_place, _needed, _make))


def name_words(name: str) -> frozenset[str]:
    """`homeCity`, `home_city`, `HOME-CITY` → {"home", "city"}; plurals count as their singular too
    (an array named `participants` holds participants)."""
    words = {word.lower() for word in _WORDS.findall(name[:200])}
    singular = {w[:-3] + "y" if w.endswith("ies") else w[:-1] for w in words if w.endswith("s") and len(w) > 3}
    return frozenset(words | singular)


@functools.lru_cache(maxsize=1024)
def _by_name(name: str) -> Callable[[Faker], str] | None:
    """What a property called `name` holds, by its words: the first entry of `_BY_NAME` all of whose
    words it has."""
    words = name_words(name)
    found = [entry for word in words for entry in _BY_FIRST_WORD.get(word, ()) if words.issuperset(entry[1])]
    return min(found, key=lambda entry: entry[0])[2] if found else None


def string_value(gen: Generator, schema: dict[str, Any], name: str, notes: list[str]) -> str:
    """A string for `schema` at property `name`; why a `pattern` could not be followed goes to `notes`."""
    low = min(count(schema.get("minLength")) or 0, MAX_STRING)
    high = count(schema.get("maxLength"))
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            return matching_string(pattern, gen.rng, min_length=low, max_length=high)
        except Unsupported as exc:
            notes.append(f"pattern {pattern[:80]!r} of '{name or 'the value'}' not followed: {exc}")
    faker = gen.faker
    fmt = schema.get("format")
    make = FORMATS.get(fmt) if isinstance(fmt, str) else None
    if make is None:
        make = _by_name(name)
    text = str(make(faker)) if make is not None else " ".join(faker.words(gen.rng.randint(1, 3)))
    text = text.ljust(low, "x")
    return text[:high] if high is not None else text
