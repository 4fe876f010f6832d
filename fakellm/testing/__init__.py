"""fakellm for test suites: `FakeLLM` (a real server in a background thread), the rule layers it
adds in Python, and the pytest plugin. Importing this package loads none of them."""
