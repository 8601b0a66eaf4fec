"""Writes general.jsonl: general instruction data (arithmetic, words, units, lists), made
here from templates with answers computed by this script. It stands for "what the model
could do before the docs fine-tune": the forgetting suite measures the held-out loss on it
before and after, and the mixed stage keeps 20% of it in training.
Run: python examples/docs_assistant/make_general.py"""

import json
import random
from pathlib import Path

WORDS = ["river", "garden", "window", "pencil", "castle", "orange", "silver", "planet", "bridge", "candle",
         "forest", "button", "rocket", "ladder", "mirror", "pillow", "violin", "basket", "tunnel", "meadow"]
OPPOSITES = {"hot": "cold", "early": "late", "empty": "full", "light": "heavy", "open": "closed",
             "fast": "slow", "high": "low", "rich": "poor", "young": "old", "wide": "narrow"}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def tasks(rng: random.Random):
    a, b = rng.randint(10, 99), rng.randint(10, 99)
    yield f"What is {a} plus {b}?", f"{a} + {b} = {a + b}."
    a, b = rng.randint(2, 12), rng.randint(2, 12)
    yield f"Multiply {a} by {b}.", f"{a} × {b} = {a * b}."
    km = rng.randint(2, 40)
    yield f"How many meters are in {km} kilometers?", f"{km} kilometers are {km * 1000} meters."
    minutes = rng.randint(2, 9) * 60 + rng.choice([0, 15, 30, 45])
    yield (f"Convert {minutes} minutes to hours and minutes.",
           f"{minutes} minutes are {minutes // 60} hours and {minutes % 60} minutes.")
    word = rng.choice(WORDS)
    yield f"Spell the word '{word}' backwards.", f"'{word}' backwards is '{word[::-1]}'."
    yield f"How many letters are in the word '{word}'?", f"'{word}' has {len(word)} letters."
    chosen = rng.sample(WORDS, 4)
    yield (f"Sort these words alphabetically: {', '.join(chosen)}.", ", ".join(sorted(chosen)) + ".")
    numbers = rng.sample(range(1, 100), 5)
    yield (f"What is the largest number in this list: {', '.join(map(str, numbers))}?",
           f"The largest number is {max(numbers)}.")
    word, opposite = rng.choice(list(OPPOSITES.items()))
    yield f"What is the opposite of '{word}'?", f"The opposite of '{word}' is '{opposite}'."
    day = rng.randrange(7)
    shift = rng.randint(1, 6)
    yield (f"If today is {DAYS[day]}, what day will it be in {shift} days?",
           f"In {shift} days it will be {DAYS[(day + shift) % 7]}.")


def main() -> None:
    rng = random.Random(7)
    rows, seen = [], set()
    while len(rows) < 300:
        for question, answer in tasks(rng):
            if question not in seen and len(rows) < 300:
                seen.add(question)
                rows.append({"messages": [{"role": "user", "content": question},
                                          {"role": "assistant", "content": answer}]})
    path = Path(__file__).with_name("general.jsonl")
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    print(f"{len(rows)} general instructions → {path}")


if __name__ == "__main__":
    main()
