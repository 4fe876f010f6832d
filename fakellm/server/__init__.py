"""The server stage: from the socket to the pipeline and back.

`app` is the ASGI entry, `router` picks the dialect and route, `body` reads the request body,
`auth` judges keys, `pipeline` runs parse → scenario → faults → framing for one request, and
`transport` puts the framed bytes on the wire on schedule; `admin` and `urls` serve fakellm's own
pages; `serve` runs it all under uvicorn for `fakellm serve`. Importing this package loads none of them.
"""
