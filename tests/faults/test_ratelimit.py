"""The token-bucket limiter: budgets refill continuously, refusals cost nothing, resets are true."""

from __future__ import annotations

import pytest

from fakellm.cli import build_parser, config_from_args
from fakellm.config import ConfigError, ServerConfig
from fakellm.faults.ratelimit import UNLIMITED_TOKENS, RateLimited, RateLimiter, TokenBucket, format_reset


def test_format_reset_uses_openai_duration_style() -> None:
    assert format_reset(0.12) == "120ms"
    assert format_reset(6) == "6s"
    assert format_reset(90.5) == "1m30.5s"


def test_bucket_refills_at_capacity_per_minute() -> None:
    bucket = TokenBucket(60, now=0.0)
    bucket.take(60)
    bucket.refill(10.0)
    assert bucket.remaining == 10
    assert bucket.reset_in() == pytest.approx(50.0)


def test_reset_after_one_request_of_500_rpm_is_120ms() -> None:
    status = RateLimiter().acquire(("s", "k"), 500, None, 10, now=0.0)
    assert status.remaining_requests == 499
    assert status.reset_requests_s == pytest.approx(0.12)
    assert status.limit_tokens == UNLIMITED_TOKENS
    assert status.remaining_tokens == UNLIMITED_TOKENS - 10


def test_over_the_request_budget_raises_with_the_real_wait() -> None:
    limiter = RateLimiter()
    for _ in range(3):
        limiter.acquire(("s", "k"), 3, None, 1, now=0.0)
    with pytest.raises(RateLimited) as over:
        limiter.acquire(("s", "k"), 3, None, 1, now=5.0)
    assert over.value.limit_name == "requests"
    assert over.value.limit == 3
    assert over.value.retry_after == pytest.approx(15.0)  # one request back every 20 s; 5 s have passed
    assert over.value.status.remaining_requests == 0


def test_a_refused_request_costs_nothing_and_capacity_returns_on_time() -> None:
    limiter = RateLimiter()
    limiter.acquire(("s", "k"), 1, None, 1, now=0.0)
    with pytest.raises(RateLimited):
        limiter.acquire(("s", "k"), 1, None, 1, now=30.0)
    assert limiter.acquire(("s", "k"), 1, None, 1, now=60.0).remaining_requests == 0


def test_token_budget_counts_tokens_and_names_them() -> None:
    limiter = RateLimiter()
    limiter.acquire(("s", "k"), None, 100, 80, now=0.0)
    with pytest.raises(RateLimited) as over:
        limiter.acquire(("s", "k"), None, 100, 30, now=0.0)
    assert (over.value.limit_name, over.value.used, over.value.requested) == ("tokens", 80, 30)
    assert over.value.retry_after == pytest.approx(6.0)  # 10 tokens short at 100 tokens/min


def test_budgets_are_separate_per_slot() -> None:
    limiter = RateLimiter()
    limiter.acquire(("s", "alice"), 1, None, 1, now=0.0)
    assert limiter.acquire(("s", "bob"), 1, None, 1, now=0.0).remaining_requests == 0
    with pytest.raises(RateLimited):
        limiter.acquire(("s", "alice"), 1, None, 1, now=0.0)


def test_reset_forgets_every_budget() -> None:
    limiter = RateLimiter()
    limiter.acquire(("s", "k"), 1, None, 1, now=0.0)
    limiter.reset()
    assert limiter.acquire(("s", "k"), 1, None, 1, now=0.0).remaining_requests == 0


def test_idle_full_buckets_are_forgotten_so_distinct_keys_do_not_grow_the_limiter() -> None:
    limiter = RateLimiter(sweep_at=100)
    for i in range(10_000):  # one new key a request, each idle (refilled) a minute later
        limiter.acquire(("s", f"key-{i}"), 60, None, 1, now=i * 1.0)
    assert len(limiter) <= 200  # only the buckets still refilling (60 s worth) and the sweep's slack


def test_a_bucket_still_refilling_is_kept_by_the_sweep() -> None:
    limiter = RateLimiter(sweep_at=2)
    for _ in range(3):
        limiter.acquire(("s", "busy"), 3, None, 1, now=0.0)
    limiter.acquire(("s", "a"), 3, None, 1, now=0.5)
    limiter.acquire(("s", "b"), 3, None, 1, now=0.5)  # a sweep: "busy" is still empty, it stays
    with pytest.raises(RateLimited):
        limiter.acquire(("s", "busy"), 3, None, 1, now=0.6)
    for i in range(5):
        limiter.acquire(("s", f"later-{i}"), 3, None, 1, now=1000.0 + i)  # all earlier ones refilled
    assert len(limiter) < 7  # of the 8 slots made, the refilled ones went at the later sweeps
    assert limiter.acquire(("s", "busy"), 3, None, 1, now=2000.0).remaining_requests == 2  # a new budget


def test_the_cap_holds_however_many_keys_arrive() -> None:
    limiter = RateLimiter(max_clients=50, sweep_at=8)
    for i in range(500):  # ten times the cap, all still refilling (one request of 1 rpm each)
        limiter.acquire(("s", f"key-{i}"), 1, None, 1, now=i * 0.001)
        assert len(limiter) <= 50
    assert len(limiter) == 50
    assert limiter.evicted == 450


def test_at_the_cap_refilled_budgets_go_before_any_in_use() -> None:
    limiter = RateLimiter(max_clients=3, sweep_at=1024)
    limiter.acquire(("s", "busy"), 1, None, 1, now=0.0)
    limiter.acquire(("s", "idle-a"), 600, None, 1, now=0.0)  # whole again 0.1 s later
    limiter.acquire(("s", "idle-b"), 600, None, 1, now=0.0)
    limiter.acquire(("s", "new"), 1, None, 1, now=1.0)  # the oldest, "busy", is still refilling: it stays
    assert (len(limiter), limiter.evicted) == (2, 0)
    with pytest.raises(RateLimited):
        limiter.acquire(("s", "busy"), 1, None, 1, now=1.0)


def test_the_least_recently_used_budget_is_the_one_forgotten() -> None:
    limiter = RateLimiter(max_clients=3)
    for key in ("a", "b", "c"):
        limiter.acquire(("s", key), 1, None, 1, now=0.0)
    with pytest.raises(RateLimited):  # "a" is used again (a refusal counts), so "b" is now the oldest
        limiter.acquire(("s", "a"), 1, None, 1, now=0.1)
    limiter.acquire(("s", "d"), 1, None, 1, now=0.2)
    with pytest.raises(RateLimited):
        limiter.acquire(("s", "a"), 1, None, 1, now=0.3)  # kept its spent budget
    assert limiter.acquire(("s", "b"), 1, None, 1, now=0.3).remaining_requests == 0  # evicted: a full budget again


def test_the_cap_is_a_validated_server_setting() -> None:
    assert ServerConfig().rate_limit_max_clients == 100_000
    for bad in (0, -1, 1.5, True, "10"):
        with pytest.raises(ConfigError, match=r"^rate_limit_max_clients "):
            ServerConfig(rate_limit_max_clients=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_clients"):
        RateLimiter(max_clients=0)


def test_the_cap_reaches_the_limiter_from_the_config() -> None:
    from fakellm.server.app import FakeLLMApp

    app = FakeLLMApp(ServerConfig(rate_limit_max_clients=7))
    assert app.pipeline.faults.limiter.max_clients == 7


def test_the_cap_has_a_serve_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FAKELLM_HOST", "FAKELLM_PORT", "PORT"):
        monkeypatch.delenv(name, raising=False)
    config = config_from_args(build_parser().parse_args(["serve", "--rate-limit-max-clients", "5000"]))
    assert config.rate_limit_max_clients == 5000
    with pytest.raises(SystemExit, match=r"^fakellm serve: --rate-limit-max-clients must be 1 or more, got 0$"):
        config_from_args(build_parser().parse_args(["serve", "--rate-limit-max-clients", "0"]))
