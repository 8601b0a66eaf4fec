"""`model: auto`: pick the adapter for a request by rules or by nearest centroid.

Rules match keywords or regular expressions in the last user message. The centroid
router embeds that message with MiniLM and picks the label whose mean training
embedding is closest in cosine similarity; its confidence is a softmax over those
similarities. Below the threshold, or with no match, the fallback adapter answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from tuneline.config.schema import Strict
from tuneline.errors import ConfigError
from tuneline.io import atomic_write_json

# Cosine similarities of MiniLM embeddings span a narrow range, so they are sharpened
# before the softmax; 0.05 makes a 0.1 similarity gap a ~7x odds ratio.
SIMILARITY_TEMPERATURE = 0.05


class RouteRule(Strict):
    adapter: str = Field(..., description="adapter that answers when this rule matches")
    keywords: list[str] = Field(default_factory=list, description="case-insensitive words; any one matches")
    pattern: str | None = Field(None, description="a regular expression searched in the last user message")


class RouterConfig(Strict):
    type: Literal["none", "rules", "centroid"] = Field(
        "none", description="rules: keywords/regex; centroid: nearest centroid of MiniLM embeddings")
    rules: list[RouteRule] = Field(default_factory=list, description="for type rules: checked in order")
    path: str | None = Field(None, description="for type centroid: router.json written by the router stage")
    threshold: float = Field(0.0, ge=0, le=1, description="below this confidence the fallback answers")
    fallback: str = Field("__base__", description="adapter used when no rule matches or confidence is low")


@dataclass
class RouteDecision:
    adapter: str
    confidence: float
    reason: str  # "rule", "centroid", "fallback"


def routing_text(messages: list[dict]) -> str:
    """What the router reads: the last user message (the request's actual ask)."""
    for message in reversed(messages):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return message["content"]
    return ""


def softmax(values: list[float], temperature: float) -> list[float]:
    """softmax(v / T)_i = exp(v_i / T) / sum_j exp(v_j / T), shifted by the max for stability."""
    import math

    top = max(values)
    exps = [math.exp((v - top) / temperature) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def train_centroids(embeddings, labels: list[str]) -> tuple[list[str], list[list[float]]]:
    """Per label, the unit-normalised mean of its examples' embeddings."""
    import numpy as np

    names = sorted(set(labels))
    label_array = np.array(labels)
    centroids = []
    for name in names:
        mean = embeddings[label_array == name].mean(axis=0)
        centroids.append((mean / max(float(np.linalg.norm(mean)), 1e-12)).tolist())
    return names, centroids


def save_centroid_router(path: str | Path, labels: list[str], centroids: list[list[float]], encoder: str) -> None:
    atomic_write_json(path, {"type": "centroid", "encoder": encoder, "labels": labels, "centroids": centroids,
                             "similarity_temperature": SIMILARITY_TEMPERATURE})


class Router:
    def __init__(self, config: RouterConfig):
        self.config = config
        self.rules = [(rule.adapter, [k.lower() for k in rule.keywords],
                       re.compile(rule.pattern, re.IGNORECASE) if rule.pattern else None) for rule in config.rules]
        self.labels: list[str] = []
        self.centroids = None
        self.encoder = None
        if config.type == "centroid":
            self._load_centroids(config.path)

    def _load_centroids(self, path: str | None) -> None:
        import numpy as np

        if not path or not Path(path).exists():
            raise ConfigError(f"router file not found: {path}", where="router.path",
                              fix="train it with the `router` stage and point router.path to its router.json")
        data = json.loads(Path(path).read_text())
        self.labels, self.centroids, self.encoder = data["labels"], np.array(data["centroids"]), data["encoder"]

    def adapters(self) -> set[str]:
        """Adapters this router may answer with (they must be loaded)."""
        return {rule[0] for rule in self.rules} | set(self.labels) | {self.config.fallback}

    def route(self, messages: list[dict]) -> RouteDecision:
        text = routing_text(messages)
        if self.config.type == "rules":
            lowered = text.lower()
            for adapter, keywords, pattern in self.rules:
                if any(re.search(rf"\b{re.escape(k)}\b", lowered) for k in keywords) or (
                        pattern is not None and pattern.search(text)):
                    return RouteDecision(adapter, 1.0, "rule")
        elif self.config.type == "centroid" and text:
            return self.classify([text])[0]
        return RouteDecision(self.config.fallback, 0.0, "fallback")

    def classify(self, texts: list[str]) -> list[RouteDecision]:
        from tuneline.models.embed import embed_texts

        similarities = embed_texts(texts, self.encoder) @ self.centroids.T
        decisions = []
        for row in similarities:
            probabilities = softmax(row.tolist(), SIMILARITY_TEMPERATURE)
            best = max(range(len(probabilities)), key=probabilities.__getitem__)
            if probabilities[best] < self.config.threshold:
                decisions.append(RouteDecision(self.config.fallback, probabilities[best], "fallback"))
            else:
                decisions.append(RouteDecision(self.labels[best], probabilities[best], "centroid"))
        return decisions
