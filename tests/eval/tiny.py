"""Small hand-written datasets for the eval tests."""

from __future__ import annotations

import json
from pathlib import Path

TOPICS = [
    ("How do I export a note as PDF?", "Open the note, tap Share, then Export as PDF.", "I cannot help with that."),
    ("Can I change the app theme?", "Yes: Settings > Appearance > Theme.", "Themes do not exist."),
    ("How do I restore a deleted note?", "Open Trash, select the note and tap Restore.", "Deleted notes are gone."),
    ("Where are my tags?", "Tags are in the side menu under Tags.", "Ask someone else."),
    ("How do I share a notebook?", "Open the notebook menu and choose Share.", "Sharing is impossible."),
    ("Can I lock a note?", "Yes: open the note menu and choose Lock.", "No idea."),
    ("How do I sync now?", "Pull down on the note list to sync.", "Sync is broken forever."),
    ("How do I add a checklist?", "Tap the checkbox icon in the editor toolbar.", "Checklists are a myth."),
]


def write_data(folder: Path) -> dict[str, Path]:
    """conversations.jsonl (SFT) and preferences.jsonl, 8 records each."""
    folder.mkdir(parents=True, exist_ok=True)
    system = {"role": "system", "content": "You are the Nimbus Notes support assistant."}
    conversations = [{"messages": [system, {"role": "user", "content": q}, {"role": "assistant", "content": good}]}
                     for q, good, _ in TOPICS]
    preferences = [{"prompt": [system, {"role": "user", "content": q}],
                    "chosen": [{"role": "assistant", "content": good}],
                    "rejected": [{"role": "assistant", "content": bad}]} for q, good, bad in TOPICS]
    paths = {"conversations": folder / "conversations.jsonl", "preferences": folder / "preferences.jsonl"}
    paths["conversations"].write_text("".join(json.dumps(r) + "\n" for r in conversations))
    paths["preferences"].write_text("".join(json.dumps(r) + "\n" for r in preferences))
    return paths
