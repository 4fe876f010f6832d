"""Property test: any schema, however odd, gives small, strict-JSON arguments quickly and never raises."""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakellm.scenarios.generate import Generator

KEYWORDS = [
    "type", "properties", "items", "required", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "$defs",
    "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "format",
]  # fmt: skip
NAMES = st.sampled_from(["a", "b", "city", "N", "$defs", "properties"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.sampled_from([2**53, -(2**53), 2**70, 10**400, 200_000])
    | st.floats()  # NaN and infinities included
    | st.sampled_from(["object", "array", "string", "integer", "number", "boolean", "null", "OBJECT", "date", "x"])
    | st.sampled_from(["#", "#/$defs/N", "#/$defs/a", "#/properties/a", "#/$defs/N/properties/b", "#/x/~1/0"])
)


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.dictionaries(
        st.sampled_from(KEYWORDS),
        children | st.lists(children, max_size=4) | st.dictionaries(NAMES, children, max_size=4),
        max_size=6,
    )


SCHEMAS = st.recursive(st.dictionaries(st.sampled_from(KEYWORDS), SCALARS, max_size=4), _extend, max_leaves=30)


@settings(
    max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(schema=SCHEMAS, seed=st.integers(0, 2**32))
def test_any_schema_gives_small_strict_json_quickly(schema: dict[str, Any], seed: int) -> None:
    start = time.perf_counter()
    args = Generator(seed).arguments(schema)
    assert time.perf_counter() - start < 1.0
    assert isinstance(args, dict)
    text = json.dumps(args, allow_nan=False)  # raises on NaN and infinities
    assert len(text) < 40_000
