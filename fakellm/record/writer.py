"""Appending recorded rules to a scenario file, one at a time, so the file is always loadable.

The file is one YAML mapping whose last key is `rules`, a block sequence at the left margin:

    name: NAME
    unmatched: error
    rules:
    - name: ...

Appending `- …` items to it keeps it a valid scenario after every rule, so a crash loses nothing
already answered (each rule is written with one `write` and flushed to disk). Until the first rule
there is no `rules` key at all (an empty `rules:` would be null, not a list). An existing file is
continued only if it is a recording of the same scenario ending in its rules.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from fakellm import __version__
from fakellm.scenarios.format import Rule
from fakellm.scenarios.loader import DocumentError, read_document


class RecordingFileError(ValueError):
    """An `--out` file that cannot be continued."""


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, to keep recorded answers readable."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A literal block, unless it would need "keep" chomping (which ends the document with `...`, and
    # nothing could be appended) or holds other line breaks; PyYAML quotes what a block cannot hold.
    block = "\n" in value and not value.endswith("\n\n") and not any(c in value for c in "\x85\u2028\u2029\r")
    style = "|" if block else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_rule(rule: dict[str, Any]) -> str:
    text = yaml.dump([rule], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    if text.endswith("...\n"):  # a document end marker: nothing appended after it would load
        text = yaml.safe_dump([rule], sort_keys=False, allow_unicode=True, width=120, default_style='"')
    return text


def header(name: str, description: str) -> str:
    lines = [
        f"# Recorded by `fakellm record` (fakellm {__version__}). Replay it with",
        f"#   fakellm serve --scenarios <this file> --default-scenario {name}",
        "# Each rule answers one recorded request, once, in the order they came; a request nothing",
        "# answers is refused with an error naming the closest recorded one (`unmatched: repeat` answers a",
        "# used-up request again with its last recording; `unmatched: echo` echoes what nothing answers).",
    ]
    body = yaml.safe_dump({"name": name, "description": description, "unmatched": "error"}, sort_keys=False)
    return "\n".join(lines) + "\n" + body


class ScenarioWriter:
    """Appends rules to `path`, a recording of scenario `name` (created, or continued)."""

    def __init__(self, path: Path, name: str, description: str = "") -> None:
        self.path = path
        self.name = name
        self.count = 0
        self._has_rules = False
        if path.exists() and path.stat().st_size > 0:
            self._continue()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write(header(name, description or "Recorded with fakellm record."))

    def _continue(self) -> None:
        try:
            document = read_document(self.path)
        except DocumentError as exc:
            raise RecordingFileError(f"{self.path}:{exc.line}: {exc.message}; record into another file") from None
        data = document.data
        if data.get("name") != self.name:
            raise RecordingFileError(
                f"{self.path} holds scenario {data.get('name')!r}, not {self.name!r}: record into another file "
                "or give its name"
            )
        keys = list(data)
        rules = data.get("rules")
        if "rules" in data and (keys[-1] != "rules" or not isinstance(rules, list)):
            raise RecordingFileError(f"{self.path}: `rules` must be its last key, a list, for rules to be appended")
        self.count = len(rules) if isinstance(rules, list) else 0
        self._has_rules = "rules" in data
        if not self.path.read_bytes().endswith(b"\n"):
            self._write("\n")

    def _write(self, text: str) -> None:
        with self.path.open("a", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())

    def next_number(self) -> int:
        return self.count + 1

    def append(self, rule: dict[str, Any]) -> None:
        """Write one rule (checked against the format first, so the file stays valid)."""
        Rule.model_validate(rule)
        text = dump_rule(rule)
        if not self._has_rules:
            text = "rules:\n" + text
        self._write(text)
        self._has_rules = True
        self.count += 1
