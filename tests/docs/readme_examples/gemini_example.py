from google import genai
from google.genai import types


def summarise(client: genai.Client, text: str) -> str:
    """The code under test, written against google-genai."""
    response = client.models.generate_content(model="gemini-2.5-flash", contents=f"Repeat with me: {text}")
    return response.text or ""


def test_gemini_app_against_fakellm(fakellm):
    client = genai.Client(
        api_key=fakellm.api_key,
        http_options=types.HttpOptions(base_url=fakellm.gemini_base_url),
    )

    assert summarise(client, "short and sweet") == "short and sweet"

    call = fakellm.requests.last
    assert call.dialect == "gemini"
    assert call.request.model == "gemini-2.5-flash"
    assert "x-goog-api-key" in call.headers  # the key is there, masked
    assert fakellm.api_key not in call.headers["x-goog-api-key"]
