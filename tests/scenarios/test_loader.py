"""Reading YAML and JSON scenario files with the line of every key, and refusing what cannot be read."""

from __future__ import annotations

import pytest

from fakellm.scenarios.loader import DocumentError, read_document, scenario_files


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_yaml_keys_and_items_get_their_lines(tmp_path):
    doc = read_document(write(tmp_path, "a.yaml", "name: a\nrules:\n  - match:\n      user: hi\n    reply: x\n"))
    assert doc.data["name"] == "a"
    assert doc.lines[("rules",)] == 2
    assert doc.lines[("rules", 0)] == 3
    assert doc.lines[("rules", 0, "match", "user")] == 4
    assert doc.lines[("rules", 0, "reply")] == 5


def test_line_of_falls_back_to_the_nearest_existing_parent(tmp_path):
    doc = read_document(write(tmp_path, "a.yaml", "rules:\n  - reply: x\n"))
    assert doc.line_of(("rules", 0, "match", "user")) == 2


def test_json_files_get_lines_too(tmp_path):
    doc = read_document(write(tmp_path, "a.json", '{\n  "name": "a",\n  "rules": [\n    {"reply": "x"}\n  ]\n}\n'))
    assert doc.data["rules"] == [{"reply": "x"}]
    assert doc.lines[("rules", 0, "reply")] == 4


def test_a_yaml_syntax_error_names_its_line(tmp_path):
    with pytest.raises(DocumentError) as caught:
        read_document(write(tmp_path, "a.yaml", "name: a\nrules:\n  - reply: x\n   bad: [\n"))
    assert caught.value.line in (4, 5)
    assert caught.value.message.startswith("YAML syntax error")


def test_a_json_syntax_error_names_its_line(tmp_path):
    with pytest.raises(DocumentError) as caught:
        read_document(write(tmp_path, "a.json", '{\n  "name": "a",\n  "rules": [,]\n}'))
    assert caught.value.line == 3
    assert "JSON syntax error" in caught.value.message


@pytest.mark.parametrize(
    ("name", "text"),
    [("a.yaml", "name: a\nname: b\n"), ("a.json", '{"name": "a",\n "name": "b"}')],
)
def test_duplicate_keys_are_errors_not_silently_collapsed(tmp_path, name, text):
    with pytest.raises(DocumentError, match="duplicate key 'name' \\(first on line 1\\)") as caught:
        read_document(write(tmp_path, name, text))
    assert caught.value.line == 2


def test_an_empty_file_is_an_error(tmp_path):
    with pytest.raises(DocumentError, match="empty"):
        read_document(write(tmp_path, "a.yaml", "# nothing\n"))


def test_a_file_that_is_not_a_mapping_is_an_error(tmp_path):
    with pytest.raises(DocumentError, match="must hold a mapping"):
        read_document(write(tmp_path, "a.yaml", "- a\n- b\n"))


def test_directories_give_their_scenario_files_sorted(tmp_path):
    write(tmp_path, "b.yaml", "rules: []")
    write(tmp_path, "a.json", "{}")
    write(tmp_path, "README.md", "# not a scenario")
    files, missing = scenario_files([tmp_path, tmp_path / "nope.yaml"])
    assert [f.name for f in files] == ["a.json", "b.yaml"]
    assert missing == [tmp_path / "nope.yaml"]
