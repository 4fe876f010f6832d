"""Unexpected server errors: the last few kept, all counted, the same traceback logged in full once."""

from __future__ import annotations

import logging

import pytest

from fakellm.server.pipeline import MAX_SIGNATURES, ServerErrors


def _raise(kind: type[Exception], message: str) -> Exception:
    try:
        raise kind(message)
    except Exception as exc:  # caught to be recorded, as the pipeline does
        return exc


def _same_bug(n: int) -> Exception:
    return _raise(ZeroDivisionError, f"bug {n}")


def test_a_repeated_traceback_is_logged_in_full_once_per_quiet_period(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    errors = ServerErrors(10, clock=lambda: now[0], quiet_s=60)
    with caplog.at_level(logging.ERROR, logger="fakellm"):
        for i in range(50):
            errors.record(_same_bug(i), "POST /v1/chat/completions")
        now[0] = 61.0
        errors.record(_same_bug(99), "POST /v1/chat/completions")
    full = [r for r in caplog.records if r.exc_info]
    assert len(full) == 2
    assert "and 49 more times" in full[1].getMessage()
    assert len(caplog.records) == 51  # every error still gets its one line
    assert (errors.count, len(errors.recent)) == (51, 10)


def test_different_tracebacks_are_each_logged_in_full(caplog: pytest.LogCaptureFixture) -> None:
    errors = ServerErrors()
    with caplog.at_level(logging.ERROR, logger="fakellm"):
        errors.record(_same_bug(1), "a")
        errors.record(_raise(KeyError, "x"), "b")
    assert len([r for r in caplog.records if r.exc_info]) == 2


def test_remembered_tracebacks_are_bounded() -> None:
    errors = ServerErrors(1, logger=logging.getLogger("fakellm.test.quiet"))
    for i in range(MAX_SIGNATURES + 50):
        errors.record(_raise(type(f"E{i}", (Exception,), {}), "x"), "where")
    assert len(errors._logged) == MAX_SIGNATURES
    assert errors.take() == [f"where: E{MAX_SIGNATURES + 49}: x"]
    assert errors.take() == []
