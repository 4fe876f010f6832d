"""What the anthropic SDK tests send: the model, the echo prompt and a tool."""

from __future__ import annotations

from typing import Any

MODEL = "claude-sonnet-4-5"
ECHO: list[Any] = [{"role": "user", "content": "Repeat with me: blue sky"}]
WEATHER_TOOL: dict[str, Any] = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
