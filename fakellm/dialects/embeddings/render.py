"""The vectors of an embedding response: computed from each input, or the one a scenario gave."""

from __future__ import annotations

from fakellm.context import RequestContext
from fakellm.dialects.embeddings.request import EmbeddingModel, EmbeddingOptions
from fakellm.dialects.embeddings.vectors import as_float32, embed
from fakellm.model import Reply

SEED_HEADER = "x-fakellm-seed"


def seed(ctx: RequestContext) -> int:
    """The vector space: `X-FakeLLM-Seed` picks another one; without it, the same text always gives
    the same vector, as a real model's does."""
    value = ctx.header(SEED_HEADER)
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def vectors(
    options: EmbeddingOptions, spec: EmbeddingModel, replies: list[Reply], ctx: RequestContext
) -> list[list[float]]:
    given = replies[0].embedding if replies else None
    if given is not None:
        return [as_float32(given)] * len(options.inputs)
    size = options.dimensions or spec.size
    space = seed(ctx)
    full = spec.size if size != spec.size else None
    return [
        as_float32(embed(text, size, space, full_size=full, renormalise=spec.renormalise)) for text in options.inputs
    ]
