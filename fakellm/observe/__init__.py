"""Watching a running server: the dashboard page, its live feed, and Prometheus metrics.

`routes` serves the page (`GET /` in a browser) and its data endpoints, `feed` the live events
(`GET /_fakellm/events`), `connect` and `platforms` what to paste where, `agents` who sent a
request, `checker` runs `fakellm check` from the page, and `metrics` counts for `GET /metrics`.
Everything here reads the journal and its events; nothing on a request's path depends on it.
"""

from fakellm.observe.metrics import Metrics
from fakellm.observe.routes import Dashboard, page, wants_html

__all__ = ["Dashboard", "Metrics", "page", "wants_html"]
