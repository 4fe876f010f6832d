"""The recording file: valid after every appended rule, continued only when it is safe to."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakellm.record.writer import RecordingFileError, ScenarioWriter
from fakellm.scenarios.validate import check_paths

RULE = {"name": "1: openai m", "match": {"user": {"equals": "hi"}, "turn": 1}, "replies": [{"text": "yo"}]}


def _valid(path: Path) -> int:
    report = check_paths([path])
    assert not report.errors, report.errors
    return len(report.scenarios[0].spec.rules)


def test_the_file_loads_before_the_first_rule_and_after_each(tmp_path: Path) -> None:
    path = tmp_path / "rec.yaml"
    writer = ScenarioWriter(path, "rec")
    assert _valid(path) == 0
    awkward = ["two\nlines", "ends with blank lines\n\n\n", "...", "- a dash", "tab\tand\r\nCRLF", "{{ user }}", ""]
    for number, text in enumerate(awkward, start=1):
        writer.append({**RULE, "replies": [{"text": text}]})
        assert _valid(path) == number
    spec = check_paths([path]).scenarios[0].spec
    assert [r.replies[0].text for r in spec.rules if r.replies] == awkward
    assert spec.unmatched == "error"


def test_a_recording_is_continued_by_the_same_name_and_refused_by_another(tmp_path: Path) -> None:
    path = tmp_path / "rec.yaml"
    ScenarioWriter(path, "rec").append(RULE)
    again = ScenarioWriter(path, "rec")
    assert again.next_number() == 2
    again.append(RULE)
    assert _valid(path) == 2
    with pytest.raises(RecordingFileError, match="holds scenario 'rec', not 'other'"):
        ScenarioWriter(path, "other")


def test_a_file_whose_rules_are_not_last_is_not_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "hand.yaml"
    path.write_text("name: rec\nrules:\n- reply: hi\ndescription: moved\n", encoding="utf-8")
    with pytest.raises(RecordingFileError, match="must be its last key"):
        ScenarioWriter(path, "rec")


def test_a_rule_the_format_refuses_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "rec.yaml"
    writer = ScenarioWriter(path, "rec")
    with pytest.raises(ValueError, match="reply"):
        writer.append({"name": "broken", "match": {"user": "x"}})
    assert _valid(path) == 0
