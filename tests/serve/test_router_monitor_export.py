"""The centroid router on MiniLM and the drift monitor on a real request log (export: tests/export/)."""

from __future__ import annotations

import json

ROUTING = {
    "code": ["Write a Python function that reverses a list.", "Implement quicksort in Python.",
             "Python code to read a CSV file", "Write a function that checks if a number is even.",
             "How do I define a class in Python?", "Write a Python script that prints the primes below 100."],
    "qa": ["How much does the tent cost?", "What is the warranty on the backpack?",
           "Which colours does the jacket come in?", "Is the headlamp rechargeable?",
           "How heavy are the hiking boots?", "Does the sleeping bag come with a bag to store it?"],
    "summarise": ["Summarise this article about the city council budget.", "Give me a short summary of this text.",
                  "TL;DR of the following report, please.", "Condense this paragraph into one sentence.",
                  "Summarize the meeting notes below.", "Write a one-line summary of this news story."],
}
HELD_OUT = [("Could you code a Python function computing a factorial?", "code"),
            ("What does the water filter weigh?", "qa"),
            ("Please sum up this long email in a sentence.", "summarise"),
            ("Write Python that merges two sorted lists.", "code"),
            ("How long is the warranty of the tent?", "qa"),
            ("Boil this story down to one sentence.", "summarise")]


def test_centroid_router_routes_held_out_requests(tmp_path):
    from tuneline.models.embed import embed_texts
    from tuneline.models.router import Router, RouterConfig, save_centroid_router, train_centroids

    texts = [t for ts in ROUTING.values() for t in ts]
    labels = [label for label, ts in ROUTING.items() for _ in ts]
    names, centroids = train_centroids(embed_texts(texts), labels)
    save_centroid_router(tmp_path / "router.json", names, centroids, "builtin:minilm-l6")
    router = Router(RouterConfig(type="centroid", path=str(tmp_path / "router.json"), threshold=0.0, fallback="qa"))
    decisions = router.classify([t for t, _ in HELD_OUT])
    assert [d.adapter for d in decisions] == [label for _, label in HELD_OUT]
    strict = Router(RouterConfig(type="centroid", path=str(tmp_path / "router.json"), threshold=0.999,
                                 fallback="qa"))
    unsure = strict.route([{"role": "user", "content": "hello there"}])
    assert unsure.adapter == "qa" and unsure.reason == "fallback"


def test_monitor_flags_skew_only_when_traffic_drifts(tmp_path):
    from tuneline.serve.monitor import monitor
    from tuneline.serve.requestlog import RequestLog

    train_file = tmp_path / "code.jsonl"
    train_file.write_text("".join(json.dumps({"messages": [{"role": "user", "content": t},
                                                           {"role": "assistant", "content": "def f(): pass"}]}) + "\n"
                                  for t in ROUTING["code"] * 2))
    similar = RequestLog(tmp_path / "similar.sqlite")
    drifted = RequestLog(tmp_path / "drifted.sqlite")
    for i, text in enumerate(ROUTING["code"]):
        similar.write(id=f"s{i}", endpoint="/v1/chat/completions", requested_model="auto", adapter="code",
                      route_reason="centroid", prompt_text=text, status=200)
    for i, text in enumerate(ROUTING["summarise"] + ROUTING["qa"]):
        long_text = text + " " + "The report describes the harvest, the weather and the markets in detail. " * 6
        drifted.write(id=f"d{i}", endpoint="/v1/chat/completions", requested_model="auto", adapter="code",
                      route_reason="fallback" if i % 2 else "centroid", prompt_text=long_text, status=200)
    similar.close()
    drifted.close()
    calm = monitor(tmp_path / "similar.sqlite", {"code": str(train_file)})
    assert not calm["skew"], calm["flags"]
    assert calm["adapter_shares"] == {"code": 1.0}
    skewed = monitor(tmp_path / "drifted.sqlite", {"code": str(train_file)})
    assert skewed["skew"]
    flags = " ".join(skewed["flags"])
    assert "prompt lengths differ" in flags and "drifted" in flags and "fell back" in flags
