"""Cassettes: one recorded scenario file per test, replayed offline, recorded through the proxy on demand.

`@pytest.mark.fakellm(cassette=True)` (or a path, relative to the test module's folder) gives a test its
own cassette, by default `cassettes/<module>/<test>.yaml` beside the test module. `--fakellm-record`
says what happens, as pytest-recording has it:

- `none` (the default): replay only; a missing cassette, or a request it has no answer for, fails the
  test with a message naming the request (and the closest recorded one);
- `new`: record what is missing against the real upstreams: a whole cassette that does not exist yet,
  and, in one that does, each request it has no answer for (the rest is replayed from it);
- `all`: record every cassette again.

Upstreams come from `--fakellm-upstream DIALECT=URL` (repeatable) or `FAKELLM_UPSTREAM_<DIALECT>`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import pytest

from fakellm.record.upstreams import Upstreams
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.validate import check_paths

RecordMode = Literal["none", "new", "all"]
RECORD_MODES: tuple[RecordMode, ...] = ("none", "new", "all")
CASSETTE_DIR = "cassettes"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str) -> str:
    """`text` as a file and scenario name (letters, digits, `.`, `_`, `-`; starting with one of the first two)."""
    name = _UNSAFE.sub("_", text).strip("_.-")
    return name if name and name[0].isalnum() else f"t{name}"


def cassette_path(request: pytest.FixtureRequest, given: str | Path | bool) -> Path:
    module = Path(str(request.node.path))
    if isinstance(given, str | Path):
        path = Path(given)
        return path if path.is_absolute() else module.parent / path
    return module.parent / CASSETTE_DIR / module.stem / f"{safe_name(request.node.name)}.yaml"


def record_mode(config: pytest.Config) -> RecordMode:
    mode = config.getoption("fakellm_record", default=None) or "none"
    if mode not in RECORD_MODES:
        raise pytest.UsageError(f"--fakellm-record takes one of {', '.join(RECORD_MODES)}, not {mode!r}")
    return mode


def should_record(mode: RecordMode, path: Path) -> bool:
    """Whether the test runs through the recording proxy (with `new`, also when the cassette exists:
    then it answers what it can and only the rest is recorded)."""
    return mode in ("all", "new")


def upstreams(config: pytest.Config) -> Upstreams:
    given = config.getoption("fakellm_upstream", default=None) or []
    try:
        found = Upstreams.from_env().merged(Upstreams.parse(given))
    except ValueError as exc:
        raise pytest.UsageError(f"--fakellm-upstream: {exc}") from None
    if not found:
        raise pytest.UsageError(
            "recording a cassette needs the real providers: give --fakellm-upstream DIALECT=URL "
            "(e.g. openai=https://api.openai.com) or set FAKELLM_UPSTREAM_<DIALECT>"
        )
    return found


def load_cassette(path: Path, seed: int | None) -> FileScenario:
    """The recorded scenario in `path`; fails the test when it is missing or invalid."""
    if not path.exists():
        pytest.fail(
            f"fakellm: no cassette at {path}; record it with --fakellm-record=new and "
            "--fakellm-upstream DIALECT=URL (or FAKELLM_UPSTREAM_<DIALECT>)",
            pytrace=False,
        )
    report = check_paths([path])
    if report.errors or not report.scenarios:
        pytest.fail(f"fakellm: the cassette {path} is not valid:\n" + "\n".join(map(str, report.errors)), pytrace=False)
    loaded = report.scenarios[0]
    return FileScenario(loaded.spec, name=loaded.name, seed=seed)
