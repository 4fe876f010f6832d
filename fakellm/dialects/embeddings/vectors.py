"""Deterministic embedding vectors in which similar texts lie close together.

A text becomes a bag of features — its lower-cased words, and the character trigrams of each word
with its boundaries — and each feature adds ±weight at a few positions picked by a CRC of the
feature (and the seed). Texts that share words and word pieces share positions, so their cosine
similarity is high. That sparse part is then blended with a direction every text shares and a dense
noise picked by the text, so that every dimension carries a value as in a real model's vector and
unrelated texts sit at a small positive similarity (about 0.1 to 0.2, as with text-embedding-3). The
same text and seed give the same vector in any process, which Python's salted `hash` would not.

The cost is bounded by the number of distinct words, not by repeats of them, and each word's
trigrams are hashed once.
"""

from __future__ import annotations

import base64
import functools
import math
import random
import re
import zlib
from array import array
from collections import Counter

_WORD = re.compile(r"\w+|[^\w\s]")
POSITIONS_PER_FEATURE = 3
SPARSE_WEIGHT, SHARED_WEIGHT, NOISE_WEIGHT = 0.85, 0.3, 0.3
WORD_WEIGHT = 2.0
TRIGRAM_WEIGHT = 1.0


def _features(text: str) -> dict[str, float]:
    words = Counter(w.lower() for w in _WORD.findall(text))
    features: dict[str, float] = {}
    for word, count in words.items():
        key = "w:" + word
        features[key] = features.get(key, 0.0) + count * WORD_WEIGHT
        padded = f"<{word}>"
        for i in range(len(padded) - 2):
            key = "t:" + padded[i : i + 3]
            features[key] = features.get(key, 0.0) + count * TRIGRAM_WEIGHT
    return features


WINDOWS = 64  # dense backgrounds per size and seed; a text takes one by its CRC


@functools.lru_cache(maxsize=16)
def _backgrounds(size: int, seed: int) -> tuple[tuple[float, ...], ...]:
    """Dense backgrounds: the direction all texts share, plus one of `WINDOWS` noises."""
    rng = random.Random(f"fakellm-embeddings:{seed}:{size}")
    shared = normalise([rng.gauss(0.0, 1.0) for _ in range(size)])
    scale = NOISE_WEIGHT / math.sqrt(size)
    return tuple(tuple(SHARED_WEIGHT * c + rng.gauss(0.0, 1.0) * scale for c in shared) for _ in range(WINDOWS))


def raw_vector(text: str, size: int, seed: int = 0) -> list[float]:
    """The unnormalised vector of `text` in `size` dimensions: its background, plus its features."""
    sparse = _sparse(text, size, seed)
    background = _backgrounds(size, seed)[zlib.crc32(text.encode("utf-8", "surrogatepass")) % WINDOWS]
    vector = list(background)
    norm = math.sqrt(sum(v * v for v in sparse.values()))
    if norm:
        scale = SPARSE_WEIGHT / norm
        for position, value in sparse.items():
            vector[position] += value * scale
    return vector


def _sparse(text: str, size: int, seed: int) -> dict[int, float]:
    vector: dict[int, float] = {}
    salt = zlib.crc32(str(seed).encode())
    features = _features(text)
    if not features:  # no words at all (only spaces): one fixed feature, so the vector is not zero
        features = {"empty": 1.0}
    for feature, weight in features.items():
        h = zlib.crc32(feature.encode(), salt)
        scaled = math.sqrt(weight)  # damp repeats, as a real model's vector is not a word count
        for k in range(POSITIONS_PER_FEATURE):
            h = zlib.crc32(b"%d" % k, h)
            position = h % size
            vector[position] = vector.get(position, 0.0) + (scaled if h & 0x80000000 else -scaled)
    return vector


def normalise(vector: list[float]) -> list[float]:
    norm = math.hypot(*vector)
    return [v / norm for v in vector] if norm else vector


def embed(
    text: str, size: int, seed: int = 0, *, full_size: int | None = None, renormalise: bool = True
) -> list[float]:
    """A unit vector of `size` dimensions for `text`.

    With `full_size`, the vector is the first `size` dimensions of the `full_size` one, as
    Matryoshka-trained models shorten theirs; `renormalise=False` leaves that prefix as it is (its
    norm below 1), as Gemini's `gemini-embedding-001` returns shortened vectors."""
    full = normalise(raw_vector(text, full_size or size, seed))
    vector = full[:size]
    return normalise(vector) if renormalise and full_size and full_size != size else vector


def as_float32(vector: list[float]) -> list[float]:
    """The values as float32 numbers (what providers compute in), printed as Python floats."""
    return array("f", vector).tolist()


def as_base64(vector: list[float]) -> str:
    """OpenAI's `encoding_format: base64`: little-endian float32 values, base64-encoded."""
    packed = array("f", vector)
    if packed.itemsize != 4:  # pragma: no cover - every platform Python runs on has 4-byte floats
        raise RuntimeError("float32 arrays are not 4 bytes on this platform")
    if array("H", [1]).tobytes() != b"\x01\x00":  # pragma: no cover - big-endian hosts
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0
