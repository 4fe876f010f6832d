"""Which check speaks each `--dialect`, and the model each sends unless told otherwise.

The OpenAI-style probe runs in each provider's routes (`run.run_check` over `targets.TARGETS`, whose
default models are these); the Responses API and the anthropic SDK have checks of their own. The
command line takes its choices and its help from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line reads this module for its choices: it stays light to import
    from fakellm.check.report import Report

# The model each check sends unless told otherwise; its keys are the dialects `--dialect` offers.
DEFAULT_MODELS: dict[str, str] = {
    "openai": "gpt-3.5-turbo",  # what Play.ai's documented probe names
    "azure": "gpt-4o",
    "groq": "llama-3.3-70b-versatile",
    "gemini": "gemini-2.5-flash",
    "responses": "gpt-4.1",
    "anthropic": "claude-sonnet-4-5",
}


def run_dialect_check(url: str, dialect: str, *, api_key: str | None, model: str | None, timeout: float) -> Report:
    """Run the check for `dialect` against `url` (the runners are imported when one is run)."""
    chosen = model or DEFAULT_MODELS[dialect]
    if dialect == "responses":
        from fakellm.check.responses_checks import run_responses_check

        return run_responses_check(url, api_key=api_key, model=chosen, timeout=timeout)
    if dialect == "anthropic":
        from fakellm.check.anthropic import run_anthropic_check

        return run_anthropic_check(url, api_key=api_key, model=chosen, timeout=timeout)
    from fakellm.check.run import run_check

    return run_check(url, api_key=api_key, model=chosen, timeout=timeout, dialect=dialect)
