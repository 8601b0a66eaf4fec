"""Stage `router`: the classifier behind `model: auto`. Embeds labelled requests with
MiniLM, keeps one centroid per label (= adapter name), and reports how often held-out
requests reach the right adapter. Writes router.json for the server's `router.path`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tuneline.config.references import ENCODER
from tuneline.config.schema import StageConfig
from tuneline.stages.contract import StageContract

CONTRACT = StageContract(
    summary="embed labelled requests with MiniLM and keep a centroid per adapter: the router behind "
            "`model: auto`",
    reads="classification",
    writes="router",
)


class Config(StageConfig):
    type: Literal["router"] = "router"
    encoder: str = Field(ENCODER, description="sentence encoder whose embeddings are averaged per label")
    threshold: float = Field(0.0, ge=0, le=1, description="confidence below which the server uses the fallback")
    fallback: str = Field("__base__", description="adapter that answers low-confidence requests")


def run(ctx, config: Config) -> dict:
    from tuneline.errors import DataError
    from tuneline.io import atomic_write_json
    from tuneline.models.embed import embed_texts
    from tuneline.models.router import Router, RouterConfig, save_centroid_router, train_centroids
    from tuneline.progress import info

    splits = ctx.dataset("classification")
    labels = [record.label for record in splits.train]
    if any(not isinstance(label, str) for label in labels) or len(set(labels)) < 2:
        raise DataError("the router needs one label (an adapter name) per text and at least two labels",
                        where=f"stages.{config.name}.dataset", fix="write rows like {\"text\": ..., \"label\": \"code\"}")
    names, centroids = train_centroids(embed_texts([r.text for r in splits.train], config.encoder), labels)
    path = ctx.stage_dir / "router.json"
    save_centroid_router(path, names, centroids, config.encoder)
    metrics: dict = {"labels": names, "train_examples": len(labels), "eval_examples": len(splits.eval)}
    if splits.eval:
        router = Router(RouterConfig(type="centroid", path=str(path), threshold=config.threshold,
                                     fallback=config.fallback))
        decisions = router.classify([r.text for r in splits.eval])
        correct = [d.adapter == r.label for d, r in zip(decisions, splits.eval, strict=True)]
        metrics["routing_accuracy"] = sum(correct) / len(correct)
        metrics["fallback_share"] = sum(d.reason == "fallback" for d in decisions) / len(decisions)
        per_label = {}
        for name in names:
            hits = [c for c, r in zip(correct, splits.eval, strict=True) if r.label == name]
            per_label[name] = sum(hits) / len(hits) if hits else None
        metrics["routing_accuracy_per_adapter"] = per_label
        info(f"router: {metrics['routing_accuracy']:.1%} of {len(correct)} held-out requests reach the right adapter")
    atomic_write_json(ctx.stage_dir / "router_settings.json", {"threshold": config.threshold,
                                                               "fallback": config.fallback})
    return metrics
