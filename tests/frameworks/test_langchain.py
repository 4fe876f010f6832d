"""LangChain end to end: `ChatOpenAI(...).with_structured_output(Model)`, by JSON schema and by
function calling, as its users drive it."""

from __future__ import annotations

import pytest
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field

from fakellm.testing.harness import FakeLLM


class Person(BaseModel):
    name: str
    age: int = Field(ge=0, le=120)
    email: str = Field(pattern=r"^\S+@\S+$")


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_with_structured_output_gives_the_model(llm: FakeLLM, method: str) -> None:
    chat = ChatOpenAI(model="gpt-4o", base_url=llm.openai_base_url, api_key="sk-test", max_retries=0)  # type: ignore[arg-type]
    person = chat.with_structured_output(Person, method=method).invoke("Ann is 30.")  # type: ignore[arg-type]
    assert isinstance(person, Person)
    request = llm.requests.last.request
    assert request is not None
    if method == "function_calling":
        assert (request.tool_choice.mode, request.tool_choice.names) == ("named", ("Person",))
    else:
        assert request.output.kind == "json_schema"
