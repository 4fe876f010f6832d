"""Identifiers that look like the providers' own (`chatcmpl-…`, `call_…`, `req_…`)."""

from __future__ import annotations

import random
import string

_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits
_rng = random.Random()


def seed_ids(seed: int | None) -> None:
    """Make identifiers reproducible (`--seed`); None restores system randomness."""
    _rng.seed(seed)


def _table(alphabet: str) -> bytes:
    """Maps every byte value to a character of `alphabet` (a slight bias is fine for fake ids)."""
    return bytes(ord(alphabet[i % len(alphabet)]) for i in range(256))


_tables: dict[str, bytes] = {}


def random_token(length: int, alphabet: str = _ALNUM) -> str:
    # Random bytes translated through a table: about 20x faster than `choices`, which was a large
    # part of a request's cost (every response carries several ids).
    table = _tables.get(alphabet)
    if table is None:
        table = _tables[alphabet] = _table(alphabet)
    return _rng.getrandbits(length * 8).to_bytes(length, "little").translate(table).decode("ascii")


def new_id(prefix: str, length: int = 29, alphabet: str = _ALNUM) -> str:
    return prefix + random_token(length, alphabet)


def lower_id(prefix: str, length: int = 26) -> str:
    return new_id(prefix, length, _LOWER_ALNUM)
