"""A pipeline file on the tiny model and the quickstart's data, written for a test: the
header every training test shares, with the test's own stages. (Test modules import it
from here, not from conftest: several test folders have a conftest.)

The preference pairs are made from the quickstart's SFT conversations: the right answer
chosen, another topic's answer rejected. (The quickstart's own pairs differ only by an
opening sentence, so their DPO gradients are differences of nearly equal terms; Adam's
first steps turn the rounding in those into whole learning-rate steps, which is no basis
for comparing weights to 1e-5.)
"""

from __future__ import annotations

import json
from pathlib import Path


def off_topic_pairs(conversations: Path, out: Path) -> Path:
    """prompt + its own answer (chosen) + the next conversation's different answer (rejected)."""
    rows = [json.loads(line) for line in conversations.read_text().splitlines()]
    pairs = []
    for index, row in enumerate(rows):
        answer = row["messages"][-1]
        other = next(r["messages"][-1] for r in rows[index + 1:] + rows[:index]
                     if r["messages"][-1]["content"] != answer["content"])
        pairs.append({"prompt": row["messages"][:-1], "chosen": [answer], "rejected": [other]})
    out.write_text("".join(json.dumps(pair) + "\n" for pair in pairs))
    return out


def write_pipeline(path: Path, model_dir: Path, data: Path, stages: list[str], *, name: str = "tiny",
                   seed: int = 3, adapter: str = "{type: full}") -> Path:
    """`stages` are YAML flow mappings, one per stage; datasets `chats` (SFT) and `prefs`
    (preference pairs, also usable as feedback or prompts) come from `data`."""
    prefs = {split: off_topic_pairs(data / f"sft_{split}.jsonl", path.parent / f"{path.stem}-prefs-{split}.jsonl")
             for split in ("train", "eval")}
    lines = "\n".join(f"  - {stage}" for stage in stages)
    path.write_text(f"""
name: {name}
seed: {seed}
model: {model_dir}
adapter: {adapter}
tracking: {{backend: none}}
datasets:
  chats: {{path: {data}/sft_train.jsonl, eval_path: {data}/sft_eval.jsonl}}
  prefs: {{path: {prefs["train"]}, eval_path: {prefs["eval"]}}}
stages:
{lines}
""")
    return path
