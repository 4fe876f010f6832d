"""`fakellm.server.body`: the size limit, UTF-8 and JSON decoding, each refused with a precise 4xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from starlette.types import Message

from fakellm.errors import ApiError
from fakellm.server.body import decode_json, read_body


class FakeReceive:
    """An ASGI `receive` that hands out the given body pieces and counts how many were taken."""

    def __init__(self, pieces: list[bytes], disconnect: bool = False) -> None:
        self.taken = 0
        self._messages: Iterator[Message] = iter(
            [{"type": "http.request", "body": p, "more_body": i < len(pieces) - 1} for i, p in enumerate(pieces)]
            if not disconnect
            else [{"type": "http.request", "body": pieces[0], "more_body": True}, {"type": "http.disconnect"}]
        )

    async def __call__(self) -> Message:
        self.taken += 1
        return next(self._messages)


def read(receive: FakeReceive, content_length: str | None, limit: int = 100) -> bytes:
    return asyncio.run(read_body(receive, content_length, limit))


def test_read_body_joins_pieces() -> None:
    assert read(FakeReceive([b"ab", b"cd", b"e"]), None) == b"abcde"


def test_declared_length_over_limit_is_413_before_reading() -> None:
    receive = FakeReceive([b"x" * 10])
    with pytest.raises(ApiError) as info:
        read(receive, "101")
    assert info.value.status == 413
    assert "100 bytes" in (info.value.message or "")
    assert receive.taken == 0


def test_undeclared_body_over_limit_stops_at_the_piece_that_crosses_it() -> None:
    receive = FakeReceive([b"x" * 60, b"x" * 60, b"x" * 60, b"x" * 60])
    with pytest.raises(ApiError) as info:
        read(receive, None)
    assert info.value.status == 413
    assert receive.taken == 2


def test_body_exactly_at_limit_is_accepted() -> None:
    assert len(read(FakeReceive([b"x" * 100]), "100")) == 100


def test_disconnect_mid_body_is_400() -> None:
    with pytest.raises(ApiError) as info:
        read(FakeReceive([b"{"], disconnect=True), None)
    assert info.value.status == 400


def decode_error(raw: bytes) -> ApiError:
    with pytest.raises(ApiError) as info:
        decode_json(raw)
    assert info.value.status == 400
    return info.value


def test_decode_json_returns_the_value() -> None:
    assert decode_json(b'{"a": [1, "\\ud83d\\ude00"]}') == {"a": [1, "\U0001f600"]}


@pytest.mark.parametrize("raw", [b"", b"  \n"])
def test_empty_body_says_it_is_empty(raw: bytes) -> None:
    assert "empty" in (decode_error(raw).message or "")


def test_malformed_json_names_line_and_column() -> None:
    message = decode_error(b'{"model": "x",\n "messages": [}').message or ""
    assert "line 2 column" in message


def test_non_utf8_names_the_byte_and_position() -> None:
    message = decode_error(b'{"a": "\xff"}').message or ""
    assert "UTF-8" in message
    assert "0xff" in message
    assert "position 7" in message


def test_lone_surrogate_escape_names_the_field() -> None:
    error = decode_error(b'{"messages": [{"content": "hi \\ud800"}]}')
    assert error.param == "messages[0].content"
    assert "messages[0].content" in (error.message or "")


def test_lone_surrogate_in_a_key_is_refused() -> None:
    assert decode_error(b'{"\\udc00": 1}').param is None


def test_deep_nesting_is_400_not_a_crash() -> None:
    assert "nested too deeply" in (decode_error(b"[" * 100_000 + b"]" * 100_000).message or "")


def test_integer_with_too_many_digits_is_400() -> None:
    assert "digits" in (decode_error(b'{"n": ' + b"1" * 5000 + b"}").message or "")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b'{"temperature": NaN}', "NaN is not a valid JSON value"),
        (b'{"a": [1, {"b": Infinity}]}', "Infinity is not a valid JSON value"),
        (b"-Infinity", "-Infinity is not a valid JSON value"),
        (b'{"top_p": 1e999}', "the number 1e999 is too large"),
        (b"[-1" + b"0" * 400 + b".5]", "the number -1" + "0" * 38 + "... is too large"),
    ],
)
def test_nan_and_infinities_are_not_json(raw: bytes, shown: str) -> None:
    message = decode_error(raw).message or ""
    assert shown in message
    assert "JSON has no NaN or Infinity" in message


def test_finite_numbers_decode_as_before() -> None:
    assert decode_json(b"[1e308, -0.0, 1E-400, 0.1, 10000000000000000000000]") == [1e308, -0.0, 0.0, 0.1, 10**22]
