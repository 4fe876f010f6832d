"""Reading scenario files (YAML or JSON) into plain data, remembering the line of every key and item.

The line map lets a validation error point at `file:line`. Duplicate keys, which
PyYAML would silently collapse to the last one, are reported as errors here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
Path_ = tuple[str | int, ...]


class DocumentError(Exception):
    """A file that cannot be read as a scenario document at all (syntax, encoding, shape)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class DuplicateKey(DocumentError):
    """A key given twice in one mapping; PyYAML and `json` would keep only the last silently."""


@dataclass(slots=True)
class Document:
    path: Path
    data: dict[str, Any]
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, location: Path_) -> int:
        """The line of the deepest part of `location` that exists in the file (1 when nothing does)."""
        for end in range(len(location), 0, -1):
            line = self.lines.get(location[:end])
            if line is not None:
                return line
        return 1


def scenario_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """The scenario files named by `paths` (a directory gives its own *.yaml/*.yml/*.json files, sorted),
    and the paths that do not exist."""
    found: list[Path] = []
    missing: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SCENARIO_SUFFIXES)
        elif path.is_file():
            found.append(path)
        else:
            missing.append(path)
    return found, missing


def read_document(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(1, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise DocumentError(1, f"cannot read the file: {exc.strerror}") from None
    if path.suffix.lower() == ".json":
        data, lines = _load_json(text)
    else:
        data, lines = _load_yaml(text)
    if data is None:
        raise DocumentError(1, "the file is empty; a scenario needs at least `rules`")
    if not isinstance(data, dict):
        raise DocumentError(1, f"the file must hold a mapping (name, description, defaults, rules), not {_kind(data)}")
    return Document(path, data, lines)


def _kind(value: object) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _load_json(text: str) -> tuple[Any, dict[Path_, int]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(exc.lineno, f"JSON syntax error: {exc.msg} (column {exc.colno})") from None
    try:  # JSON is YAML too: reuse the YAML composer for line numbers (it fails on tab indentation)
        _, lines = _load_yaml(text)
    except DuplicateKey:
        raise
    except DocumentError:
        lines = {}
    return data, lines


def _load_yaml(text: str) -> tuple[Any, dict[Path_, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Path_, int] = {}
        if node is not None:
            _walk(node, (), lines)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # At the end of the file PyYAML points one line past the last; point at the last instead.
        line = min(mark.line + 1, max(1, len(text.splitlines()))) if mark is not None else 1
        problem = exc.problem or exc.context or "cannot parse"
        raise DocumentError(line, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise DocumentError(1, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    return data, lines


def _walk(node: yaml.Node, at: Path_, lines: dict[Path_, int], depth: int = 0) -> None:
    if depth > 64:  # a recursive alias; the constructor reports it
        return
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in seen:
                raise DuplicateKey(line, f"duplicate key '{key}' (first on line {seen[key]})")
            seen[key] = line
            lines[(*at, key)] = line
            _walk(value_node, (*at, key), lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*at, index)] = item.start_mark.line + 1
            _walk(item, (*at, index), lines, depth + 1)
