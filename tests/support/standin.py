"""A stand-in provider for the recording tests: answers each request with the next `Canned` answer
queued for its last user message, byte for byte, and notes what it was sent."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from typing import Any

from starlette.types import Receive, Scope, Send

from tests.support.captured import Canned


def last_user_text(body: Any) -> str:
    """The last user message of an OpenAI-style or Gemini body (what the stand-in keys answers on)."""
    if not isinstance(body, dict):
        return ""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else ""
    for content in reversed(body.get("contents") or []):
        if content.get("role", "user") == "user":
            return "".join(p.get("text", "") for p in content.get("parts") or [])
    return ""


class StandIn:
    def __init__(self) -> None:
        self.queued: dict[str, deque[Canned]] = defaultdict(deque)
        self.seen: list[tuple[str, str, dict[str, str]]] = []  # path with query, user text, headers

    def queue(self, user: str, *answers: Canned) -> None:
        self.queued[user].extend(answers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        user = last_user_text(json.loads(raw or b"null"))
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode()
        self.seen.append((scope["path"] + ("?" + query if query else ""), user, headers))
        answers = self.queued.get(user)
        if not answers:
            await send({"type": "http.response.start", "status": 599, "headers": []})
            await send({"type": "http.response.body", "body": f"nothing queued for {user!r}".encode()})
            return
        canned = answers.popleft()
        raw_headers = [(k.encode(), v.encode()) for k, v in canned.headers]
        await send({"type": "http.response.start", "status": canned.status, "headers": raw_headers})
        for index, piece in enumerate(canned.pieces):
            if index and canned.gap_s:
                await asyncio.sleep(canned.gap_s)
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        if canned.linger_s:
            await asyncio.sleep(canned.linger_s)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
