"""A client session against `tuneline serve examples/tiered/serve.yaml`, with the
official openai client. Run: python examples/tiered/client.py [BASE_URL]"""

from __future__ import annotations

import os
import sys

from openai import OpenAI

base_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/v1"
client = OpenAI(base_url=base_url, api_key=os.environ.get("TUNELINE_API_KEY", "none"))

print("models:", [m.id for m in client.models.list()])

for model, question in [
    ("qa", "How much does the Glow headlamp cost?"),
    ("auto", "Write a Python function that reverses a string."),
    ("auto", "Summarise in one sentence: The museum opened an exhibition of old maps this week. "
             "Entry is free on Sundays."),
]:
    raw = client.chat.completions.with_raw_response.create(
        model=model, temperature=0, max_tokens=60, messages=[{"role": "user", "content": question}])
    reply = raw.parse()
    print(f"\n> [{model}] {question}\n[{reply.model} via {raw.headers['x-tuneline-route']}, "
          f"confidence {raw.headers['x-tuneline-route-confidence']}] {reply.choices[0].message.content}")

print("\n> [auto, streamed] Which colours does the Summit down jacket come in?")
stream = client.chat.completions.create(
    model="auto", temperature=0, max_tokens=40, stream=True,
    messages=[{"role": "user", "content": "Which colours does the Summit down jacket come in?"}])
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        print(chunk.choices[0].delta.content, end="", flush=True)
print(f"   [{chunk.model}]")

completion = client.completions.create(model="code", prompt="def add(a, b):", max_tokens=20, temperature=0)
print(f"\n> [code, completions] def add(a, b):\n{completion.choices[0].text}")
