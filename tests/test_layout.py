"""The shape of the code: one subpackage per stage, small modules, imports that only go downhill.

A request's path shows in the file names: server (routing, body, auth) → dialects (parse) →
scenarios (reply) → faults (shape) → dialects (frame) → server/transport (bytes). These tests keep
it that way: a module that grows past the limit, an import that climbs back up the stages, or a
cycle fails here with the module names in the message.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "fakellm"
TESTS = Path(__file__).resolve().parent
MAX_LINES = 400

# The shared vocabulary every stage may use: the only modules at the top level.
TOP_LEVEL = {"__init__", "__main__", "cli", "config", "context", "errors", "frames", "ids", "model", "tokens"}
# Which stages each stage may import at run time (type-only imports under TYPE_CHECKING are free).
ALLOWED: dict[str, set[str]] = {
    "shared": set(),
    "faults": set(),
    "dialects": {"faults"},  # the rate-limit status a dialect renders as headers
    "scenarios": {"faults", "dialects"},  # fault settings in scenario files; dialect names to match on
    "journal": {"dialects"},  # where each provider puts its key, to mask it
    "state": {"faults"},  # shared budgets keep the fault stage's arithmetic (the stages see only its protocol)
    "observe": {"faults", "dialects", "scenarios", "journal", "check"},  # reads the journal; runs checks
    "server": {"faults", "dialects", "scenarios", "journal", "observe", "state"},
    "record": {"faults", "dialects", "scenarios", "server"},  # a proxy on the server's routes, writing scenarios
    "testing": {"faults", "dialects", "scenarios", "journal", "server", "record", "state"},
    "check": set(),  # a client of any endpoint: it shares no code with the server
    "cli": {"faults", "dialects", "scenarios", "journal", "server", "testing", "check", "record", "observe", "state"},
}


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "shared"
    if parts[1] in ("cli", "__main__"):
        return "cli"
    return parts[1] if parts[1] in ALLOWED else "shared"


def runtime_imports(path: Path) -> set[str]:
    """The fakellm modules `path` imports when it is imported (not inside functions or TYPE_CHECKING)."""
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("fakellm"))
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fakellm"):
                found.add(node.module)
            elif isinstance(node, ast.If | ast.Try):
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(node, block, []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def test_top_level_holds_only_the_shared_vocabulary():
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top == TOP_LEVEL


def test_every_stage_is_a_package_with_a_docstring():
    for name in ALLOWED:
        if name in ("shared", "cli"):
            continue
        init = PACKAGE / name / "__init__.py"
        assert init.is_file(), f"fakellm/{name}/ is not a package"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"fakellm/{name}/__init__.py"


@pytest.mark.parametrize(("name", "path"), list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_module_is_small_and_documented(name, path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines (at most {MAX_LINES}): split it by concept"
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{name} has no module docstring"


def test_imports_only_go_to_allowed_stages():
    wrong = []
    for name, path in modules():
        mine = stage(name)
        for target in runtime_imports(path):
            theirs = stage(target)
            if theirs not in ("shared", mine) and theirs not in ALLOWED[mine]:
                wrong.append(f"{name} ({mine}) imports {target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    graph = {name: set() for name, _ in modules()}
    for name, path in modules():
        graph[name] = {t for t in runtime_imports(path) if t in graph and t != name}
    state: dict[str, int] = {}
    cycles: list[str] = []

    def walk(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                walk(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_tests_mirror_the_subpackages():
    for name in ALLOWED:
        if name in ("shared", "cli"):
            continue
        assert (TESTS / name).is_dir(), f"no tests/{name}/ for fakellm/{name}/"
        assert list((TESTS / name).glob("test_*.py")), f"tests/{name}/ has no tests"


def test_the_readme_tree_names_every_module():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    tree = readme[readme.index("```\nfakellm/\n") : readme.index("```", readme.index("```\nfakellm/\n") + 3)]
    words = set(re.findall(r"[A-Za-z_]+", tree))
    missing = [name for name, path in modules() if path.stem != "__init__" and path.stem not in words]
    assert not missing, f"README's tree (Development) does not name: {', '.join(missing)}"
