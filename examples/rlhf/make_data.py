"""Writes the example's data for a made-up product, the Lumo bike light: SFT conversations,
preference pairs for the reward model, and prompts for PPO (train and held-out).

    python examples/rlhf/make_data.py        # writes examples/rlhf/data/*.jsonl
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent

# (question, a concise answer that names the product)
FACTS = [
    ("How long does the battery last?", "The Lumo runs about 12 hours on its low setting and 4 hours on full beam."),
    ("How do I charge it?", "Plug the Lumo into any USB-C charger; a full charge takes about two hours."),
    ("Is it waterproof?", "Yes. The Lumo is rated IPX6, so rain and road spray are fine, but do not submerge it."),
    ("How bright is it?", "The Lumo's front light reaches 800 lumens on full beam."),
    ("How do I mount it on my handlebar?", "Stretch the Lumo's rubber strap around the bar and hook it back; no tools needed."),
    ("Does it have a flashing mode?", "Yes, the Lumo has two flashing modes; double-press the button to switch."),
    ("What is the warranty?", "The Lumo comes with a two-year warranty covering defects in parts and workmanship."),
    ("Can I use it as a rear light?", "No, the Lumo is a front light; pair it with the Lumo Tail for the rear."),
    ("How do I turn it off?", "Hold the Lumo's button for two seconds until the light goes out."),
    ("How much does it weigh?", "The Lumo weighs 95 grams including the strap."),
    ("Does it show the battery level?", "Yes, the Lumo's button glows green above 20% charge and red below."),
    ("Can I charge it while riding?", "Yes, the Lumo keeps working while it charges from a power bank."),
    ("Will it fit a thick handlebar?", "The Lumo's strap fits bars from 22 to 35 millimetres across."),
    ("How do I clean it?", "Wipe the Lumo with a damp cloth; avoid solvents on the lens."),
    ("Is it legal on the road?", "The Lumo meets the German StVZO beam pattern when used in its road mode."),
    ("Does it turn on automatically?", "The Lumo has an optional light sensor that switches it on at dusk."),
    ("What colours does it come in?", "The Lumo comes in black, white and safety orange."),
    ("How long does a full charge take?", "About two hours from empty with a 2 A USB-C charger for the Lumo."),
    ("Can I replace the battery?", "The Lumo's battery is sealed; our service centre replaces it for a flat fee."),
    ("What is the beam angle?", "The Lumo spreads its beam over 30 degrees, with a sharp cut-off on top."),
]
OPENERS = ["", "Quick question: ", "I just bought a Lumo bike light. ", "About the Lumo bike light: ", "Hi! "]
RAMBLE = (" Bike lights in general vary a lot, and there are many factors such as the weather, the temperature, "
          "how old your battery is and which mode you choose, so it is always worth reading the manual carefully "
          "and checking with your local bike shop before a long ride at night.")
SYSTEM = "You are the customer support assistant for the Lumo, a bike light. Answer the customer's question."
VAGUE = ["It depends on how you use it.", "That varies; check the manual.", "Most bike lights can do that.",
         "I am not sure, you could ask the shop."]


def conversations(rng: random.Random) -> list[dict]:
    rows = []
    for question, answer in FACTS:
        for opener in rng.sample(OPENERS, 2):
            rows.append({"messages": [{"role": "user", "content": opener + question},
                                      {"role": "assistant", "content": answer}]})
    return rows


def preferences(rng: random.Random) -> list[dict]:
    rows = []
    for question, answer in FACTS:
        for opener in OPENERS:
            generic = answer.replace("The Lumo's", "The light's").replace("the Lumo", "the light").replace(
                "The Lumo", "The light").replace("Lumo", "light")
            rejected = rng.choice([answer + RAMBLE, rng.choice(VAGUE), generic + RAMBLE])
            rows.append({"prompt": opener + question, "chosen": answer, "rejected": rejected})
    return rows


def prompts(rng: random.Random) -> list[dict]:
    extra = ["Would you recommend it for commuting?", "Is it good for mountain biking?", "Can my kid use it?",
             "What should I do if it stops working?", "Does it work in winter?", "Can I take it on a plane?",
             "What comes in the box?", "How does it compare to a dynamo light?", "Is it bright enough for trails?",
             "Can I use it as a torch when camping?"]
    questions = [q for q, _ in FACTS] + extra
    rng.shuffle(questions)
    # The last 6 questions are held out entirely: PPO is judged on questions it never saw.
    return [{"prompt": opener + question} for question in questions for opener in OPENERS]


def with_system(rows: list[dict]) -> list[dict]:
    """The same prompts as a deployed assistant sees them: a system line names the product it supports."""
    return [{"prompt": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": row["prompt"]}]}
            for row in rows]


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def main() -> None:
    rng = random.Random(0)
    write(HERE / "data" / "sft.jsonl", conversations(rng))
    write(HERE / "data" / "preferences.jsonl", preferences(rng))
    all_prompts = prompts(rng)
    write(HERE / "data" / "prompts.jsonl", all_prompts[:120])
    write(HERE / "data" / "prompts_heldout.jsonl", all_prompts[120:])
    # benchmarks/rlhf's PPO/GRPO measurement uses these: without the system line, two prompts in
    # three never name the product, and a policy cannot learn to name what it never saw named.
    write(HERE / "data" / "prompts_support.jsonl", with_system(all_prompts[:120]))
    write(HERE / "data" / "prompts_support_heldout.jsonl", with_system(all_prompts[120:]))
    print(f"wrote {HERE / 'data'}: {len(all_prompts[:120])} train prompts, {len(all_prompts[120:])} held-out")


if __name__ == "__main__":
    main()
