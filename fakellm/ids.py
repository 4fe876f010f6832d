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


def random_token(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(_rng.choices(alphabet, k=length))


def new_id(prefix: str, length: int = 29, alphabet: str = _ALNUM) -> str:
    return prefix + random_token(length, alphabet)


def lower_id(prefix: str, length: int = 26) -> str:
    return new_id(prefix, length, _LOWER_ALNUM)
