"""`fakellm validate`: every kind of mistake reported as file:line: rule N: field: message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fakellm.config import builtin_scenarios_dir
from fakellm.scenarios.validate import check_paths

BUILTIN_NAMES = {
    "echo", "lorem", "script", "tools", "reasoning", "slow", "flaky",
    "rate-limited", "midstream-error", "disconnect", "stall", "malformed", "strict",
}  # fmt: skip


def messages(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return [str(d).removeprefix(f"{path}:") for d in check_paths([path]).diagnostics]


def run_cli(*args):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-m", "fakellm", *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rules:\n  - reply: x\n  - match:\n      usr: hi\n    reply: y\n",
            "4: rule 2: match.usr: unknown field 'usr' (did you mean 'user'?)",
        ),
        (
            "rules:\n  - match:\n      user:\n        regex: '(oops'\n    reply: y\n",
            "4: rule 1: match.user.regex: invalid regex '(oops': missing ), unterminated subpattern",
        ),
        (
            "rules:\n  - match:\n      has_tools: maybe\n    reply: y\n",
            "3: rule 1: match.has_tools: input should be a valid boolean",
        ),
        (
            "rules:\n  - reply: x\n    latency:\n      ttft_ms: fast\n",
            "4: rule 1: latency.ttft_ms: input should be a valid number",
        ),
        (
            "rules:\n  - replies: [a, b]\n    exhausted: loop\n",
            "3: rule 1: exhausted: must be one of 'repeat_last', 'cycle', 'error' or 'next_rule', not 'loop'",
        ),
        ("rules:\n  - match: {user: x}\n", "2: rule 1: a rule needs `reply` or `replies`"),
        (
            "rules:\n  - reply:\n      template: 'Hi {{ usr }}'\n",
            "3: rule 1: reply.template: template: unknown variable 'usr'",
        ),
        ("defaults:\n  error:\n    every: 2\n", "2: defaults.error.status: this field is required"),
        ("name: a\nrules:\n  - reply: x\n   bad: [\n", "4: YAML syntax error"),
        ("name: a\nname: b\n", "2: duplicate key 'name' (first on line 1)"),
        ("rules:\n  - replies:\n      - a\n      - txt: b\n", "4: rule 1: replies[1].txt: unknown field 'txt'"),
        ("name: my scenario\n", "1: name: 'my scenario' is not a valid name"),
    ],
)
def test_each_mistake_names_its_line_rule_field_and_problem(tmp_path, text, expected):
    found = messages(tmp_path, text)
    assert any(m.startswith(expected) for m in found), found


def test_a_json_syntax_error_names_its_line(tmp_path):
    found = messages(tmp_path, '{\n  "rules": [\n    {"reply": "x",}\n  ]\n}', "s.json")
    assert found[0].startswith("3: JSON syntax error")


def test_a_rule_after_a_catch_all_is_a_warning(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("rules:\n  - reply: everything\n  - match: {user: x}\n    reply: never\n")
    report = check_paths([path])
    assert report.errors == []
    assert [str(w) for w in report.warnings] == [
        f"{path}:3: rule 2: match: warning: this rule is never reached: rule 1 above matches every request"
    ]


def test_braces_in_fixed_text_are_a_warning(tmp_path):
    found = messages(tmp_path, "rules:\n  - reply:\n      text: 'Hi {{ user }}'\n")
    assert found == ["3: rule 1: reply.text: warning: fixed text contains '{{', which is sent as written; "
                     "use `template:` to fill placeholders"]  # fmt: skip


def test_two_files_with_one_name_clash(tmp_path):
    (tmp_path / "a.yaml").write_text("name: same\nrules: []\n")
    (tmp_path / "b.yaml").write_text("name: same\nrules: []\n")
    report = check_paths([tmp_path])
    assert [s.name for s in report.scenarios] == ["same"]
    assert "the scenario name 'same' is already used by" in str(report.errors[0])


def test_the_name_defaults_to_the_file_name(tmp_path):
    (tmp_path / "greeter.yaml").write_text("rules: [{reply: hi}]\n")
    assert [s.name for s in check_paths([tmp_path]).scenarios] == ["greeter"]


def test_every_shipped_scenario_validates_cleanly():
    report = check_paths([builtin_scenarios_dir()])
    assert report.diagnostics == []
    assert {s.name for s in report.scenarios} == BUILTIN_NAMES


def test_cli_validate_exits_0_on_good_files():
    result = run_cli("validate", str(builtin_scenarios_dir()))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 13 scenario(s)")


def test_cli_validate_exits_1_and_prints_each_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - reply: {txt: x}\n")
    result = run_cli("validate", str(bad), str(tmp_path / "missing.yaml"))
    assert result.returncode == 1
    assert f"{bad}:2: rule 1: reply.txt: unknown field 'txt'" in result.stderr
    assert "missing.yaml:0: no such file or directory" in result.stderr


def test_cli_serve_refuses_an_invalid_file_with_the_same_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - reply: {txt: x}\n")
    result = run_cli("serve", "--port", "0", "--scenarios", str(bad))
    assert result.returncode == 1
    assert f"{bad}:2: rule 1: reply.txt: unknown field 'txt'" in result.stderr


def test_cli_schema_prints_the_json_schema():
    result = run_cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "fakellm scenario"
    assert "rules" in schema["properties"]


def readme_examples():
    readme = builtin_scenarios_dir() / "README.md"
    blocks = readme.read_text().split("```yaml\n")[1:]
    return [block.split("```")[0] for block in blocks]


def test_the_readme_examples_are_valid_scenarios(tmp_path):
    import yaml

    checked = 0
    for number, block in enumerate(readme_examples()):
        try:
            data = yaml.safe_load(block)
        except yaml.YAMLError:
            continue  # a fragment listing alternatives, not a file
        if isinstance(data, list):
            data = {"rules": data}
        elif isinstance(data, dict) and set(data) <= {"reply", "match"}:
            data = {"rules": [data]}
        elif not (isinstance(data, dict) and ({"rules", "defaults"} & set(data))):
            continue
        path = tmp_path / f"example{number}.json"
        path.write_text(json.dumps(data))
        report = check_paths([path])
        assert report.diagnostics == [], (block, [str(d) for d in report.diagnostics])
        checked += 1
    assert checked >= 12


def test_api_keys_in_a_rule_are_an_error_that_points_to_the_defaults(tmp_path):
    found = messages(tmp_path, "rules:\n  - reply: x\n    api_keys: [sk-a]\n")
    assert len(found) == 1
    assert found[0].startswith("2: rule 1")
    assert "`api_keys` belongs in the scenario's `defaults`" in found[0]


def test_a_nested_repeat_in_a_regex_is_a_warning_and_the_file_loads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "rules:\n  - match:\n      user: {regex: '^(a+)+$'}\n    reply: x\n"
        "  - match: {not: {header: {x-id: {regex: '(\\d+,?)*$'}}}}\n    reply: y\n"
        "  - match: {user: {regex: '^a+b*$'}}\n    reply: z\n"
    )
    report = check_paths([path])
    assert [s.name for s in report.scenarios] == ["s"]
    assert not report.errors
    found = [str(d).removeprefix(f"{path}:") for d in report.warnings]
    assert len(found) == 2
    assert found[0].startswith("3: rule 1: match.user.regex: warning: regex '^(a+)+$' repeats a group")
    assert found[1].startswith("5: rule 2: match.not.header.x-id.regex: warning: regex '(\\d+,?)*$'")


def test_hostile_files_are_reported_as_file_and_line(tmp_path):
    (tmp_path / "deep.json").write_text('{"rules":\n' + "[" * 100_000 + "]" * 100_000 + "}")
    (tmp_path / "laughs.yaml").write_text(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True))
    )
    (tmp_path / "braces.yaml").write_text("rules:\n  - reply: {template: '" + "{{" * 20_000 + "'}\n")
    found = sorted(str(d).removeprefix(f"{tmp_path}/") for d in check_paths([tmp_path]).errors)
    assert found == [
        "braces.yaml:2: rule 1: reply.template: template: '{{' at column 1 is never closed by '}}'",
        "deep.json:2: nested deeper than 100 levels",
        "laughs.yaml:4: YAML aliases expand to more than 10000 nodes; write the repeated parts out",
    ]


def test_a_large_file_validates_with_every_rule(tmp_path):
    # Linear time is measured by bench/scenario_files.py; here a moderate size must simply work.
    rules = "".join(
        f"  - match: {{user: {{regex: '^q{i}$'}}}}\n    reply: {{template: 'a{i} {{{{ user }}}}'}}\n"
        for i in range(2_000)
    )
    path = tmp_path / "many.yaml"
    path.write_text("rules:\n" + rules + "  - reply: rest\n")
    report = check_paths([path])
    assert not report.diagnostics
    assert len(report.scenarios[0].spec.rules) == 2_001


def test_the_collector_is_paused_while_a_file_is_read_and_restored_after(tmp_path, monkeypatch):
    import gc

    from fakellm.scenarios import validate

    seen = []

    def reading(path):
        seen.append(gc.isenabled())
        raise validate.DocumentError(1, "stop here")

    monkeypatch.setattr(validate, "read_document", reading)
    assert gc.isenabled()
    assert str(validate.check_file(tmp_path / "a.yaml")[1][0]).endswith(":1: stop here")
    assert seen == [False]
    assert gc.isenabled()
