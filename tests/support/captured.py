"""Provider answers as they went over the wire, for the recording tests' stand-in upstream.

Built from the captures quoted in /work/shared/reference/wire-formats.md: OpenAI's 404 for an
unknown model (§1, raw bytes, 4-space indented), an OpenAI stream with `obfuscation` and a usage
chunk (§1, Envoy's chat-streaming captures), Groq's 429 with `retry-after` and its rate-limit
headers and a Groq stream with `x_groq` (§4), and a Gemini `alt=sse` stream with CRLF separators,
cumulative `usageMetadata` and no terminator (§3, llm-gemini#97). Where the reference elides a
value (`…`) a plausible one of the same shape stands in.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Canned:
    status: int
    headers: tuple[tuple[str, str], ...]
    pieces: tuple[bytes, ...]  # sent one by one, `gap_s` apart
    gap_s: float = 0.0
    linger_s: float = 0.0  # wait this long after the last piece before ending the body
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> bytes:
        return b"".join(self.pieces)


OPENAI_404 = Canned(
    404,
    (("content-type", "application/json; charset=utf-8"), ("vary", "Origin"), ("x-request-id", "req_0a1b2c3d4e5f")),
    (
        b'{\n    "error": {\n        "message": "The model `gpt-4.1-nano-wrong` does not exist or you do not have '
        b'access to it.",\n        "type": "invalid_request_error",\n        "param": null,\n        "code": '
        b'"model_not_found"\n    }\n}\n',
    ),
)

GROQ_429 = Canned(
    429,
    (
        ("content-type", "application/json"),
        ("retry-after", "2"),
        ("x-ratelimit-limit-requests", "14400"),
        ("x-ratelimit-limit-tokens", "6000"),
        ("x-ratelimit-remaining-requests", "14399"),
        ("x-ratelimit-remaining-tokens", "0"),
        ("x-ratelimit-reset-requests", "6s"),
        ("x-ratelimit-reset-tokens", "1.57s"),
        ("x-request-id", "req_01hxnxvkfjf6ttkqzfpw23ng08"),
    ),
    (
        b'{"error":{"message":"Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01hx` '
        b"service tier `on_demand` on tokens per minute (TPM): Limit 12000, Used 2542, Requested 9855. Please try "
        b"again in 1.984999999s. Need more tokens? Upgrade to Dev Tier today at "
        b'https://console.groq.com/settings/billing","type":"tokens","code":"rate_limit_exceeded"}}',
    ),
)

_GROQ_ENVELOPE = (
    b'{"id":"chatcmpl-3556c041-562b-471f-9a90-763dbcea5a3f","object":"chat.completion.chunk","created":1770770846,'
    b'"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_78ac7f3229","choices":[{"index":0,"delta":'
)
GROQ_STREAM = Canned(
    200,
    (("content-type", "text/event-stream"), ("x-groq-region", "us-west-1"), ("x-request-id", "req_01kh52nmbj")),
    (
        b"data: " + _GROQ_ENVELOPE + b'{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],'
        b'"x_groq":{"id":"req_01kh52nmbjem9bfhxdbabnjv0x","seed":872656815}}\n\n',
        b"data: " + _GROQ_ENVELOPE + b'{"content":"Straw"},"logprobs":null,"finish_reason":null}]}\n\n',
        b"data: " + _GROQ_ENVELOPE + b'{"content":"berry"},"logprobs":null,"finish_reason":null}]}\n\n',
        b"data: " + _GROQ_ENVELOPE + b'{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":'
        b'"req_01kh52nmbjem9bfhxdbabnjv0x","usage":{"queue_time":0.041520249,"prompt_tokens":210,"prompt_time":'
        b'0.010407901,"completion_tokens":15,"completion_time":0.046601227,"total_tokens":225,"total_time":'
        b"0.057009128}}}\n\n",
        b"data: [DONE]\n\n",
    ),
    gap_s=0.02,
)

_OPENAI_ENVELOPE = (
    b'{"id":"chatcmpl-C42qMU7aBcDeFgHiJkLmNoPqRsTu","object":"chat.completion.chunk","created":1755080278,'
    b'"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_34a54111","choices":'
)
OPENAI_STREAM = Canned(
    200,
    (
        ("content-type", "text/event-stream; charset=utf-8"),
        ("openai-version", "2020-10-01"),
        ("x-request-id", "req_cce5"),
    ),
    (
        b"data: " + _OPENAI_ENVELOPE + b'[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},'
        b'"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"AAatV4uAp"}\n\n',
        b"data: "
        + _OPENAI_ENVELOPE
        + b'[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],'
        b'"usage":null,"obfuscation":"f9IQaNg"}\n\n',
        b"data: " + _OPENAI_ENVELOPE + b'[{"index":0,"delta":{"content":" there"},"logprobs":null,'
        b'"finish_reason":null}],"usage":null,"obfuscation":"x2"}\n\n',
        b"data: " + _OPENAI_ENVELOPE + b'[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null,'
        b'"obfuscation":"Qw"}\n\n',
        b"data: " + _OPENAI_ENVELOPE + b'[],"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,'
        b'"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":'
        b'{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},'
        b'"obfuscation":"t9"}\n\n',
        b"data: [DONE]\n\n",
    ),
    gap_s=0.02,
    linger_s=1.0,  # the connection stays open a moment after [DONE], as a real one may
)

_GEMINI_TAIL = b'"modelVersion": "models/gemini-2.5-flash-preview-05-20","responseId": "AdVRaMmDCYekqtsPrb_-iAw"}'
GEMINI_SSE = Canned(
    200,
    (
        ("content-type", "text/event-stream"),
        ("vary", "Origin, X-Origin, Referer"),
        ("server", "scaffolding on HTTPServer2"),
    ),
    (
        b'data: {"candidates": [{"content": {"parts": [{"text": "Here you go!\\n\\n1.  **English:** Hi"}],'
        b'"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 5,"candidatesTokenCount": 39,'
        b'"totalTokenCount": 230,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 5}],'
        b'"thoughtsTokenCount": 186},' + _GEMINI_TAIL + b"\r\n\r\n",
        b'data: {"candidates": [{"content": {"parts": [{"text": "\\n2.  **Italian:** Ciao"}],"role": "model"},'
        b'"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 5,"candidatesTokenCount": 44,'
        b'"totalTokenCount": 235,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 5}],'
        b'"thoughtsTokenCount": 186},' + _GEMINI_TAIL + b"\r\n\r\n",
    ),
    gap_s=0.03,
)

# An error after the 200 (go-openai#396): `data: {"error": …}`, then `data: [DONE]`, no `event:` line.
OPENAI_MIDSTREAM_ERROR = Canned(
    200,
    (("content-type", "text/event-stream; charset=utf-8"), ("openai-version", "2020-10-01")),
    (
        OPENAI_STREAM.pieces[0],
        OPENAI_STREAM.pieces[1],
        b'data: {"error":{"message":"The server experienced an error while processing your request. We apologize '
        b'for the inconvenience!","type":"server_error","param":null,"code":null}}\n\n',
        b"data: [DONE]\n\n",
    ),
    gap_s=0.02,
)
