"""Write the tiered example's data (all written for this project): three task datasets
(summarise, product Q&A for a fictional outdoor shop, write Python code) in OpenAI
messages format, and the router's labelled requests (text → adapter name).

Run: python examples/tiered/make_data.py   (writes examples/tiered/data/*.jsonl)
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent / "data"

# ── summarise: a short report and its one-sentence summary ──────────────────────────
EVENTS = [
    ("The riverside library", "reopened after a two-year renovation", "a new children's wing and longer evening hours",
     "visitors queued before the doors opened"),
    ("The city bus company", "announced a new night line", "buses every thirty minutes until three in the morning",
     "shift workers had asked for it for years"),
    ("A local bakery", "won the regional bread prize", "its rye sourdough baked in a wood oven",
     "orders doubled within a week"),
    ("The hospital board", "approved a second maternity ward", "twelve extra beds and a birthing pool",
     "construction starts in the spring"),
    ("The football club", "signed a young goalkeeper", "a three-year contract after a strong season in the youth team",
     "fans celebrated outside the stadium"),
    ("The school district", "extended the lunch break", "forty-five minutes instead of thirty",
     "teachers say pupils concentrate better in the afternoon"),
    ("A software start-up", "raised money from investors", "enough to hire twenty engineers",
     "it plans to open an office abroad"),
    ("The weather service", "warned of a heatwave", "temperatures above thirty-five degrees for five days",
     "parks will stay open late"),
    ("The museum", "opened an exhibition of old maps", "charts drawn by sailors in the sixteenth century",
     "entry is free on Sundays"),
    ("The farmers' market", "moved to the main square", "more space for sixty stalls",
     "the move was approved by a public vote"),
    ("The regional airport", "added flights to the coast", "three departures a week during summer",
     "hotels near the beach expect more guests"),
    ("The water company", "replaced old pipes downtown", "work on twelve streets over four months",
     "some roads will be closed at night"),
    ("A group of volunteers", "cleaned the lake shore", "two tonnes of rubbish collected in one weekend",
     "the council promised new bins"),
    ("The orchestra", "announced a free open-air concert", "a programme of film music",
     "it will take place in the botanical garden"),
    ("The police department", "launched a bicycle patrol", "eight officers riding through the old town",
     "shop owners welcomed the change"),
    ("The university", "opened a research centre on batteries", "laboratories for forty scientists",
     "a car maker is paying for half of it"),
]
SUMMARY_ASKS = ["Summarise this in one sentence:", "Give me a short summary of the following text:",
                "TL;DR this for me:", "Condense this paragraph into a single sentence:",
                "Can you summarize the following news item?", "Write a one-line summary of this report:"]

# ── product Q&A: a small catalogue of a fictional shop ─────────────────────────────
PRODUCTS = {
    "Trailhead 40 backpack": {"price": "89 euros", "warranty": "five years", "colours": "green, grey and orange",
                              "feature": "a detachable rain cover", "weight": "1.2 kilograms"},
    "Summit down jacket": {"price": "179 euros", "warranty": "three years", "colours": "black and navy",
                           "feature": "a hood that packs into the collar", "weight": "480 grams"},
    "Ridgeline tent": {"price": "249 euros", "warranty": "five years", "colours": "olive",
                       "feature": "room for two people and two vestibules", "weight": "2.1 kilograms"},
    "Brook water filter": {"price": "39 euros", "warranty": "two years", "colours": "blue",
                           "feature": "a cartridge that lasts for 1,000 litres", "weight": "110 grams"},
    "Canyon hiking boots": {"price": "139 euros", "warranty": "two years", "colours": "brown and black",
                            "feature": "a waterproof membrane", "weight": "1.4 kilograms per pair"},
    "Glow headlamp": {"price": "29 euros", "warranty": "three years", "colours": "red and yellow",
                      "feature": "a rechargeable battery that lasts forty hours", "weight": "85 grams"},
    "Drift sleeping bag": {"price": "119 euros", "warranty": "four years", "colours": "teal",
                           "feature": "a comfort rating down to minus five degrees", "weight": "1.1 kilograms"},
}
QUESTIONS = [
    ("price", ["How much does the {p} cost?", "What is the price of the {p}?", "How expensive is the {p}?"],
     "The {p} costs {price}."),
    ("warranty", ["What warranty comes with the {p}?", "How long is the {p} guaranteed?",
                  "Is there a warranty on the {p}?"], "The {p} has a {warranty} warranty."),
    ("colours", ["Which colours does the {p} come in?", "Can I get the {p} in another colour?",
                 "What colours are available for the {p}?"], "The {p} is available in {colours}."),
    ("feature", ["What is special about the {p}?", "Tell me the main feature of the {p}.",
                 "Why should I buy the {p}?"], "The {p} comes with {feature}."),
    ("weight", ["How heavy is the {p}?", "What does the {p} weigh?", "Is the {p} light to carry?"],
     "The {p} weighs {weight}."),
]

# Held-out questions, written by hand in words the templates above do not use: the Q&A
# adapter must answer them with the right fact. (product, fact key, hand-written question, facts the answer must contain)
HELD_OUT = [
    ("Trailhead 40 backpack", "price", "What would the Trailhead 40 backpack set me back?", ["89 euros"]),
    ("Trailhead 40 backpack", "colours", "In what colours is the Trailhead 40 backpack sold?", ["green", "grey", "orange"]),
    ("Trailhead 40 backpack", "weight", "What's the weight of the Trailhead 40 backpack?", ["1.2 kilograms"]),
    ("Summit down jacket", "price", "What's the Summit down jacket's price tag?", ["179 euros"]),
    ("Summit down jacket", "warranty", "For how many years is the Summit down jacket covered?", ["three years"]),
    ("Summit down jacket", "colours", "Does the Summit down jacket come in more than one colour?", ["black", "navy"]),
    ("Ridgeline tent", "price", "How many euros is the Ridgeline tent?", ["249 euros"]),
    ("Ridgeline tent", "weight", "How much does the Ridgeline tent weigh when packed?", ["2.1 kilograms"]),
    ("Ridgeline tent", "feature", "How many people fit in the Ridgeline tent?", ["two people"]),
    ("Brook water filter", "price", "What do you charge for the Brook water filter?", ["39 euros"]),
    ("Brook water filter", "feature", "How long does the Brook water filter's cartridge last?", ["1,000 litres"]),
    ("Brook water filter", "colours", "What colour is the Brook water filter?", ["blue"]),
    ("Canyon hiking boots", "price", "Tell me the price of the Canyon hiking boots.", ["139 euros"]),
    ("Canyon hiking boots", "feature", "What keeps my feet dry in the Canyon hiking boots?", ["waterproof membrane"]),
    ("Canyon hiking boots", "colours", "Which colours can I choose for the Canyon hiking boots?", ["brown", "black"]),
    ("Glow headlamp", "price", "How much is the Glow headlamp?", ["29 euros"]),
    ("Glow headlamp", "warranty", "How long is the warranty on the Glow headlamp?", ["three years"]),
    ("Glow headlamp", "weight", "Is the Glow headlamp heavy? How many grams?", ["85 grams"]),
    ("Drift sleeping bag", "price", "What's the cost of the Drift sleeping bag?", ["119 euros"]),
    ("Drift sleeping bag", "warranty", "What guarantee does the Drift sleeping bag have?", ["four years"]),
    ("Drift sleeping bag", "feature", "How cold can it get in the Drift sleeping bag?", ["minus five degrees"]),
]
SYSTEM_QA = "You answer questions about the Larkspur Outdoor shop's products."


# ── code: small Python functions ─────────────────────────────────────────────────
FUNCTIONS = [
    ("returns the sum of the even numbers in a list",
     "def sum_of_evens(numbers):\n    return sum(n for n in numbers if n % 2 == 0)"),
    ("reverses a string", "def reverse_text(text):\n    return text[::-1]"),
    ("checks whether a word is a palindrome",
     "def is_palindrome(word):\n    cleaned = word.lower()\n    return cleaned == cleaned[::-1]"),
    ("counts the vowels in a string", "def count_vowels(text):\n    return sum(ch in 'aeiouAEIOU' for ch in text)"),
    ("returns the largest number in a list, or None for an empty list",
     "def largest(numbers):\n    return max(numbers) if numbers else None"),
    ("computes the factorial of n",
     "def factorial(n):\n    result = 1\n    for k in range(2, n + 1):\n        result *= k\n    return result"),
    ("removes duplicates from a list while keeping the order",
     "def unique(items):\n    seen = set()\n    return [x for x in items if not (x in seen or seen.add(x))]"),
    ("converts Celsius to Fahrenheit", "def celsius_to_fahrenheit(celsius):\n    return celsius * 9 / 5 + 32"),
    ("returns the n-th Fibonacci number",
     "def fibonacci(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a"),
    ("counts how often each word appears in a text",
     "def word_counts(text):\n    counts = {}\n    for word in text.split():\n        counts[word] = counts.get(word, 0) + 1\n"
     "    return counts"),
    ("checks whether a number is prime",
     "def is_prime(n):\n    if n < 2:\n        return False\n    return all(n % d for d in range(2, int(n ** 0.5) + 1))"),
    ("flattens a list of lists", "def flatten(lists):\n    return [x for inner in lists for x in inner]"),
    ("returns the average of a list of numbers",
     "def average(numbers):\n    return sum(numbers) / len(numbers) if numbers else 0.0"),
    ("capitalises the first letter of every word", "def title_case(text):\n    return ' '.join(w.capitalize() for w in text.split())"),
    ("merges two dictionaries", "def merge(a, b):\n    return {**a, **b}"),
    ("returns the squares of the numbers from 1 to n", "def squares(n):\n    return [k * k for k in range(1, n + 1)]"),
]
CODE_ASKS = ["Write a Python function that {d}.", "Can you write Python code that {d}?",
             "I need a function in Python which {d}.", "Show me a short Python function that {d}.",
             "Implement a Python function that {d}."]


def summarise_records(rng: random.Random) -> list[dict]:
    records = []
    for subject, action, detail, consequence in EVENTS:
        for ask in rng.sample(SUMMARY_ASKS, 3):
            text = (f"{subject} {action} this week. The plan includes {detail}. "
                    f"Officials said the decision followed months of discussion. In the end, {consequence}.")
            summary = f"{subject} {action}, with {detail}."
            records.append({"messages": [{"role": "user", "content": f"{ask}\n\n{text}"},
                                         {"role": "assistant", "content": summary}]})
    return records


def qa_records() -> list[dict]:
    records = []
    for product, facts in PRODUCTS.items():
        for key, asks, answer in QUESTIONS:
            for ask in asks:
                records.append({"messages": [
                    {"role": "system", "content": SYSTEM_QA},
                    {"role": "user", "content": ask.format(p=product)},
                    {"role": "assistant", "content": answer.format(p=product, **{key: facts[key]})}]})
    return records


def catalogue_line(product: str) -> str:
    facts = PRODUCTS[product]
    return (f"{product}: {facts['price']}, {facts['warranty']} warranty, colours {facts['colours']}, "
            f"with {facts['feature']}, weighs {facts['weight']}.")


def qa_heldout_records() -> list[dict]:
    """The hand-written held-out questions with the answer the templates would give, the
    product's catalogue line as the passage, and the facts the `qa` suite checks."""
    answers = {key: answer for key, _, answer in QUESTIONS}
    return [{"messages": [{"role": "system", "content": SYSTEM_QA}, {"role": "user", "content": question},
                          {"role": "assistant", "content": answers[key].format(p=product, **{key: PRODUCTS[product][key]})}],
             "passage": catalogue_line(product), "facts": facts}
            for product, key, question, facts in HELD_OUT]


def code_records() -> list[dict]:
    records = []
    for description, code in FUNCTIONS:
        for ask in CODE_ASKS:
            records.append({"messages": [{"role": "user", "content": ask.format(d=description)},
                                         {"role": "assistant", "content": f"```python\n{code}\n```"}]})
    return records


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def main() -> None:
    rng = random.Random(7)
    tasks = {"summarise": summarise_records(rng), "qa": qa_records(), "code": code_records()}
    routing = []
    for name, rows in tasks.items():
        rng.shuffle(rows)
        write_jsonl(HERE / f"{name}.jsonl", rows)
        routing += [{"text": next(m["content"] for m in row["messages"] if m["role"] == "user"), "label": name}
                    for row in rows]
    rng.shuffle(routing)
    write_jsonl(HERE / "router.jsonl", routing)
    write_jsonl(HERE / "qa_heldout.jsonl", qa_heldout_records())
    print({name: len(rows) for name, rows in tasks.items()}, "router:", len(routing))


if __name__ == "__main__":
    main()
