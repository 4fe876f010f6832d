"""Compact JSON as the OpenAI-style providers write it, and templates compiled from it.

`Encoder` is the general encoder: compact separators, UTF-8 left as is, keys in the order they
were built (OpenAI, Groq) or sorted (Azure, Gemini's OpenAI route). A `Template` is a structure
with `Slot`s for the values that change, encoded once by that same encoder; filling it with the
encoded values gives exactly what encoding the filled-in structure would (JSON is compositional),
for a fraction of the cost. That is how Azure's, Groq's and Gemini's OpenAI-route chunks are
written (OpenAI's own are hand-written in `fast`, and pinned to the same structures by tests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

try:
    from _json import make_encoder
except ImportError:  # pragma: no cover - CPython always has it
    make_encoder = None  # type: ignore[assignment,misc]

_SLOT = re.compile(r'"\\u0000([^"\\]+)\\u0000"')


class Slot(str):
    """A hole for the value named `name`: a string the encoder writes as a marker the compiler finds again."""

    __slots__ = ()

    def __new__(cls, name: str) -> Slot:
        return super().__new__(cls, f"\x00{name}\x00")


class _Slots(Mapping[str, Slot]):
    """Any name, as its slot: what a structure is built from to be compiled."""

    def __getitem__(self, name: str) -> Slot:
        return Slot(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


SLOTS: Mapping[str, Any] = _Slots()


def _unknown(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class Encoder:
    """Compact JSON, UTF-8 left as is, with every object's keys sorted or in their built order.

    The same bytes as `json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=…)`;
    the C encoder is made once rather than on every call (a structure has no cycles to check)."""

    __slots__ = ("_encode", "quote", "sort_keys")

    def __init__(self, *, sort_keys: bool, escape_html: bool = False) -> None:
        """`escape_html`: write `<`, `>` and `&` as `\\u003c`, `\\u003e`, `\\u0026`, as Go's encoder does (Groq)."""
        self.sort_keys = sort_keys
        self._encode: Callable[[Any], str]
        if make_encoder is None:  # no C accelerator: the stdlib's own pure-Python path
            self._encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=sort_keys).encode
        else:
            c_encode = make_encoder(None, _unknown, encode_basestring, None, ":", ",", sort_keys, False, True)
            self._encode = lambda value: "".join(c_encode(value, 0))
        # A string as JSON: every streamed token goes straight to the C string encoder.
        self.quote: Callable[[str], str] = encode_basestring
        if escape_html:  # the three characters occur only inside strings: escaping the text is exact
            plain, quote = self._encode, encode_basestring
            self._encode = lambda value: plain(value).translate(GO_ESCAPES)
            self.quote = lambda text: quote(text).translate(GO_ESCAPES)

    def encode(self, value: Any) -> str:
        kind = type(value)
        if kind is str:
            return self.quote(value)
        if kind is int:
            return str(value)
        return self._encode(value)

    def template(self, structure: Any, prefix: str = "", suffix: str = "") -> Template:
        """`structure` (built with `SLOTS` for what varies) as a template, between `prefix` and `suffix`."""
        return Template(prefix + self._encode(structure) + suffix, self)


GO_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
NATIVE = Encoder(sort_keys=False)
SORTED = Encoder(sort_keys=True)
GO = Encoder(sort_keys=False, escape_html=True)  # Groq's: Go's encoding/json


class Template:
    """Encoded text with named holes, filled from a mapping of each name to its value's JSON."""

    __slots__ = ("_pick", "encoder", "names", "pieces", "places")

    def __init__(self, encoded: str, encoder: Encoder) -> None:
        self.encoder = encoder
        self.pieces = _SLOT.split(encoded)  # text, name, text, name, …, text
        names = self.names = tuple(self.pieces[1::2])
        self.places: dict[str, list[int]] = {}  # where in `pieces` each name's holes are
        for place in range(1, len(self.pieces), 2):
            self.places.setdefault(self.pieces[place], []).append(place)
        # Picks each hole's value out of a mapping in one C call (a lone name still gives a tuple).
        self._pick: Callable[[Mapping[str, str]], tuple[str, ...]]
        if len(names) > 1:
            self._pick = itemgetter(*names)
        else:
            self._pick = lambda values: tuple(values[name] for name in names)

    def fill(self, values: Mapping[str, Any]) -> str:
        """The text with every hole filled from `values`, plain values encoded here."""
        encode = self.encoder.encode
        return self.fill_encoded({name: encode(values[name]) for name in self.names})

    def fill_encoded(self, encoded: Mapping[str, str]) -> str:
        """The text with every hole filled from `encoded`, which maps names to JSON text (others are ignored)."""
        pieces = self.pieces.copy()
        pieces[1::2] = self._pick(encoded)
        return "".join(pieces)

    def bind(self, fixed: Mapping[str, str]) -> list[str]:
        """The pieces with the holes named in `fixed` (JSON text) filled for good: what every chunk of a
        stream shares. The other holes are then filled in place (at `places[name]`) and the pieces joined."""
        pieces = self.pieces.copy()
        for name, places in self.places.items():
            if name in fixed:
                for place in places:
                    pieces[place] = fixed[name]
        return pieces

    def place(self, name: str) -> int:
        """Where the one hole named `name` is in `pieces`."""
        (place,) = self.places[name]
        return place
