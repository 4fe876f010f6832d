"""`GET /metrics`: Prometheus metrics of one server, in the text format, via `prometheus-client`.

Counted from the journal's events (`answer`, `settle`), so they agree with the journal: a request
is counted once it is over, with the labels the journal gives it (`status="200"`,
`ended="completed"|"fault"|"error"|"disconnected"`). Each app has its own registry (never the
process-wide default one), so two servers in one process (a test suite's) never mix their figures.

The counting is done in plain Python ints on the server's event loop and only turned into metric
families when scraped (a custom collector): a request costs a few dictionary updates, not the
locks of prometheus-client's own metric objects.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from fakellm.journal import Journal, JournalEntry
from fakellm.journal.events import JournalEvent
from fakellm.tokens import reply_usage

# Seconds. At most 50 ms apart between 0.2 s and 1.5 s (where voice agents' TTFTs live), coarser outside.
FINE = tuple(round(0.2 + 0.05 * i, 2) for i in range(27))
BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, *FINE, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0,
                              15.0, 30.0, 60.0, 120.0, 300.0)  # fmt: skip
REQUEST_LABELS = ("dialect", "scenario", "status", "ended")


class Histogram:
    def __init__(self, bounds: tuple[float, ...] = BUCKETS) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last: above every bound (+Inf only)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    def family(self, name: str, documentation: str) -> HistogramMetricFamily:
        buckets: list[tuple[str, float]] = []
        total = 0
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            total += count
            buckets.append(("+Inf" if bound == float("inf") else repr(bound), total))
        return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=self.sum)


def fault_kinds(entry: JournalEntry) -> list[str]:
    """What was injected into a settled request: the stream faults the journal names (`pause`,
    `midstream_error`, `disconnect`, `stall`, `malformed`), else `rate_limit` for an injected 429
    and `error` for another injected error status."""
    if entry.fault:
        return [name.split(":", 1)[0] for name in entry.fault.split(",")]
    if entry.ended == "fault":
        return ["rate_limit" if entry.status == 429 else "error"]
    return []


class Metrics:
    """The counters of one app, fed by its journal's events."""

    def __init__(self, journal: Journal) -> None:
        self.requests: dict[tuple[str, str, str, str], int] = {}
        self.duration = Histogram()
        self.ttft = Histogram()
        self.active: set[int] = set()  # ids of streams being sent
        self.chunks = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.faults: Counter[str] = Counter()
        self.disconnects = 0
        self.rate_limited = 0
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)
        journal.subscribe(self)

    def __call__(self, event: JournalEvent) -> None:
        entry = event.entry
        if event.kind == "answer":
            if entry.stream:
                self.active.add(entry.id)
            if entry.request is not None:
                usage = reply_usage(entry.request, event.data["replies"])
                self.prompt_tokens += usage.prompt_tokens
                self.completion_tokens += usage.completion_tokens
        elif event.kind == "settle":
            self._settled(entry)

    def _settled(self, entry: JournalEntry) -> None:
        self.active.discard(entry.id)
        key = (entry.dialect, entry.scenario or "", str(entry.status), entry.ended)
        self.requests[key] = self.requests.get(key, 0) + 1
        if entry.total_ms is not None:
            self.duration.observe(entry.total_ms / 1000)
        if entry.ttft_ms is not None:
            self.ttft.observe(entry.ttft_ms / 1000)
        if entry.stream:
            self.chunks += entry.chunks
        if entry.ended == "disconnected":
            self.disconnects += 1
        if entry.status == 429:
            self.rate_limited += 1
        if entry.fault or entry.ended == "fault":
            for kind in fault_kinds(entry):
                self.faults[kind] += 1

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "fakellm_requests", "Requests answered, by dialect, scenario, status and how they ended.",
            labels=REQUEST_LABELS,
        )  # fmt: skip
        for labels, count in sorted(self.requests.items()):
            requests.add_metric(labels, count)
        yield requests
        yield self.duration.family("fakellm_request_duration_seconds", "From arrival to the last byte (or hang-up).")
        yield self.ttft.family("fakellm_ttft_seconds", "From arrival to the first byte of the response body.")
        yield GaugeMetricFamily("fakellm_active_streams", "Streams being sent now.", value=len(self.active))
        yield CounterMetricFamily("fakellm_stream_chunks", "Frames sent in streamed responses.", value=self.chunks)
        tokens = CounterMetricFamily("fakellm_tokens", "Tokens of answered requests, as usage reports them.",
                                     labels=("kind",))  # fmt: skip
        tokens.add_metric(("completion",), self.completion_tokens)
        tokens.add_metric(("prompt",), self.prompt_tokens)
        yield tokens
        faults = CounterMetricFamily("fakellm_faults_injected", "Faults injected, by kind.", labels=("kind",))
        for kind, count in sorted(self.faults.items()):
            faults.add_metric((kind,), count)
        yield faults
        yield CounterMetricFamily("fakellm_disconnects", "Requests the client hung up on.", value=self.disconnects)
        yield CounterMetricFamily("fakellm_rate_limited", "Requests answered 429.", value=self.rate_limited)

    def exposition(self) -> tuple[bytes, str]:
        """The text format and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
