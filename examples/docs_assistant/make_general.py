"""Writes general.jsonl: what the model could do before the docs fine-tune. The prompts are
general requests written here from templates (facts, explanations, advice, words, short
writing); the answers are the embedded SmolLM2-135M-Instruct's own greedy answers, kept
when they end within 64 tokens.

Scored against the base model's own answers, the held-out loss of a fine-tuned model rises
by how far it has drifted from what the base would say (the cross-entropy is the base's
entropy plus the divergence), which is the forgetting the `forgetting` suite reports; the
`mixed` stage replays 20% of these answers in training (self-distillation), which should
hold it near the base. About 4 minutes on one CPU thread; the file is shipped, so the
example does not need to run this.
Run: OMP_NUM_THREADS=1 python examples/docs_assistant/make_general.py"""

import json
import random
from pathlib import Path

COUNTRIES = ["France", "Japan", "Brazil", "Canada", "Egypt", "Italy", "Kenya", "Norway", "Peru", "Spain",
             "India", "Mexico"]
TOPICS = ["photosynthesis", "gravity", "a volcano", "the water cycle", "an eclipse", "a rainbow", "inflation",
          "a vaccine", "the internet", "a battery", "democracy", "recycling", "a black hole", "evolution",
          "a thunderstorm", "the moon's phases"]
ACTIVITIES = ["sleeping better", "learning a language", "saving money", "running a first 5K", "studying for an exam",
              "cooking rice", "keeping houseplants alive", "writing a CV", "staying focused at work",
              "planning a trip", "drinking more water", "speaking in public"]
WORDS = ["river", "garden", "window", "pencil", "castle", "orange", "silver", "planet", "bridge", "candle",
         "forest", "rocket", "ladder", "mirror", "violin", "meadow"]
ANIMALS = ["a cat", "an owl", "a dolphin", "a bee", "an elephant", "a penguin", "a fox", "a turtle"]
TEMPLATES = [
    "What is the capital of {country}?", "Name a famous food from {country}.",
    "Explain {topic} in one or two sentences.", "What is {topic}? Keep it short.",
    "Give me one tip for {activity}.", "What is a common mistake when {activity}?",
    "Write one sentence that uses the word '{word}'.", "Give a synonym for the word '{word}'.",
    "Describe {animal} in one sentence.", "Write a two-line poem about {animal}.",
    "What is {a} plus {b}?", "Is {n} an even or an odd number?",
]


def prompts(rng: random.Random, count: int) -> list[str]:
    seen: list[str] = []
    while len(seen) < count:
        text = rng.choice(TEMPLATES).format(
            country=rng.choice(COUNTRIES), topic=rng.choice(TOPICS), activity=rng.choice(ACTIVITIES),
            word=rng.choice(WORDS), animal=rng.choice(ANIMALS), a=rng.randint(2, 50), b=rng.randint(2, 50),
            n=rng.randint(2, 99))
        if text not in seen:
            seen.append(text)
    return seen


def main() -> None:
    from tuneline.eval.generate import generate_chat
    from tuneline.models.load import load_for_inference

    model, tokenizer = load_for_inference("builtin:smollm2-135m-instruct")
    asked = prompts(random.Random(7), 260)
    answers = generate_chat(model, tokenizer, [[{"role": "user", "content": p}] for p in asked],
                            max_new_tokens=64, batch_size=16)
    rows = [{"messages": [{"role": "user", "content": p}, {"role": "assistant", "content": a.text.strip()}]}
            for p, a in zip(asked, answers, strict=True)
            if a.finished_with_eos and a.text.strip()]
    path = Path(__file__).with_name("general.jsonl")
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    print(f"{len(rows)} of {len(asked)} answers ended within 64 tokens → {path}")


if __name__ == "__main__":
    main()
