"""Reading scenario files (YAML or JSON) into plain data, remembering the line of every key and item.

The line map lets a validation error point at `file:line`. Duplicate keys, which
PyYAML would silently collapse to the last one, are reported as errors here.

A hostile or broken file is refused with its line rather than exhausting memory
or the stack: nesting deeper than `MAX_DEPTH` (YAML and JSON alike), and YAML
aliases that expand to more than `MAX_ALIAS_NODES` nodes in all (a "billion
laughs" file), or that refer to a node containing themselves. Both are checked
while the YAML is composed, in time linear in the file.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
Path_ = tuple[str | int, ...]
# A scenario nests a dozen levels at most; tool-call arguments a few more.
MAX_DEPTH = 100
# Room for `<<: *defaults` in every rule of a large file, far from an exponential expansion.
MAX_ALIAS_NODES = 10_000
# JSON strings and brackets, to measure nesting before `json` recurses (strings may hold brackets).
_JSON_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


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


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is read and built into objects that all stay
    alive: its passes over the growing heap would make the time a rule grow with the file."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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


def _check_json_depth(text: str) -> None:
    depth = 0
    for found in _JSON_NESTING.finditer(text):
        token = found[0]
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, found.start()) + 1
                raise DocumentError(line, f"nested deeper than {MAX_DEPTH} levels")
        elif token in "]}":
            depth -= 1


def _load_json(text: str) -> tuple[Any, dict[Path_, int]]:
    _check_json_depth(text)
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
    loader = _BoundedLoader(text)
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


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing deep nesting and large or recursive alias expansions as it composes.

    For every node composed it keeps the size and the height of the node with its aliases expanded,
    from those of its children, so each alias costs one look-up."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0  # nodes open around the one being composed
        self._expanded = 0  # nodes added by aliases so far
        self._measures: dict[int, tuple[int, int]] = {}  # id(node) -> (size, height), once complete

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent) and event.anchor in self.anchors:
            target = self.anchors[event.anchor]
            measures = self._measures.get(id(target))
            if measures is None:
                raise DocumentError(line, f"the alias *{event.anchor} is inside the node it refers to")
            size, height = measures
            self._expanded += size
            if self._expanded > MAX_ALIAS_NODES:
                raise DocumentError(
                    line, f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes; write the repeated parts out"
                )
            if self._depth + height > MAX_DEPTH:
                raise DocumentError(line, f"nested deeper than {MAX_DEPTH} levels (with *{event.anchor} expanded)")
            return super().compose_node(parent, index)
        if self._depth >= MAX_DEPTH:
            raise DocumentError(line, f"nested deeper than {MAX_DEPTH} levels")
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._measures[id(node)] = self._measure(node)
        return node

    def fetch_flow_collection_start(self, TokenClass: type[yaml.Token]) -> None:
        # Caught while scanning as well: PyYAML looks up to 1024 characters ahead for a key, with a
        # cost growing with the number of brackets open, long before the composer sees the nesting.
        if self.flow_level >= MAX_DEPTH:
            raise DocumentError(int(self.line) + 1, f"nested deeper than {MAX_DEPTH} levels")
        super().fetch_flow_collection_start(TokenClass)

    def _measure(self, node: yaml.Node) -> tuple[int, int]:
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        size, height = 1, 0
        for child in children:
            child_size, child_height = self._measures.get(id(child), (1, 1))
            size += child_size
            height = max(height, child_height)
        return size, height + 1


def _walk(node: yaml.Node, at: Path_, lines: dict[Path_, int]) -> None:
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
            _walk(value_node, (*at, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*at, index)] = item.start_mark.line + 1
            _walk(item, (*at, index), lines)
