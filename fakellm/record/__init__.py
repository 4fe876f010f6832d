"""Recording a real provider into a scenario file: `fakellm record`, and cassettes in pytest.

The proxy (`proxy`) forwards each request to the upstream its dialect names (`upstreams`) and
streams the answer back as it arrives (`forward`); `capture` notes what came and when, each
dialect reads its own provider's answer back into neutral replies, `rules` turns that into a rule
of the ordinary scenario format, `redact` keeps secrets out, and `writer` appends the rule to the
file at once. Replaying is ordinary serving (`fakellm serve --scenarios FILE`). `server` runs
the proxy in a background thread (the pytest plugin's cassettes).
"""
