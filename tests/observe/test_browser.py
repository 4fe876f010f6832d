"""The dashboard in a real browser: Debian's chromium driven by Playwright (never a downloaded browser).

Each test opens `/` on a live server and does what a person would: reads and copies the URLs, picks a
scenario, watches an `openai` SDK request stream in, sees a hang-up, meets the key prompt.

`FAKELLM_SCREENSHOTS=docs python -m pytest tests/observe/test_browser.py` also writes the README's
screenshots (`docs/dashboard-*.png`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import openai
import pytest

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = os.environ.get("FAKELLM_SCREENSHOTS")

if not CHROMIUM.exists():
    if os.environ.get("FAKELLM_REQUIRE_BROWSER"):  # CI installs it: there a missing browser is a failure
        raise RuntimeError(f"{CHROMIUM} is missing (apt-get install chromium)")
    pytest.skip("needs Debian's chromium (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: object) -> Iterator[Callable[..., object]]:
    contexts: list[object] = []

    def open_(server: ServerThread, **options: object) -> object:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, **options)  # type: ignore[attr-defined]
        contexts.append(context)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        page.goto(server.url + "/")
        return page

    yield open_
    for context in contexts:
        context.close()  # type: ignore[attr-defined]


@pytest.fixture
def live(make_server: Callable[..., ServerThread]) -> ServerThread:
    return make_server()


def shot(page: object, name: str, selector: str | None = None) -> None:
    if not SHOTS:
        return
    path = Path(SHOTS) / f"dashboard-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if selector:
        page.locator(selector).screenshot(path=str(path))  # type: ignore[attr-defined]
    else:
        page.screenshot(path=str(path))  # type: ignore[attr-defined]


def wait_until(page: object, expression: str, timeout: float = 3.0) -> None:
    """Poll `expression` in the page (the page's CSP forbids `wait_for_function`'s eval, rightly)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        time.sleep(0.02)


def field(page: object, platform: str, name: str) -> str:
    row = page.locator(f'.platform[data-name="{platform}"] .field', has_text=name).first  # type: ignore[attr-defined]
    return str(row.locator(".value").inner_text())


def test_the_platform_urls_are_there_copy_and_follow_the_picker(live: ServerThread, open_page: Callable[..., object]):
    page = open_page(live)
    page.wait_for_selector("#platforms .card")
    assert page.inner_text("#base-url") == live.url
    assert field(page, "Play.ai", "llm.baseURL") == live.url
    assert field(page, "AssemblyAI", "llm[0].base_url") == live.url + "/v1"
    assert field(page, "Anam (Groq OpenAI spec)", "endpoint (base URL)") == live.url + "/openai/v1"
    assert field(page, "Anam (Azure OpenAI spec)", "endpoint") == live.url
    assert field(page, "Anam (Gemini spec)", "endpoint (base URL)") == live.url
    assert field(page, "Beyond Presence", "API key") == "sk-fake"

    row = page.locator('.platform[data-name="AssemblyAI"] .field', has_text="llm[0].base_url").first
    row.locator("button.copy").click()
    wait_until(page, "document.querySelector('button.copy.done') !== null")
    assert page.evaluate("navigator.clipboard.readText()") == live.url + "/v1"
    assert row.locator("button.copy").get_attribute("data-copied") == live.url + "/v1"

    page.select_option("#scenario", "slow")
    assert page.inner_text("#base-url") == live.url + "/s/slow"
    assert field(page, "AssemblyAI", "llm[0].base_url") == live.url + "/s/slow/v1"
    assert field(page, "Play.ai", "llm.baseURL") == live.url + "/s/slow"
    assert field(page, "LiveAvatar", "model_name") == "fakellm/slow"
    assert "1.5 s" in page.inner_text("#scenario-description")
    assert '"ttft_ms": 1500' in page.locator("#scenario-rules-text").text_content()
    snippet = page.locator('.dialect[data-name="openai"] pre.snippet').inner_text()
    assert f'base_url="{live.url}/s/slow/v1"' in snippet
    page.locator('.dialect[data-name="openai"] .snippet-block button.copy').click()
    page.wait_for_timeout(50)
    assert f'base_url="{live.url}/s/slow/v1"' in page.evaluate("navigator.clipboard.readText()")
    assert page.errors == []


def test_an_openai_request_appears_within_a_second_and_streams(live: ServerThread, open_page: Callable[..., object]):
    page = open_page(live)
    page.wait_for_selector("#feed-state.on")
    client = openai.OpenAI(base_url=live.url + "/v1", api_key="sk-test")
    slow = {"X-FakeLLM-TTFT-Ms": "0", "X-FakeLLM-Tokens-Per-Second": "8"}
    words = "one two three four five six seven eight nine ten eleven twelve"
    received: list[str] = []

    def ask() -> None:
        stream = client.chat.completions.create(
            model="gpt-4o-mini",
            stream=True,
            messages=[{"role": "user", "content": "Repeat with me: " + words}],
            extra_headers=slow,
        )
        received.extend(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)

    sent_at = time.monotonic()
    worker = threading.Thread(target=ask)
    worker.start()
    row = page.locator("#requests tbody tr", has_text="Repeat with me")
    row.wait_for(timeout=1000)
    assert time.monotonic() - sent_at < 1.0
    assert row.locator("td.agent").inner_text() == "openai SDK (Python)"
    assert row.locator("td.model").inner_text() == "gpt-4o-mini"
    wait_until(page, "document.querySelector('#requests tbody tr td.reply').textContent.split(' ').length >= 3", 3)
    partial = row.locator("td.reply").inner_text()
    assert row.get_attribute("data-ended") == "pending"  # still streaming: the text came in as it was sent
    assert words.startswith(partial.strip())
    assert len(partial.strip()) < len(words)
    shot(page, "live", "#live")
    worker.join(10)
    page.wait_for_selector('#requests tbody tr[data-ended="completed"]', timeout=3000)
    assert row.locator("td.reply").inner_text() == "".join(received) == words
    assert row.locator("td.ttft").inner_text().endswith(" ms")
    row.click()
    page.wait_for_selector("#detail:not([hidden]) #detail-timeline svg")
    assert "Repeat with me" in page.inner_text("#detail-messages")
    assert "user-agent: OpenAI/Python" in page.inner_text("#detail-headers")
    assert "sk-test" not in page.inner_text("#detail-headers")
    shot(page, "detail", "#live")
    assert page.errors == []


def test_a_hang_up_mid_stream_shows_as_disconnected_with_its_chunk_count(
    live: ServerThread, open_page: Callable[..., object]
):
    page = open_page(live)
    page.wait_for_selector("#feed-state.on")
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "Repeat with me: a b c d e f g h"}]}
    headers = {"x-fakellm-ttft-ms": "0", "x-fakellm-tokens-per-second": "20"}
    read = 0
    with httpx.stream("POST", live.url + "/v1/chat/completions", json=body, headers=headers) as response:
        for line in response.iter_lines():
            read += line.startswith("data: ")
            if read == 3:
                break  # barge-in: hang up
    row = page.locator('#requests tbody tr[data-ended="disconnected"]')
    row.wait_for(timeout=3000)
    live.app.journal.wait_settled(2)
    entry = live.app.journal.entries()[-1]
    assert entry.ended == "disconnected"
    assert 3 <= entry.chunks < 10
    expected = f"disconnected at {entry.disconnected_at_ms} ms after {entry.chunks} chunks"
    assert row.locator("td.ended").inner_text() == expected
    assert row.get_attribute("data-chunks") == str(entry.chunks)


def test_the_key_prompt_and_the_data_endpoints_refuse_without_it(
    make_server: Callable[..., ServerThread], open_page: Callable[..., object]
):
    server = make_server(api_keys=("sk-dash-key",))
    page = open_page(server)
    page.wait_for_selector("#key-dialog[open]")
    assert page.locator("#platforms .card").count() == 0
    for path in ("/_fakellm/dashboard/info", "/_fakellm/events", "/_fakellm/requests", "/metrics"):
        assert page.evaluate(f"fetch('{path}').then(r => r.status)") == 401
    page.fill("#key-input", "sk-wrong")
    page.click("#key-submit")
    page.wait_for_selector("#key-error:not([hidden])")
    page.fill("#key-input", "sk-dash-key")
    page.click("#key-submit")
    page.wait_for_selector("#platforms .card")
    assert not page.is_visible("#key-dialog")
    assert page.evaluate("sessionStorage.getItem('fakellm-key')") == "sk-dash-key"
    assert "sk-dash-key" not in page.content()
    assert field(page, "Play.ai", "llm.apiKey") == "YOUR_FAKELLM_API_KEY"
    page.wait_for_selector("#feed-state.on")
    httpx.post(
        server.url + "/v1/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": "with a key"}]},
        headers={"authorization": "Bearer sk-dash-key"},
    )
    page.locator("#requests tbody tr", has_text="with a key").wait_for(timeout=2000)
    page.reload()  # the key is kept for the tab: no second prompt
    page.wait_for_selector("#platforms .card")
    assert not page.is_visible("#key-dialog")


def test_forwarded_headers_change_the_urls_shown(browser: object, open_page: Callable[..., object]):
    app = FakeLLMApp(ServerConfig(allowed_hosts=("my-fake.example.com",)))
    server = ServerThread(app).start()
    try:
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "my-fake.example.com"}
        page = open_page(server, extra_http_headers=forwarded)
        page.wait_for_selector("#platforms .card")
        assert page.inner_text("#base-url") == "https://my-fake.example.com"
        assert field(page, "AssemblyAI", "llm[0].base_url") == "https://my-fake.example.com/v1"
        shot(page, "connect", "#connect")
        other = open_page(server, extra_http_headers={"X-Forwarded-Host": "not-allowed.example.net"})
        other.wait_for_selector("#platforms .card")
        assert other.inner_text("#base-url") == server.url
        assert "--allowed-host not-allowed.example.net" in other.inner_text("#root-note")
    finally:
        server.stop()


def test_try_it_sends_through_the_real_route(live: ServerThread, open_page: Callable[..., object]):
    page = open_page(live)
    page.wait_for_selector("#feed-state.on")
    for dialect in ("openai", "gemini", "anthropic", "responses", "azure"):
        page.select_option("#try-dialect", dialect)
        page.select_option("#try-scenario", "echo")
        page.fill("#try-text", f"Repeat with me: hello from {dialect}")
        page.click("#try-form button[type=submit]")
        wait_until(page, f"document.querySelector('#try-answer').textContent === 'hello from {dialect}'", 3)
        assert live.app.journal.entries()[-1].dialect == dialect
    wait_until(page, "document.querySelector('#try-wire').textContent.includes('data: [DONE]')")  # azure's, raw
    page.fill("#check-url", live.url + "/v1")
    page.click("#check-form button[type=submit]")
    wait_until(page, "document.querySelector('#check-report').textContent.includes('verdict:')", 20)
    assert "verdict: PASS" in page.inner_text("#check-report")
    shot(page, "try", "#try")
    assert page.errors == []
