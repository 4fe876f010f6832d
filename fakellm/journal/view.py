"""`llm.requests`: the journal as a Python sequence for tests, with filters and assertions.

Reading it first waits (briefly) for requests still in flight, so a test that
has just hung up on a stream sees how that request ended, not "pending".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any, Unpack, overload

from fakellm.journal import FilterCriteria, Journal, JournalEntry, JournalFilter

DEFAULT_SETTLE_TIMEOUT = 2.0


class Requests(Sequence[JournalEntry]):
    """The requests fakellm has seen, oldest first (`llm.requests`).

    `llm.requests.last.text`, `llm.requests.filter(scenario="slow")`, `len(llm.requests)`,
    `llm.requests.assert_called(times=2)`.
    """

    def __init__(
        self,
        journal: Journal,
        where: JournalFilter | None = None,
        settle_timeout: float = DEFAULT_SETTLE_TIMEOUT,
    ) -> None:
        self._journal = journal
        self._where = where or JournalFilter()
        self.settle_timeout = settle_timeout

    def _entries(self) -> list[JournalEntry]:
        self._journal.wait_settled(self.settle_timeout)
        return self._journal.entries(self._where)

    def _described_filter(self) -> str:
        parts = [f"{k}={v!r}" for k, v in asdict(self._where).items() if v is not None]
        return f" ({', '.join(parts)})" if parts else ""

    def __len__(self) -> int:
        return len(self._entries())

    @overload
    def __getitem__(self, index: int) -> JournalEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[JournalEntry]: ...

    def __getitem__(self, index: int | slice) -> JournalEntry | list[JournalEntry]:
        return self._entries()[index]

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self._entries())

    def __bool__(self) -> bool:
        return bool(self._entries())

    def __repr__(self) -> str:
        return f"<Requests{self._described_filter()}: {len(self)}>"

    @property
    def last(self) -> JournalEntry:
        """The most recent request; fails the test with a clear message when there is none."""
        entries = self._entries()
        if not entries:
            raise AssertionError(f"fakellm has received no requests{self._described_filter()}")
        return entries[-1]

    @property
    def first(self) -> JournalEntry:
        entries = self._entries()
        if not entries:
            raise AssertionError(f"fakellm has received no requests{self._described_filter()}")
        return entries[0]

    @property
    def user_texts(self) -> list[str]:
        """The last user message of each request, in order: the quickest way to see what the app asked."""
        return [e.user_text for e in self._entries()]

    def filter(self, **criteria: Unpack[FilterCriteria]) -> Requests:
        """A narrower view, by any `JournalFilter` field (`scenario`, `dialect`, `status`, `ended`, `rule`,
        `path`, `method`, `stream`); it stays live (later requests that match show up in it too)."""
        return Requests(self._journal, self._where.narrowed(criteria), self.settle_timeout)

    def wait(self, count: int = 1, timeout: float = 5.0) -> Requests:
        """Wait until at least `count` matching requests have finished (for apps that call the LLM
        in the background); fails the test when they have not after `timeout` seconds."""
        if not self._journal.wait_for(count, self._where, timeout):
            raise AssertionError(
                f"waited {timeout} s for {count} finished request(s){self._described_filter()}; "
                f"got {len(self._journal.entries(self._where))}:\n{self.describe()}"
            )
        return self

    def describe(self) -> str:
        """One line per request, for failure messages and debugging."""
        entries = self._journal.entries(self._where)
        if not entries:
            return "  (no requests)"
        return "\n".join("  " + e.summary() for e in entries)

    def to_list(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self._entries()]

    def assert_called(self, times: int | None = None) -> None:
        """At least one matching request, or exactly `times` of them."""
        count = len(self._entries())
        if (times is None and count == 0) or (times is not None and count != times):
            expected = "at least 1 request" if times is None else f"{times} request(s)"
            raise AssertionError(
                f"expected {expected} to fakellm{self._described_filter()}, got {count}:\n{self.describe()}"
            )

    def assert_not_called(self) -> None:
        self.assert_called(times=0)
