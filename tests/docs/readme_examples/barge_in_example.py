import openai


def test_agent_stops_the_llm_when_the_user_barges_in(fakellm):
    # Stream slowly: first token after 50 ms, then 50 tokens a second.
    fakellm.add_rule(reply="word " * 200, latency={"ttft_ms": 50, "tokens_per_second": 50})
    client = openai.OpenAI(base_url=fakellm.openai_base_url, api_key=fakellm.api_key)

    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Tell me a long story"}], stream=True
    )
    for count, _chunk in enumerate(stream, start=1):
        if count == 5:  # the user started talking: the agent hangs up on the LLM
            stream.close()
            break

    call = fakellm.requests.last
    assert call.ended == "disconnected"
    assert call.chunks < 20  # it stopped long before the 200 words
    assert call.disconnected_at_ms < 2000
    print(f"client disconnected at {call.disconnected_at_ms} ms after {call.chunks} chunks")
