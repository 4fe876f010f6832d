"""`build_library`: the shipped scenarios plus the user's files, or a ValueError naming every problem."""

from __future__ import annotations

import pytest

from fakellm.config import ServerConfig
from fakellm.server.app import build_library


def test_the_builtin_library_is_loaded_by_default():
    library = build_library(ServerConfig())
    assert {"echo", "tools", "slow", "malformed"} <= set(library.names)


def test_user_files_load_beside_the_builtin_library(tmp_path):
    (tmp_path / "mine.yaml").write_text("rules: [{reply: hi}]\n")
    assert "mine" in build_library(ServerConfig(scenario_paths=[tmp_path])).names


def test_without_the_builtin_library_echo_is_still_there(tmp_path):
    (tmp_path / "mine.yaml").write_text("rules: [{reply: hi}]\n")
    assert build_library(ServerConfig(scenario_paths=[tmp_path], include_builtin=False)).names == ["echo", "mine"]


def test_a_name_clash_with_the_builtin_library_refuses_to_start(tmp_path):
    (tmp_path / "tools.yaml").write_text("rules: [{reply: hi}]\n")
    with pytest.raises(ValueError, match="the scenario name 'tools' is already used by"):
        build_library(ServerConfig(scenario_paths=[tmp_path]))


def test_every_error_of_every_file_is_in_the_message(tmp_path):
    (tmp_path / "a.yaml").write_text("rules: [{reply: {txt: x}}]\n")
    (tmp_path / "b.yaml").write_text("rules: [{match: {usr: x}, reply: y}]\n")
    with pytest.raises(ValueError, match="invalid scenarios") as caught:
        build_library(ServerConfig(scenario_paths=[tmp_path], include_builtin=False))
    assert "a.yaml:1: rule 1: reply.txt" in str(caught.value)
    assert "b.yaml:1: rule 1: match.usr" in str(caught.value)


def test_an_unknown_default_scenario_refuses_to_start():
    with pytest.raises(ValueError, match="default scenario 'nope' is not loaded"):
        build_library(ServerConfig(default_scenario="nope"))
