import openai
import pytest


def ask(client: openai.OpenAI, question: str) -> str:
    """The code under test: your app's call to the LLM."""
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": question}],
    )
    return reply.choices[0].message.content or ""


def test_app_gets_the_answer_and_sends_the_right_request(fakellm):
    client = openai.OpenAI(base_url=fakellm.openai_base_url, api_key=fakellm.api_key)

    assert ask(client, "Repeat with me: hello") == "hello"  # the echo scenario

    fakellm.assert_called(times=1)
    sent = fakellm.requests.last
    assert sent.request.model == "gpt-4o-mini"
    assert sent.request.system_prompt == "Be brief."
    assert sent.ended == "completed"


@pytest.mark.fakellm(env=True)  # sets OPENAI_BASE_URL, OPENAI_API_KEY, GROQ_BASE_URL, ...
def test_code_that_builds_its_own_client(fakellm):
    client = openai.OpenAI()  # reads OPENAI_BASE_URL and OPENAI_API_KEY

    assert ask(client, "hi there") == "hi there"
    assert fakellm.requests.user_texts == ["hi there"]
