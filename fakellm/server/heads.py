"""A response's head goes out with its first bytes of body, in one write.

uvicorn writes a response's status line and headers to the socket as soon as the app sends
`http.response.start`, then each body message as it comes: two writes, so two system calls, for
every response, though fakellm always sends the first body bytes right after the head. On
loopback each write costs the sender the receiver's wake-up too; when hundreds of streams are due
in the same instant, that second call is a good part of what makes the last of them late.

`HeldHead` stands in for the connection's transport in uvicorn's request cycle. It holds the first
write of a response (the head) and sends it joined to the next write, when that comes in the same
turn of the loop; otherwise (an app that sends its head, then waits) the head goes out alone on
the loop's next turn, so it is never held back longer than that.
"""

from __future__ import annotations

import asyncio
from typing import Any


class HeldHead:
    __slots__ = ("_flush", "_head", "_loop", "_started", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._head: bytes | None = None
        self._started = False
        self._flush: asyncio.Handle | None = None
        self._loop = loop

    def write(self, data: bytes) -> None:
        if self._head is not None:  # the body's first bytes, in the head's turn
            data = self._head + data
            self._head = None
            if self._flush is not None:
                self._flush.cancel()
                self._flush = None
        elif not self._started:  # the head
            self._started = True
            self._head = data
            self._flush = self._loop.call_soon(self.flush)
            return
        self.transport.write(data)

    def flush(self) -> None:
        """Send a held head now."""
        self._flush = None
        if self._head is not None:
            head, self._head = self._head, None
            self.transport.write(head)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:  # the rest of the transport's interface, as it is
        return getattr(self.transport, name)
