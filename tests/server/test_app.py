"""`FakeLLMApp`'s control API: scenarios, the default, keys, snapshot/restore, reset, server errors;
and that building an app changes nothing process-wide."""

from __future__ import annotations

import dataclasses
import logging

import httpx
import pytest

from fakellm.config import ServerConfig
from fakellm.server.app import AppSnapshot, FakeLLMApp, build_library
from fakellm.testing.layers import scenario_from_dict
from fakellm.testing.server_thread import ServerThread
from tests.support.doubles import BrokenScenario, FixedScenario

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def app() -> FakeLLMApp:
    return FakeLLMApp(ServerConfig(include_builtin=False, api_keys=("sk-one",)))


def test_scenarios_are_added_found_and_removed(app):
    canned = FixedScenario("canned", "x")
    app.add_scenario(canned)
    assert app.scenario("canned") is canned
    assert app.scenario_names == ["canned", "echo"]
    app.remove_scenario("canned")
    assert app.scenario("canned") is None


def test_the_default_scenario_must_be_loaded(app):
    with pytest.raises(ValueError, match="no scenario named 'nope'; loaded: echo"):
        app.set_default_scenario("nope")
    app.add_scenario(FixedScenario("canned", "x"))
    app.set_default_scenario("canned")
    assert app.default_scenario == "canned"


def test_keys_are_read_and_replaced_as_text(app):
    assert app.api_keys == ("sk-one",)
    app.set_api_keys(["sk-two", "", "sk-three"])
    assert app.api_keys == ("sk-two", "sk-three")
    app.set_api_keys(())
    assert app.api_keys == ()


def test_restore_puts_back_scenarios_default_and_keys(app):
    echo = app.scenario("echo")
    snapshot = app.snapshot()
    app.add_scenario(FixedScenario("canned", "x"))
    app.add_scenario(FixedScenario("echo", "not the echo"))
    app.set_default_scenario("canned")
    app.set_api_keys(["sk-other"])
    app.remove_scenario("echo")
    app.restore(snapshot)
    assert app.snapshot() == snapshot
    assert (app.scenario_names, app.default_scenario, app.api_keys) == (["echo"], "echo", ("sk-one",))
    assert app.scenario("echo") is echo


def test_a_snapshot_cannot_be_changed(app):
    snapshot = app.snapshot()
    assert isinstance(snapshot, AppSnapshot)
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.default_scenario = "x"  # type: ignore[misc]


def test_reset_restarts_per_run_state_and_empties_the_journal():
    scenario = {"name": "seq", "rules": [{"replies": ["one", "two"]}]}
    config = ServerConfig(include_builtin=False, default_scenario="seq")
    app = FakeLLMApp(config, library=build_library(config, extra=[scenario_from_dict(scenario, None, "test")]))
    thread = ServerThread(app).start()
    try:
        url = thread.url + "/v1/chat/completions"
        assert httpx.post(url, json=CHAT).json()["choices"][0]["message"]["content"] == "one"
        assert len(app.journal) == 1
        app.reset()
        assert len(app.journal) == 0
        assert httpx.post(url, json=CHAT).json()["choices"][0]["message"]["content"] == "one"
    finally:
        thread.stop()


def test_server_errors_are_handed_out_once():
    app = FakeLLMApp(ServerConfig(include_builtin=False))
    app.add_scenario(BrokenScenario())
    thread = ServerThread(app).start()
    try:
        assert httpx.post(thread.url + "/s/broken/v1/chat/completions", json=CHAT).status_code == 500
        app.journal.wait_settled(2)
        assert len(app.server_errors) == 1
        taken = app.take_server_errors()
        assert len(taken) == 1
        assert "ZeroDivisionError" in taken[0]
        assert app.take_server_errors() == []
        assert app.server_errors == ()
    finally:
        thread.stop()


def test_build_library_takes_python_scenarios_that_replace_files_and_count_for_the_default():
    canned = FixedScenario("canned", "x")
    echo = FixedScenario("echo", "my own echo")
    library = build_library(ServerConfig(include_builtin=False, default_scenario="canned"), extra=[canned, echo])
    assert (library.get("canned"), library.get("echo"), library.default) == (canned, echo, "canned")
    with pytest.raises(ValueError, match="the default scenario 'nope' is not loaded"):
        build_library(ServerConfig(default_scenario="nope"), extra=[canned])


def _quiet_filters() -> list[logging.Filter]:
    return [f for f in logging.getLogger("uvicorn.error").filters if type(f).__name__ == "_QuietDrops"]


def test_building_an_app_leaves_the_logging_alone():
    logger = logging.getLogger("uvicorn.error")
    before = list(logger.filters)
    for installed in _quiet_filters():
        logger.removeFilter(installed)
    try:
        FakeLLMApp(ServerConfig(include_builtin=False))
        assert _quiet_filters() == []
        ServerThread(FakeLLMApp(ServerConfig(include_builtin=False))).start().stop()  # a server set-up installs it
        assert len(_quiet_filters()) == 1
    finally:
        logger.filters[:] = before


def test_server_errors_keep_the_last_few_and_count_all():
    app = FakeLLMApp(ServerConfig(include_builtin=False, server_errors_kept=3))
    app.add_scenario(BrokenScenario())
    thread = ServerThread(app).start()
    try:
        for _ in range(5):
            assert httpx.post(thread.url + "/s/broken/v1/chat/completions", json=CHAT).status_code == 500
        app.journal.wait_settled(2)
        assert (len(app.server_errors), app.server_error_count) == (3, 5)
        assert len(app.take_server_errors()) == 3
        assert app.server_error_count == 5
    finally:
        thread.stop()


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/_fakellm/nope", 404, "not_found"),
        ("POST", "/_fakellm/health", 405, "method_not_allowed"),
        ("PUT", "/_fakellm/requests", 405, "method_not_allowed"),
        ("POST", "/_fakellm/requests/1", 405, "method_not_allowed"),
    ],
)
def test_fakellms_own_404_and_405_are_json(method, path, status, code):
    app = FakeLLMApp(ServerConfig(include_builtin=False))
    thread = ServerThread(app).start()
    try:
        response = httpx.request(method, thread.url + path)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
        error = response.json()["error"]
        assert (error["code"], error["type"]) == (code, "fakellm_error")
        assert path in error["message"]
        if status == 405:
            assert response.headers["allow"]
    finally:
        thread.stop()
