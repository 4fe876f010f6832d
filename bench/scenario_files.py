"""How `fakellm validate` scales with the size of a scenario file, and what hostile files cost.

Run: PYTHONPATH=$PWD python bench/scenario_files.py [largest-rule-count]

For growing rule counts it prints seconds and microseconds a rule to read (YAML to data with
lines), to validate (read, models, lints) and to build the matchers (`FileScenario`); the time a
rule should stay flat as the count grows. Then it times each hostile file of issue #16 (billion
laughs, deep YAML and JSON, 20,000 unclosed `{{`, a catastrophic regex on a request) and prints
the first diagnostic or the error: each should be refused in milliseconds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.errors import ApiError
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.loader import read_document
from fakellm.scenarios.validate import check_file


def rules_file(count: int) -> str:
    rule = "  - match: {{user: {{regex: '^q{0}$'}}}}\n    reply: {{template: 'a{0} {{{{ user }}}}'}}\n"
    return "rules:\n" + "".join(rule.format(i) for i in range(count))


def laughs() -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    return "\n".join([*lines, "rules: *a8", ""])


HOSTILE = {
    "billion-laughs.yaml": laughs,
    "deep.yaml": lambda: "rules: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "deep.json": lambda: '{"rules": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
    "unclosed.yaml": lambda: "rules:\n  - reply: {template: '" + "{{" * 20_000 + "'}\n",
}


def timed(work: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def scaling(directory: Path, largest: int) -> None:
    print(f"{'rules':>7} {'read s':>8} {'µs/rule':>8} {'validate s':>11} {'µs/rule':>8} {'build s':>8} {'µs/rule':>8}")
    count = 1_000
    while count <= largest:
        path = directory / f"rules-{count}.yaml"
        path.write_text(rules_file(count))
        read, _ = timed(lambda p=path: read_document(p))
        validate, (loaded, _) = timed(lambda p=path: check_file(p))  # type: ignore[misc]
        build, _ = timed(lambda s=loaded.spec: FileScenario(s))
        per = 1e6 / count
        figures = f"{read:>8.2f} {read * per:>8.0f} {validate:>11.2f} {validate * per:>8.0f}"
        print(f"{count:>7} {figures} {build:>8.2f} {build * per:>8.0f}")
        count *= 2


def hostile(directory: Path) -> None:
    for name, text in HOSTILE.items():
        path = directory / name
        path.write_text(text())
        seconds, (_, diagnostics) = timed(lambda p=path: check_file(p))  # type: ignore[misc]
        first = str(diagnostics[0]).removeprefix(f"{directory}/") if diagnostics else "(accepted)"
        print(f"{name:<20} {seconds * 1000:>8.1f} ms  {first[:100]}")
    spec_path = directory / "catastrophic.yaml"
    spec_path.write_text("rules:\n  - match: {user: {regex: '^(a|a)+$'}}\n    reply: y\n")
    loaded, _ = check_file(spec_path)
    assert loaded is not None
    scenario = FileScenario(loaded.spec, name="catastrophic")
    request = ChatRequest("openai", "gpt-4o", [Message("user", [TextPart("a" * 40 + "!")])])
    ctx = RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", {}, {})
    started = time.perf_counter()
    try:
        scenario.respond(request, ctx)
        outcome = "(answered)"
    except ApiError as exc:
        outcome = f"{exc.status} {exc.code}"
    print(f"{'(a|a)+ on a*40+!':<20} {(time.perf_counter() - started) * 1000:>8.1f} ms  {outcome}")


def main() -> None:
    largest = int(sys.argv[1]) if len(sys.argv) > 1 else 32_000
    with tempfile.TemporaryDirectory() as name:
        scaling(Path(name), largest)
        hostile(Path(name))


if __name__ == "__main__":
    main()
