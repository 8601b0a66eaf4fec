"""A pipeline file on the tiny model and the quickstart's data, written for a test: the
header every training test shares, with the test's own stages.

The preference pairs are made from the quickstart's SFT conversations: the answer chosen,
the same answer shouted in capitals without the sign-off rejected. (The quickstart's own
pairs differ only by an opening sentence, so their DPO gradients are differences of nearly
equal terms, and Adam's first steps turn the rounding in those into whole learning-rate
steps: no basis for comparing weights to 1e-5. Pairs that differ everywhere, in a way that
does not depend on the prompt, also let a tiny random model learn them in a few steps.)
"""

from __future__ import annotations

import json
from pathlib import Path


def shouted_pairs(conversations: Path, out: Path) -> Path:
    """prompt + its answer (chosen) + the answer in capitals, unsigned (rejected)."""
    pairs = []
    for line in conversations.read_text().splitlines():
        messages = json.loads(line)["messages"]
        answer = messages[-1]["content"]
        shouted = answer.split(" — ")[0].upper()
        pairs.append({"prompt": messages[:-1], "chosen": [messages[-1]],
                      "rejected": [{"role": "assistant", "content": shouted}]})
    out.write_text("".join(json.dumps(pair) + "\n" for pair in pairs))
    return out


def write_pipeline(path: Path, model_dir: Path, data: Path, stages: list[str], *, name: str = "tiny",
                   seed: int = 3, adapter: str = "{type: full}", chat_limit: int | None = None,
                   distributed: str | None = None) -> Path:
    """`stages` are YAML flow mappings, one per stage; datasets `chats` (SFT) and `prefs`
    (preference pairs, also usable as feedback or prompts) come from `data`; `distributed`
    is the `distributed:` block as a flow mapping."""
    prefs = {split: shouted_pairs(data / f"sft_{split}.jsonl", path.parent / f"{path.stem}-prefs-{split}.jsonl")
             for split in ("train", "eval")}
    lines = "\n".join(f"  - {stage}" for stage in stages)
    path.write_text(f"""
name: {name}
seed: {seed}
model: {model_dir}
adapter: {adapter}
tracking: {{backend: none}}
{f"distributed: {distributed}" if distributed else ""}
datasets:
  chats: {{path: {data}/sft_train.jsonl, eval_path: {data}/sft_eval.jsonl{f", limit: {chat_limit}" if chat_limit else ""}}}
  prefs: {{path: {prefs["train"]}, eval_path: {prefs["eval"]}}}
stages:
{lines}
""")
    return path
