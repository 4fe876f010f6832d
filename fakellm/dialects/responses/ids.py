"""The ids of one response and its items, as OpenAI's Responses API forms them.

A 2026 id is a prefix (`resp_`, `msg_`, `fc_`, `rs_`) and 50 hex digits: 16 shared by the
response and all its items, `00`, the creation time as 8 hex digits, then 24 of the item's own
(`resp_0fabc13af1ee0049006a691dfdab8881a1a75f2db7ff78cb83`). Tool calls get a `call_` and 24
letters and digits, as in chat completions.
"""

from __future__ import annotations

from fakellm.ids import ALNUM, HEX, IdSource


class ResponseIds:
    """Ids for one response, drawn from the app's `IdSource` (reproducible with a seed)."""

    __slots__ = ("_shared", "_source", "response")

    def __init__(self, source: IdSource, created: int) -> None:
        self._source = source
        self._shared = f"{source.token(16, HEX)}00{created & 0xFFFFFFFF:08x}"
        self.response = self.item("resp_")

    def item(self, prefix: str) -> str:
        return prefix + self._shared + self._source.token(24, HEX)

    def call(self) -> str:
        return "call_" + self._source.token(24, ALNUM)

    def token(self, length: int) -> str:
        """Random letters and digits (obfuscation pads, encrypted reasoning)."""
        return self._source.token(length, ALNUM)
