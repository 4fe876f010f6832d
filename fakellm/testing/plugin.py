"""The pytest plugin (registered through the `pytest11` entry point): the `fakellm` fixture and marker.

One server per session (`fakellm_server`), started on first use; the
function-scoped `fakellm` fixture resets it before and after each test. A
server-side surprise (an unmatched request in strict mode, an exception inside
fakellm) fails the test that caused it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the server stack is imported only when a test asks for it: pytest loads this module always
    from fakellm.testing.harness import FakeLLM
    from fakellm.testing.recorder import Recorder

MARKER_ARGS = ("scenario", "scenarios", "strict", "api_key", "env", "cassette")
MARKER_HELP = (
    "fakellm(scenario=None, scenarios=(), strict=None, api_key=None, env=None, cassette=None): for this test, "
    "answer with `scenario` by default, load extra `scenarios`, switch strict mode, require `api_key`, set the "
    "SDK environment variables (OPENAI_BASE_URL, ...), or replay (and record, see --fakellm-record) a "
    "`cassette` (True: cassettes/<module>/<test>.yaml beside the test module; or a path)."
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fakellm", "fakellm (fake LLM server)")
    group.addoption(
        "--fakellm-strict",
        action="store_true",
        default=None,
        help="fail tests whose requests no scenario rule matched (ini: fakellm_strict)",
    )
    group.addoption(
        "--fakellm-set-env",
        action="store_true",
        default=None,
        help="point OPENAI_BASE_URL, GROQ_BASE_URL, ... at fakellm in tests using it (ini: fakellm_set_env)",
    )
    group.addoption(
        "--fakellm-record",
        default=None,
        choices=("none", "new", "all"),
        help="cassettes: none replays only (default), new records what is missing (whole cassettes, and the "
        "requests a cassette has no answer for), all records every one again",
    )
    group.addoption(
        "--fakellm-upstream",
        action="append",
        default=[],
        metavar="DIALECT=URL",
        help="where recording sends a dialect's requests, e.g. openai=https://api.openai.com "
        "(repeatable; or FAKELLM_UPSTREAM_<DIALECT>)",
    )
    parser.addini("fakellm_strict", type="bool", default=False, help="fakellm: strict mode for every test")
    parser.addini(
        "fakellm_set_env",
        type="bool",
        default=False,
        help="fakellm: set the SDK environment variables (OPENAI_BASE_URL, OPENAI_API_KEY, ...) in each test",
    )
    parser.addini("fakellm_api_key", default="", help="fakellm: the API key the session server requires")
    parser.addini("fakellm_seed", default="", help="fakellm: seed for generated text and ids")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)


def _flag(config: pytest.Config, name: str) -> bool:
    option = config.getoption(name, default=None)  # the command line wins over the ini file
    return bool(option) if option is not None else bool(config.getini(name))


@pytest.fixture(scope="session")
def fakellm_server(pytestconfig: pytest.Config) -> Iterator[FakeLLM]:
    """The session's fakellm server, shared by every test; use the `fakellm` fixture in tests."""
    from fakellm.testing.harness import FakeLLM

    seed = str(pytestconfig.getini("fakellm_seed")).strip()
    llm = FakeLLM(
        api_key=str(pytestconfig.getini("fakellm_api_key")) or None,
        seed=int(seed) if seed else None,
        strict=_flag(pytestconfig, "fakellm_strict"),
    )
    llm.start()
    yield llm
    llm.stop()


def _marker_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    # Closest marker last, so a test's own marker overrides its class's and module's.
    for marker in reversed(list(request.node.iter_markers("fakellm"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.fakellm takes keyword arguments only, e.g. scenario='slow'")
        unknown = sorted(set(marker.kwargs) - set(MARKER_ARGS))
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.fakellm got unknown argument(s) {', '.join(unknown)}; it takes {', '.join(MARKER_ARGS)}"
            )
        settings.update(marker.kwargs)
    return settings


@pytest.fixture
def fakellm(
    fakellm_server: FakeLLM, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeLLM | Recorder]:
    """A running fakellm with an empty journal and fresh scenario state; `@pytest.mark.fakellm(...)` configures it.
    A test with a cassette being recorded gets the recording proxy instead (the same URL helpers)."""
    settings = _marker_settings(request)
    cassette = settings.get("cassette")
    if cassette:
        from fakellm.testing import cassettes

        path = cassettes.cassette_path(request, cassette)
        if cassettes.should_record(cassettes.record_mode(request.config), path):
            yield from _recording(request, monkeypatch, settings, path)
            return
    llm = fakellm_server
    llm.reset()
    if cassette:
        scenario = cassettes.load_cassette(path, llm.config.seed)
        llm.add_scenario(scenario)
        llm.default_scenario = scenario.name
        llm.strict = True
    for scenario in settings.get("scenarios", ()):
        llm.add_scenario(scenario)
    if settings.get("scenario") is not None:
        llm.default_scenario = settings["scenario"]
    if settings.get("strict") is not None:
        llm.strict = bool(settings["strict"])
    if settings.get("api_key") is not None:
        llm.set_api_keys(settings["api_key"])
    set_env = settings.get("env")
    if set_env if set_env is not None else _flag(request.config, "fakellm_set_env"):
        for name, value in llm.env().items():
            monkeypatch.setenv(name, value)
        # google-genai prefers GOOGLE_API_KEY over GEMINI_API_KEY: a real key must not win.
        monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    yield llm
    llm.reset()


def _recording(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any], path: Path
) -> Iterator[Recorder]:
    from fakellm.config import ServerConfig
    from fakellm.server.app import FakeLLMApp
    from fakellm.testing import cassettes
    from fakellm.testing.recorder import Recorder

    upstreams = cassettes.upstreams(request.config)
    name = cassettes.safe_name(request.node.name)
    replay = None
    if cassettes.record_mode(request.config) == "new" and path.exists():  # keep it; record what it lacks
        recorded = cassettes.load_cassette(path, None)
        replay = FakeLLMApp(ServerConfig(include_builtin=False))
        replay.add_scenario(recorded)
        replay.set_default_scenario(recorded.name)
    else:
        path.unlink(missing_ok=True)
    with Recorder(upstreams, path, name, replay=replay) as recorder:
        set_env = settings.get("env")
        if set_env if set_env is not None else _flag(request.config, "fakellm_set_env"):
            for name, value in recorder.env().items():
                monkeypatch.setenv(name, value)
        yield recorder


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    found = getattr(item, "funcargs", {}).get("fakellm")
    llm: FakeLLM | None = found if hasattr(found, "take_surprises") else None
    try:
        result = yield
    except BaseException as exc:
        if llm is not None and (found := llm.take_surprises()):
            exc.add_note("fakellm also saw: " + "; ".join(found))
        raise
    if llm is not None:
        llm.check()
    return result
