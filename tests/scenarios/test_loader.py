"""Reading YAML and JSON scenario files with the line of every key, and refusing what cannot be read."""

from __future__ import annotations

import pytest

from fakellm.scenarios.loader import MAX_ALIAS_NODES, MAX_DEPTH, DocumentError, read_document, scenario_files


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


# --- hostile files: refused with a line, quickly, instead of exhausting memory or the stack --------


def laughs(levels):
    """A "billion laughs" file: each anchor a list of ten aliases of the one before, 10**levels in all."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join([*lines, f"rules: *a{levels - 1}", ""])


def test_aliases_expanding_past_the_bound_are_refused_at_their_line(tmp_path):
    with pytest.raises(DocumentError, match=f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes") as caught:
        read_document(write(tmp_path, "laughs.yaml", laughs(9)))
    assert caught.value.line == 4  # a3: 10 x 1111 nodes, the first past 10,000


def test_aliases_within_the_bound_still_load(tmp_path):
    rules = "".join(f"  - <<: *answer\n    match: {{user: q{i}}}\n" for i in range(200))
    doc = read_document(write(tmp_path, "merge.yaml", f"shared:\n  answer: &answer {{reply: hi}}\nrules:\n{rules}"))
    assert len(doc.data["rules"]) == 200
    assert doc.data["rules"][199] == {"reply": "hi", "match": {"user": "q199"}}


def test_a_recursive_alias_is_refused(tmp_path):
    with pytest.raises(DocumentError, match=r"the alias \*loop is inside the node it refers to") as caught:
        read_document(write(tmp_path, "loop.yaml", "rules:\n  - &loop\n    - *loop\n"))
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("deep.yaml", "name: deep\nrules: " + "[" * 20_000 + "]" * 20_000 + "\n", 2),
        ("block.yaml", "rules:\n" + "".join("  " * d + "- \n" for d in range(1, 150)), 101),
        ("deep.json", '{"name": "deep",\n "rules": ' + "[" * 100_000 + "]" * 100_000 + "}\n", 2),
    ],
)
def test_nesting_past_the_bound_is_refused_at_its_line(tmp_path, name, text, line):
    with pytest.raises(DocumentError, match=f"nested deeper than {MAX_DEPTH} levels") as caught:
        read_document(write(tmp_path, name, text))
    assert caught.value.line == line


def test_aliases_cannot_nest_past_the_bound_either(tmp_path):
    half = MAX_DEPTH // 2 + 5
    text = f"a: &a {'[' * half}x{']' * half}\nrules: {'[' * half}*a{']' * half}\n"
    with pytest.raises(DocumentError, match=r"nested deeper than 100 levels \(with \*a expanded\)") as caught:
        read_document(write(tmp_path, "deep-alias.yaml", text))
    assert caught.value.line == 2


def test_nesting_within_the_bound_loads(tmp_path):
    depth = MAX_DEPTH - 2  # the top-level mapping and `rules` take two levels
    doc = read_document(write(tmp_path, "ok.yaml", "rules: " + "[" * depth + "]" * depth + "\n"))
    assert doc.data["rules"] == eval("[" * depth + "]" * depth)
    brackets = '"' + '[[[[{{{{' * 50 + '"'
    json_doc = read_document(write(tmp_path, "ok.json", f'{{"rules": [], "description": {brackets}}}\n'))
    assert json_doc.data["description"].startswith("[[[[{{{{")
