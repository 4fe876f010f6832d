"""Keeping secrets out of a recording: the client's key, and whatever `--redact REGEX` names.

A rule never holds a header or a URL, so keys in `Authorization`, `api-key`, `x-goog-api-key` or
`?key=` cannot reach the file by those ways; the key of each request is also removed wherever it
shows up in what is written (an upstream error quoting it, say), as is every match of a `--redact`
pattern. Redaction works on the strings of a rule, never on the file's text, so the YAML stays valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "[REDACTED]"
MIN_SECRET = 6  # a shorter "key" (a placeholder such as `x`) would blank ordinary words


class RedactError(ValueError):
    """A `--redact` pattern that does not compile."""


class Redactor:
    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns: list[re.Pattern[str]] = []
        for pattern in patterns:
            try:
                self.patterns.append(re.compile(pattern))
            except re.error as exc:
                raise RedactError(f"--redact {pattern!r} is not a valid regular expression: {exc}") from None

    def text(self, value: str, secrets: Iterable[str] = ()) -> str:
        for secret in secrets:
            if len(secret) >= MIN_SECRET:
                value = value.replace(secret, MASK)
        for pattern in self.patterns:
            value = pattern.sub(MASK, value)
        return value

    def value(self, value: Any, secrets: Iterable[str] = ()) -> Any:
        """`value` (a rule, as plain data) with every string redacted."""
        kept = tuple(secrets)
        if isinstance(value, str):
            return self.text(value, kept)
        if isinstance(value, dict):
            return {k: self.value(v, kept) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, kept) for v in value]
        return value
