"""`fakellm check URL`: a conformance checker for someone's own OpenAI-compatible endpoint.

`run` sends the probes and assembles the report; `probe` captures the answers (raw bytes and
timing), `sse` reads the event stream as the SDKs do, `stream_checks` and `json_checks` judge the
streamed and the plain answer, and `report` renders the verdict.
"""
