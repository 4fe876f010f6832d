"""`ServerConfig`: frozen, keyword-only, checked when made, and the one home of every default."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fakellm import config as config_module
from fakellm.config import ConfigError, ServerConfig


def test_is_frozen_and_keyword_only():
    config = ServerConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.port = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        ServerConfig("0.0.0.0")  # type: ignore[misc]


def test_changes_are_made_with_replace():
    config = ServerConfig(seed=3)
    changed = dataclasses.replace(config, default_scenario="slow")
    assert (changed.default_scenario, changed.seed, config.default_scenario) == ("slow", 3, "echo")


def test_lists_are_kept_as_tuples_so_the_config_stays_unchangeable():
    config = ServerConfig(scenario_paths=["a.yaml", Path("b")], api_keys=["k1", "k2"])  # type: ignore[arg-type]
    assert config.scenario_paths == (Path("a.yaml"), Path("b"))
    assert config.api_keys == ("k1", "k2")
    assert hash(config) == hash(dataclasses.replace(config))


def test_one_key_or_path_given_alone_is_not_split_into_characters():
    config = ServerConfig(api_keys="sk-one", scenario_paths=Path("x"))  # type: ignore[arg-type]
    assert (config.api_keys, config.scenario_paths) == (("sk-one",), (Path("x"),))


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("host", ""),
        ("port", -1),
        ("port", 65536),
        ("port", "8000"),
        ("port", True),
        ("default_scenario", ""),
        ("api_keys", (1,)),
        ("seed", 1.5),
        ("max_body", 0),
        ("journal_size", 0),
        ("log_level", "loud"),
        ("ttft_ms", -0.1),
        ("ttft_ms", float("nan")),
        ("tokens_per_second", 0),
        ("tokens_per_second", float("inf")),
    ],
)
def test_a_bad_value_is_a_value_error_naming_the_setting(setting, value):
    with pytest.raises(ValueError, match=f"^{setting} ") as caught:
        ServerConfig(**{setting: value})
    assert isinstance(caught.value, ConfigError)
    assert caught.value.setting == setting


def test_edge_values_are_accepted():
    config = ServerConfig(port=0, ttft_ms=0, tokens_per_second=0.5, max_body=1, journal_size=1, seed=0)
    assert (config.port, config.tokens_per_second) == (0, 0.5)


def test_every_default_lives_here():
    # The stages take their defaults from this module, not from copies of their own.
    from fakellm.journal import Journal
    from fakellm.server.pipeline import Pipeline
    from fakellm.testing.harness import FakeLLM

    assert Journal().size == ServerConfig().journal_size == config_module.DEFAULT_JOURNAL_SIZE
    assert Pipeline(library=None).max_body == ServerConfig().max_body  # type: ignore[arg-type]
    harness = FakeLLM()
    assert (harness.config.host, harness.config.default_scenario) == (ServerConfig().host, "echo")
    assert harness.config.journal_size == ServerConfig().journal_size


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("header_timeout", 0),
        ("body_timeout", -1),
        ("body_timeout", float("inf")),
        ("keep_alive_timeout", "5"),
        ("max_connections", 0),
        ("max_connections", 1.5),
        ("allowed_hosts", ("",)),
        ("allowed_hosts", ("a*.example.com",)),
        ("allowed_hosts", ("http://example.com",)),
        ("allowed_hosts", (3,)),
    ],
)
def test_a_bad_public_setting_is_a_value_error_naming_it(setting, value):
    with pytest.raises(ConfigError, match=f"^{setting} "):
        ServerConfig(**{setting: value})


def test_public_settings_have_sane_defaults_and_one_host_is_not_split():
    config = ServerConfig(allowed_hosts="fake.example.com")
    assert config.allowed_hosts == ("fake.example.com",)
    assert (config.header_timeout, config.body_timeout) == (10, 30)
    assert 0 < config.keep_alive_timeout <= config.header_timeout
    assert config.max_connections >= 100
    assert ServerConfig(allowed_hosts=["*", "*.example.com", "localhost:8000"]).allowed_hosts[0] == "*"


@pytest.mark.parametrize(
    "state", ["memory", "redis://127.0.0.1:6379/0", "redis://redis", "rediss://user:pw@host:6380/2", "unix:///r.sock"]
)
def test_state_is_memory_or_a_redis_url(state: str) -> None:
    assert ServerConfig(state=state).state == state


@pytest.mark.parametrize(
    "state", ["", "Memory", "redis://", "redis://host:port/0", "redis://host:6379/abc", "http://host:6379"]
)
def test_a_state_that_is_not_a_redis_url_is_refused_with_the_setting_named(state: str) -> None:
    with pytest.raises(ConfigError, match="state must be memory or a redis://HOST:PORT/DB URL"):
        ServerConfig(state=state)


@pytest.mark.parametrize("workers", [0, -1, 257, 1.5, True])
def test_workers_is_a_sensible_count(workers: object) -> None:
    with pytest.raises(ConfigError, match="workers must be from 1 to 256"):
        ServerConfig(workers=workers)  # type: ignore[arg-type]
