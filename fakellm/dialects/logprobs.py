"""Log probabilities of a reply's tokens: made up once, here, so every dialect frames the same numbers.

The tokens are `tokens.split_tokens`'s word-sized pieces, the very pieces a stream carries, so a
streamed chunk's logprobs are those of its own token and concatenating the tokens gives the text.
Each value is derived from the token and its position alone (a hash, no randomness): the same reply
gets the same numbers in every dialect and every run. The chosen token is usually near-certain
(logprob close to 0) and now and then not; its alternatives are distinct plausible tokens, each less
likely than the one before and than the chosen one, and all the probabilities sum to less than 1.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from fakellm.tokens import split_tokens

MAX_ALTERNATIVES = 20
_COMMON = (
    "the", "a", "and", "to", "of", "in", "is", "it", "that", "you", "for", "on", "with", "this", "I", "be", "as",
    "at", "so", "we", "not", "but", "or", "your", "can", "are", "was", "there",
)  # fmt: skip
_PUNCTUATION = (",", ".", "!", "?", ":", ";", "\n")


@dataclass(frozen=True, slots=True)
class Candidate:
    token: str
    logprob: float

    @property
    def bytes(self) -> list[int]:
        return list(self.token.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """One position: the token chosen, and the `top` most likely tokens (the chosen one first)."""

    chosen: Candidate
    top: tuple[Candidate, ...]


def _unit(token: str, position: int, salt: int) -> float:
    """A number in [0, 1) fixed by the token, its position and `salt`."""
    digest = hashlib.blake2b(f"{position}\x00{salt}\x00{token}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _alternatives(token: str, position: int) -> list[str]:
    """Other tokens a model might have put here, distinct from `token` and each other."""
    stripped = token.lstrip()
    lead = token[: len(token) - len(stripped)]
    shapes = [stripped.lower(), stripped.capitalize(), stripped.upper(), stripped + "s"]
    if len(stripped) > 1:
        shapes.append(stripped[:-1])
    start = int(_unit(token, position, 1) * len(_COMMON))
    words = _COMMON[start:] + _COMMON[:start]
    found: list[str] = []
    for candidate in [lead + s for s in shapes] + [lead + w for w in words] + list(_PUNCTUATION):
        if candidate and candidate != token and candidate not in found:
            found.append(candidate)
    return found


def token_logprob(token: str, position: int, top: int) -> TokenLogprob:
    """The logprobs at `position` (0-based, within its choice) for `token`, with `top` (0 to 20) candidates."""
    chosen_lp = -(_unit(token, position, 0) ** 8) * 3.0 - 1e-6
    chosen = Candidate(token, round(chosen_lp, 8))
    if top <= 0:
        return TokenLogprob(chosen, ())
    p = math.exp(chosen_lp)
    rest = min(1.0 - p, p)  # what the alternatives share: less than what is left, each below the chosen one
    candidates = [chosen]
    for k, alternative in enumerate(_alternatives(token, position)[: min(top, MAX_ALTERNATIVES) - 1], start=1):
        share = rest * 0.5**k * (0.5 + 0.45 * _unit(token, position, k + 1))  # each below the one before
        candidates.append(Candidate(alternative, round(math.log(max(share, 1e-300)), 8)))
    return TokenLogprob(chosen, tuple(candidates))


def text_logprobs(text: str, top: int) -> list[TokenLogprob]:
    """The logprobs of every token of `text`, in order."""
    return [token_logprob(token, i, top) for i, token in enumerate(split_tokens(text))]


class LogprobCursor:
    """Hands out each choice's token logprobs in stream order, one streamed token at a time."""

    __slots__ = ("_positions", "top")

    def __init__(self, top: int) -> None:
        self.top = top
        self._positions: dict[int, int] = {}

    def next(self, choice: int, token: str) -> TokenLogprob:
        position = self._positions.get(choice, 0)
        self._positions[choice] = position + 1
        return token_logprob(token, position, self.top)
