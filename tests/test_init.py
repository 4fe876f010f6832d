"""The public namespace: a handful of names, pinned, and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import fakellm


def test_all_is_pinned():
    assert sorted(fakellm.__all__) == ["FakeLLM", "FakeLLMSurpriseError", "JournalEntry", "__version__"]


def test_every_public_name_resolves():
    for name in fakellm.__all__:
        assert getattr(fakellm, name) is not None


def test_unknown_attribute_is_an_attribute_error():
    assert not hasattr(fakellm, "NoSuchThing")


def test_importing_the_package_does_not_load_the_server():
    # pytest imports fakellm for the plugin in every session, so it must stay light.
    code = "import sys, fakellm, fakellm.pytest_plugin; print('uvicorn' in sys.modules, 'fakellm.app' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
