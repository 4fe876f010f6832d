"""Strings that match a regular expression: how a model fills a JSON Schema string that has a `pattern`.

What schemas use is covered: literal characters, `.`, classes (`[A-Z0-9_-]`, `[^,]`), the escapes
`\\d \\w \\s \\D \\W \\S` and `\\t \\n \\r \\f \\v \\xHH \\uHHHH`, quantifiers `* + ? {m} {m,} {m,n} {,n}` (a lazy
`?` or possessive `+` after them is accepted), groups (capturing, `(?:…)`, named), alternation and the
anchors `^ $ \\A \\Z \\z`. Anything else (lookaround, backreferences, `\\b`, Unicode properties, inline
flags) raises `Unsupported`, and so does a string that would be too long: the caller falls back to
another value and says so. Every string made is checked against the pattern itself before it is
returned, with a time budget, so a pattern this module reads differently from the regex engine is
refused rather than answered wrongly.

The pattern comes from a request, so the work is bounded whatever it says: at most `MAX_PATTERN`
characters are read, groups nest at most `MAX_DEPTH` deep, an open repeat (`*`, `+`, `{m,}`) adds at
most a few items, and the string is at most `MAX_OUTPUT` characters.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from fakellm.scenarios.regexes import request_regex

MAX_PATTERN = 1000  # characters of a pattern that are read at all
MAX_DEPTH = 32  # nesting of groups
MAX_REPEAT = 1000  # the largest count a quantifier may give
MAX_OUTPUT = 1000  # characters of a generated string
OPEN_EXTRA = 6  # items a repeat adds beyond its minimum when drawn at random, at most
MAX_STEPS = 20_000  # nodes visited to make one string
CHECK_BUDGET_S = 0.05  # seconds to check the made string against the pattern
ATTEMPTS = 8  # strings tried to meet the length bounds as well

_PRINTABLE = tuple((ord(c), ord(c)) for c in string.printable if c not in "\t\n\r\x0b\x0c")
_DIGIT = ((48, 57),)
_WORD = ((48, 57), (65, 90), (95, 95), (97, 122))
_SPACE = ((32, 32),)
_DOT = ((48, 57), (65, 90), (97, 122))  # `.` gives a letter or digit: any would do, these read well
_CONTROL = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}
_ANCHORS = "AZz"

Ranges = tuple[tuple[int, int], ...]


class Unsupported(ValueError):
    """The pattern uses something this generator does not make strings for, or asks for too much."""


@dataclass(frozen=True, slots=True)
class _Chars:
    ranges: Ranges


@dataclass(frozen=True, slots=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Alt:
    options: tuple[_Seq, ...]


@dataclass(frozen=True, slots=True)
class _Repeat:
    item: _Node
    low: int
    high: int | None


_Node = _Chars | _Seq | _Alt | _Repeat


def _complement(ranges: Ranges) -> Ranges:
    """The printable ASCII characters not in `ranges` (what `[^…]`, `\\D`, `\\W`, `\\S` draw from)."""
    return tuple((lo, hi) for lo, hi in _PRINTABLE if not any(a <= lo <= b for a, b in ranges))


_CLASS_ESCAPES: dict[str, Ranges] = {
    "d": _DIGIT,
    "w": _WORD,
    "s": _SPACE,
    "D": _complement(_DIGIT),
    "W": _complement(_WORD),
    "S": _complement(_SPACE),
}


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise Unsupported("the pattern ends early")
        self.pos += 1
        return char

    def alternation(self, depth: int) -> _Alt:
        if depth > MAX_DEPTH:
            raise Unsupported(f"groups nest deeper than {MAX_DEPTH}")
        options = [self.sequence(depth)]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence(depth))
        return _Alt(tuple(options))

    def sequence(self, depth: int) -> _Seq:
        items: list[_Node] = []
        while self.peek() not in ("", "|", ")"):
            atom = self.atom(depth)
            if atom is not None:
                items.append(self.quantified(atom))
        return _Seq(tuple(items))

    def atom(self, depth: int) -> _Node | None:
        char = self.take()
        if char in "^$":
            return None
        if char == ".":
            return _Chars(_DOT)
        if char == "[":
            return self.char_class()
        if char == "(":
            return self.group(depth)
        if char == "\\":
            return self.escape()
        if char in "*+?":
            raise Unsupported(f"a quantifier '{char}' with nothing to repeat")
        return _Chars(((ord(char), ord(char)),))

    def group(self, depth: int) -> _Node:
        if self.text.startswith("?:", self.pos):
            self.pos += 2
        elif self.text.startswith(("?P<", "?<"), self.pos) and self.text[self.pos + 2 : self.pos + 3] not in "=!":
            end = self.text.find(">", self.pos)
            if end == -1:
                raise Unsupported("a group name is not closed")
            self.pos = end + 1
        elif self.peek() == "?":
            raise Unsupported("lookaround, flags and other '(?' groups are not generated")
        inner = self.alternation(depth + 1)
        if self.take() != ")":
            raise Unsupported("a group is not closed")
        return inner

    def escape(self) -> _Node | None:
        char = self.take()
        if char in _ANCHORS:
            return None
        if char in _CLASS_ESCAPES:
            return _Chars(_CLASS_ESCAPES[char])
        return _Chars(((code := self.escaped_char(char), code),))

    def escaped_char(self, char: str) -> int:
        """The code point of a one-character escape (after the backslash), or `Unsupported`."""
        if char in _CONTROL:
            return ord(_CONTROL[char])
        if char in "xu":
            size = 2 if char == "x" else 4
            digits = self.text[self.pos : self.pos + size]
            if len(digits) != size or any(d not in string.hexdigits for d in digits):
                raise Unsupported(f"'\\{char}' needs {size} hex digits")
            self.pos += size
            return int(digits, 16)
        if char.isalnum():
            raise Unsupported(f"the escape '\\{char}' is not generated")
        return ord(char)

    def char_class(self) -> _Chars:
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            char = self.take()
            if char == "]" and not first:
                break
            first = False
            if char == "[" and self.peek() == ":":
                raise Unsupported("POSIX classes are not generated")
            if char == "\\":
                escaped = self.take()
                if escaped in _CLASS_ESCAPES:
                    ranges += _CLASS_ESCAPES[escaped]
                    continue
                low = self.escaped_char(escaped)
            else:
                low = ord(char)
            high = low
            if self.peek() == "-" and self.text[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.pos += 1
                end = self.take()
                high = self.escaped_char(self.take()) if end == "\\" else ord(end)
                if high < low:
                    raise Unsupported(f"the range {chr(low)}-{chr(high)} is out of order")
            ranges.append((low, high))
        chosen = _complement(tuple(ranges)) if negated else tuple(ranges)
        if not chosen:
            raise Unsupported("a class that no printable character matches")
        return _Chars(chosen)

    def quantified(self, atom: _Node) -> _Node:
        char = self.peek()
        if char == "*":
            low, high = 0, None
        elif char == "+":
            low, high = 1, None
        elif char == "?":
            low, high = 0, 1
        elif char == "{":
            bounds = self.braces()
            if bounds is None:
                return atom
            low, high = bounds
            self.pos -= 1  # `braces` stopped on the closing brace; step past it below
        else:
            return atom
        self.pos += 1
        if self.peek() in ("?", "+"):  # lazy or possessive: the same strings match
            self.pos += 1
        if self.peek() in ("*", "+", "?", "{") and self.braces_or_symbol():
            raise Unsupported("a quantifier follows a quantifier")
        return _Repeat(atom, low, high)

    def braces_or_symbol(self) -> bool:
        return self.peek() != "{" or self.braces(advance=False) is not None

    def braces(self, *, advance: bool = True) -> tuple[int, int | None] | None:
        """`{m}`, `{m,}`, `{m,n}`, `{,n}` at the cursor, or None when the brace is a literal one."""
        end = self.text.find("}", self.pos)
        if end == -1:
            return None
        body = self.text[self.pos + 1 : end]
        low_text, comma, high_text = body.partition(",")
        if not (low_text.isdigit() or (comma and not low_text)) or (high_text and not high_text.isdigit()):
            return None
        if not comma and not low_text:
            return None
        low = int(low_text) if low_text else 0
        high = (int(high_text) if high_text else None) if comma else low
        if low > MAX_REPEAT or (high is not None and (high > MAX_REPEAT or high < low)):
            raise Unsupported(f"the repeat {{{body}}} is out of range")
        if advance:
            self.pos = end + 1
        return low, high


def parse(pattern: str) -> _Alt:
    if len(pattern) > MAX_PATTERN:
        raise Unsupported(f"the pattern is longer than {MAX_PATTERN} characters")
    parser = _Parser(pattern)
    tree = parser.alternation(0)
    if parser.pos != len(pattern):
        raise Unsupported("an unmatched ')'")
    return tree


class _Draw:
    """One string being made: its characters, and the steps left (empty groups repeated inside
    repeats make no characters, but still cost work)."""

    __slots__ = ("out", "rng", "steps", "target")

    def __init__(self, rng: random.Random, target: int | None) -> None:
        self.rng = rng
        self.target = target  # None: repeat counts at random; else repeats fill up to this length
        self.out: list[str] = []
        self.steps = MAX_STEPS

    def node(self, node: _Node) -> None:
        self.steps -= 1
        if self.steps < 0 or len(self.out) > MAX_OUTPUT:
            raise Unsupported(f"the string would be longer than {MAX_OUTPUT} characters, or take too long to make")
        if isinstance(node, _Chars):
            self.out.append(_char(node.ranges, self.rng))
        elif isinstance(node, _Seq):
            for item in node.items:
                self.node(item)
        elif isinstance(node, _Alt):
            self.node(self.rng.choice(node.options))
        elif self.target is None:
            top = node.low + OPEN_EXTRA if node.high is None else min(node.high, node.low + OPEN_EXTRA)
            for _ in range(self.rng.randint(node.low, top)):
                self.node(node.item)
        else:
            top = MAX_OUTPUT if node.high is None else node.high
            count = 0
            while count < node.low or (count < top and len(self.out) < self.target):
                before = len(self.out)
                self.node(node.item)
                count += 1
                if count >= node.low and len(self.out) == before:
                    break  # the item makes nothing: more of it will not reach the target


def _char(ranges: Ranges, rng: random.Random) -> str:
    """A character of `ranges`, printable ASCII when the class has some (never a lone surrogate)."""
    readable = [(max(a, 32), min(b, 126)) for a, b in ranges if a <= 126 and b >= 32]
    usable = readable or [(a, b) for a, b in ranges if not (a >= 0xD800 and b <= 0xDFFF)]
    if not usable:
        raise Unsupported("a class of surrogates only")
    low, high = rng.choices(usable, weights=[b - a + 1 for a, b in usable])[0]
    code = rng.randint(low, high)
    if 0xD800 <= code <= 0xDFFF:
        code = low if not 0xD800 <= low <= 0xDFFF else high
    return chr(code)


def matching_string(pattern: str, rng: random.Random, *, min_length: int = 0, max_length: int | None = None) -> str:
    """A string that `pattern` matches, `min_length` to `max_length` characters long; `Unsupported`
    when the pattern is beyond this generator or no string tried met the bounds."""
    tree = parse(pattern)
    compiled = request_regex(pattern)
    if compiled is None:
        raise Unsupported("the pattern is not valid, or its nested repeats ask for too much")
    top = max_length if max_length is not None else min_length + OPEN_EXTRA
    for attempt in range(ATTEMPTS):
        # Half at random, then the shortest, then aiming at a length inside the bounds.
        target = None if attempt < ATTEMPTS // 2 else 0 if attempt == ATTEMPTS // 2 else rng.randint(min_length, top)
        draw = _Draw(rng, target)
        draw.node(tree)
        text = "".join(draw.out)
        if len(text) < min_length or (max_length is not None and len(text) > max_length):
            continue
        try:
            if compiled.search(text, CHECK_BUDGET_S):
                return text
        except TimeoutError:
            raise Unsupported("checking the string against the pattern took too long") from None
    raise Unsupported("no string tried matched the pattern within the length bounds")
