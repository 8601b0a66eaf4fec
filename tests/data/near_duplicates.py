"""A generated fixture for near-duplicate detection: distinct instruction-like texts
that share templates and vocabulary (hard negatives), plus planted copies reworded by
a few words (substitutions, an insertion, a deletion). Deterministic for a seed."""

from __future__ import annotations

import random

TEMPLATES = [
    "How do I {verb} a {noun} when the {noun2} is {adj} and I only have {count} minutes before the {event}?",
    "Write a {adj} email to my {person} explaining why the {noun} for the {event} will arrive {count} days late.",
    "Explain to a {person} how a {noun} works, using the {noun2} in our {place} as an example, in {count} sentences.",
    "Give me a {adj} plan to {verb} the {noun} in the {place} before the {event}, with {count} steps at most.",
    "What should a {person} know before they {verb} a {noun} near the {place} for the first time?",
    "Summarise the history of the {noun} in {count} bullet points for a {adj} talk at the {event} in the {place}.",
]
SLOTS = {
    "verb": "repair clean paint move sell borrow measure wrap label store replace inspect test build".split(),
    "noun": "bicycle kettle fence laptop garden printer boat ladder piano roof window tent oven drone".split(),
    "noun2": "weather budget manual neighbour schedule landlord warranty toolbox battery map".split(),
    "adj": "short friendly formal careful cheap quick detailed gentle honest simple".split(),
    "count": "two three four five six ten twenty".split(),
    "event": "meeting wedding inspection holiday exam launch party audit match".split(),
    "person": "child manager client landlord student neighbour colleague grandmother".split(),
    "place": "garage kitchen office village harbour school library workshop".split(),
}
TAILS = [
    "Please keep the tone practical and avoid jargon.",
    "I have tried searching online but the advice was confusing.",
    "Mention any safety risks and the tools I would need.",
    "It would help if you also listed common mistakes.",
    "Answer in plain language and finish with a summary.",
]
# Free-text context words, so texts sharing a template still differ in most of their words.
CONTEXT = ("apple river morning yellow engine quiet letter forest copper winter signal basket thunder candle "
           "journey pepper silver orchard mirror harvest velvet lantern compass meadow glacier cotton ribbon "
           "falcon marble puzzle saddle timber violet walnut anchor blanket cactus dragon emerald fountain "
           "gravel hammock island jasmine kernel lemon magnet nectar olive parcel quartz rocket spruce tunnel "
           "umbrella vessel wander yogurt zephyr almond beacon cinder dune ember feather granite hollow ivory "
           "juniper kettle lagoon mosaic nutmeg oyster pebble quiver raven saffron thistle urchin willow").split()
SYNONYMS = {
    "please": "kindly", "practical": "pragmatic", "avoid": "skip", "help": "be useful", "tried": "attempted",
    "advice": "guidance", "confusing": "unclear", "mention": "note", "risks": "hazards", "tools": "equipment",
    "common": "frequent", "plain": "simple", "finish": "end", "limited": "small", "online": "on the web",
    "explain": "describe", "write": "draft", "give": "provide", "should": "must", "first": "initial",
}


def _base_text(rng: random.Random) -> str:
    template = rng.choice(TEMPLATES)
    filled = template.format(**{slot: rng.choice(words) for slot, words in SLOTS.items()})
    context = " ".join(rng.choice(CONTEXT) for _ in range(12))
    return f"{filled} Context: {context}. {rng.choice(TAILS)}"


def reword(text: str, rng: random.Random, edits: int = 3) -> str:
    """Change `edits` words: synonym substitutions first, then an insertion and a deletion."""
    words = text.split()
    swappable = [i for i, word in enumerate(words) if word.lower().strip(".,?") in SYNONYMS]
    rng.shuffle(swappable)
    done = 0
    for i in swappable[: max(edits - 1, 1)]:
        bare = words[i].lower().strip(".,?")
        words[i] = words[i].lower().replace(bare, SYNONYMS[bare])
        done += 1
    if done < edits:
        words.insert(rng.randrange(len(words)), rng.choice(["really", "also", "now", "just"]))
        done += 1
    if done < edits:
        del words[rng.randrange(len(words))]
    return " ".join(words)


def near_duplicate_fixture(num_texts: int = 400, num_planted: int = 100, seed: int = 7) -> tuple[list[str], set[int]]:
    """(texts, indices of the planted copies). Base texts are unique; each planted copy
    rewords an earlier base text and is placed after it."""
    rng = random.Random(seed)
    texts: list[str] = []
    seen: set[str] = set()
    while len(texts) < num_texts:
        text = _base_text(rng)
        if text not in seen:
            seen.add(text)
            texts.append(text)
    planted: set[int] = set()
    for original in rng.sample(range(num_texts), num_planted):
        position = rng.randrange(original + 1, len(texts) + 1)
        texts.insert(position, reword(texts[original], rng, edits=rng.choice([2, 3, 4])))
        planted = {p + 1 if p >= position else p for p in planted} | {position}
    return texts, planted
