"""Every example of the README's "Testing with fakellm" section is run, as a user would run it.

The examples are read from README.md itself; `tests/readme_examples/` keeps the same files for
editing with an IDE, and a test checks the two agree.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx  # noqa: F401  (imported once here so in-process runs do not re-import them each time)
import openai  # noqa: F401
import pytest
from google import genai  # noqa: F401

import fakellm.testing.harness  # noqa: F401
from tests.support.inner_pytest import run

pytest_plugins = ["pytester"]

FROM_README = True
README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Testing with fakellm"
EXAMPLES_DIR = Path(__file__).resolve().parent / "readme_examples"


def readme_examples(text: str) -> dict[str, str]:
    """The Python blocks of the section that define tests, named by their order in it."""
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end != -1 else len(text)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    return {f"readme_{i}": b for i, b in enumerate(blocks, start=1) if "def test_" in b}


def examples() -> dict[str, str]:
    if FROM_README:
        return readme_examples(README.read_text(encoding="utf-8"))
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES_DIR.glob("*.py"))}


def test_there_are_examples_for_openai_gemini_and_barge_in():
    sources = "\n".join(examples().values())
    assert "import openai" in sources
    assert "from google import genai" in sources
    assert '"disconnected"' in sources


@pytest.mark.parametrize("name", sorted(examples()))
def test_example_passes_as_a_user_would_run_it(pytester: pytest.Pytester, name: str):
    pytester.makepyfile(**{f"test_{name}": examples()[name]})
    result = run(pytester)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1, result.stdout.str()
    assert set(outcomes) <= {"passed", "warnings"}, result.stdout.str()


def test_readme_section_extraction_keeps_only_test_blocks():
    text = "# x\n## Testing with fakellm\n```python\ndef test_a(): pass\n```\n```python\nx = 1\n```\n## Next\n"
    assert readme_examples(text) == {"readme_1": "def test_a(): pass\n"}


def test_readme_shows_the_example_files_verbatim():
    shown = set(readme_examples(README.read_text(encoding="utf-8")).values())
    for path in sorted(EXAMPLES_DIR.glob("*.py")):
        assert path.read_text(encoding="utf-8") in shown, f"README.md does not show {path.name} as it is"
