"""Sequence classifiers: load any AutoModelForSequenceClassification-compatible encoder
with a fresh head, attach LoRA to an encoder, score texts, and embed them (mean pooling)
for the frozen-embedding baseline. The saved folder is a plain transformers model whose
config carries id2label/label2id, so `AutoModelForSequenceClassification` reloads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tuneline.config.schema import AdapterConfig
from tuneline.errors import ModelError
from tuneline.models.load import load_tokenizer, lora_config, new_head_expected
from tuneline.models.padding import pad_batch
from tuneline.models.registry import resolve_model_path
from tuneline.progress import batch_bar

# LoRA targets per encoder family when the pipeline says all-linear: the attention
# projections and feed-forward layers, never the fresh classification head (PEFT trains
# that one fully through modules_to_save).
ENCODER_LORA_TARGETS: dict[str, list[str]] = {
    "bert": ["query", "key", "value", "dense"],
    "roberta": ["query", "key", "value", "dense"],
    "xlm-roberta": ["query", "key", "value", "dense"],
    "electra": ["query", "key", "value", "dense"],
    "distilbert": ["q_lin", "k_lin", "v_lin", "out_lin", "lin1", "lin2"],
    "deberta-v2": ["query_proj", "key_proj", "value_proj", "dense"],
}

# Stored in config.json next to id2label, so `tuneline predict` applies the same cut-off.
THRESHOLD_KEY = "tuneline_multi_label_threshold"


def load_classifier(reference: str, labels: Sequence[str], multi_label: bool = False, threshold: float = 0.5):
    """(model, tokenizer): the encoder with a freshly initialised head for `labels`."""
    from transformers import AutoModelForSequenceClassification

    path = resolve_model_path(reference)
    try:
        with new_head_expected():
            model = AutoModelForSequenceClassification.from_pretrained(
                path,
                num_labels=len(labels),
                id2label=dict(enumerate(labels)),
                label2id={label: i for i, label in enumerate(labels)},
                problem_type="multi_label_classification" if multi_label else "single_label_classification",
                ignore_mismatched_sizes=True,  # a folder that already has a head for other labels
            )
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load '{reference}' as a sequence classifier: {exc}",
                         fix="use an encoder folder (BERT family) with config.json, or builtin:minilm-l6") from None
    tokenizer = load_tokenizer(path)
    if model.config.pad_token_id is None:  # decoder models used as classifiers need it to find the last token
        model.config.pad_token_id = tokenizer.pad_token_id
    if multi_label:
        setattr(model.config, THRESHOLD_KEY, threshold)
    return model, tokenizer


def attach_encoder_lora(model, adapter: AdapterConfig):
    """LoRA on the encoder; the head is trained in full (PEFT's SEQ_CLS modules_to_save)."""
    from peft import get_peft_model

    targets = adapter.target_modules
    if targets == "all-linear":
        targets = ENCODER_LORA_TARGETS.get(model.config.model_type, "all-linear")
    return get_peft_model(model, lora_config(adapter.model_copy(update={"target_modules": targets}), "SEQ_CLS", model))


def plain_model(model):
    """A model that saves as a plain transformers folder: LoRA merged into the weights."""
    return model.merge_and_unload() if hasattr(model, "peft_config") else model


def best_device() -> str:
    from tuneline.runtime import compute_device

    return str(compute_device())


def to_device(batch: dict, model) -> dict:
    device = next(model.parameters()).device
    return {key: value.to(device) for key, value in batch.items()}


def tokenize_texts(tokenizer, texts: Sequence[str], max_length: int) -> list[list[int]]:
    return tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]


def _batches(token_lists: list[list[int]], batch_size: int):
    """Length-sorted batches (less padding) and the original position of each row."""
    order = sorted(range(len(token_lists)), key=lambda i: len(token_lists[i]))
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


def batched_logits(score: Callable[[dict], Any], token_lists: list[list[int]], pad_id: int, num_labels: int,
                   batch_size: int = 64):
    """Logits (examples × labels) as a float32 numpy array, in input order; `score` maps a
    padded batch (input_ids, attention_mask as torch tensors) to that batch's logits."""
    import numpy as np

    out = np.zeros((len(token_lists), num_labels), dtype=np.float32)
    progress = batch_bar(len(token_lists), batch_size, desc="classifying", unit="text")
    for rows in _batches(token_lists, batch_size):
        out[rows] = score(pad_batch([token_lists[i] for i in rows], None, pad_id))
        progress.update(len(rows))
    progress.close()
    return out


def predict_logits(model, token_lists: list[list[int]], pad_id: int, batch_size: int = 64):
    """Logits (examples × labels) of a PyTorch classifier, in input order."""
    import torch

    def score(batch: dict):
        return model(**to_device(batch, model)).logits.float().cpu().numpy()

    was_training = model.training
    model.eval()
    with torch.inference_mode():
        out = batched_logits(score, token_lists, pad_id, model.config.num_labels, batch_size)
    model.train(was_training)
    return out


def probabilities_from_logits(logits, multi_label: bool):
    """Softmax over labels (one label per text) or an independent sigmoid per label."""
    import numpy as np

    if multi_label:
        return 1.0 / (1.0 + np.exp(-logits))
    shifted = logits - logits.max(axis=1, keepdims=True)  # stable: exp never overflows
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def decide_labels(probabilities, labels: Sequence[str], multi_label: bool, threshold: float = 0.5) -> list:
    """The argmax label per row, or for multi-label every label at or above `threshold`."""
    if multi_label:
        return [[labels[j] for j in range(len(labels)) if row[j] >= threshold] for row in probabilities]
    return [labels[int(j)] for j in probabilities.argmax(axis=1)]


def mean_pooled_embeddings(encoder, token_lists: list[list[int]], pad_id: int, batch_size: int = 128):
    """Sentence embeddings e = Σ_t m_t h_t / Σ_t m_t over the last hidden states h (m: the
    attention mask): the pooling all-MiniLM-L6-v2 was trained with (Reimers & Gurevych 2019)."""
    import numpy as np
    import torch

    encoder.eval()
    out = None
    progress = batch_bar(len(token_lists), batch_size, desc="embedding (frozen baseline)", unit="text")
    with torch.inference_mode():
        for rows in _batches(token_lists, batch_size):
            batch = to_device(pad_batch([token_lists[i] for i in rows], None, pad_id), encoder)
            hidden = encoder(**batch).last_hidden_state.float()
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            if out is None:
                out = np.zeros((len(token_lists), pooled.shape[-1]), dtype=np.float32)
            out[rows] = pooled.cpu().numpy()
            progress.update(len(rows))
    progress.close()
    return out


def classifier_labels(folder: str | Path):
    """(config, labels, multi_label, threshold) of a saved classifier folder's config.json."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(folder))
    if not getattr(config, "id2label", None) or config.architectures and not any(
            name.endswith("ForSequenceClassification") for name in config.architectures):
        raise ModelError(f"'{folder}' is not a sequence classifier (config.json has no classification head)",
                         fix="give the output of a `classify` stage: its run directory, stage folder or model/ folder")
    labels = [config.id2label[i] for i in range(config.num_labels)]
    multi_label = config.problem_type == "multi_label_classification"
    return config, labels, multi_label, float(getattr(config, THRESHOLD_KEY, 0.5))


def load_saved_classifier(folder: str | Path):
    """(model, tokenizer, labels, multi_label, threshold) from a saved classifier folder."""
    from transformers import AutoModelForSequenceClassification

    _, labels, multi_label, threshold = classifier_labels(folder)
    model = AutoModelForSequenceClassification.from_pretrained(str(folder))
    model.eval()
    return model, load_tokenizer(str(folder)), labels, multi_label, threshold


def sentence_pooling(path: str | Path) -> str | None:
    """How a sentence-transformers folder pools its tokens ("mean", "cls", "max"), from
    1_Pooling/config.json; None for a plain transformers folder."""
    import json

    config = Path(path) / "1_Pooling" / "config.json"
    if not config.exists():
        return None
    modes = json.loads(config.read_text())
    for mode in ("mean", "cls", "max"):
        if modes.get(f"pooling_mode_{mode}_tokens"):
            return mode
    return None


# Encoders whose layers have BERT's shape (attention.self.query/key/value, attention.output,
# intermediate, output): the mean-pooling layer can be appended to them.
BERT_SHAPED = {"bert", "roberta", "xlm-roberta", "electra"}


def mean_pooling_wanted(setting: str, path: str | Path, model, where: str) -> bool:
    """`pooling:` auto (mean for an encoder trained with mean pooling, as its sentence-transformers
    folder says; its own head otherwise), mean, or cls."""
    if setting == "cls":
        return False
    shaped = model.config.model_type in BERT_SHAPED
    if setting == "mean":
        if not shaped:
            from tuneline.errors import ConfigError

            raise ConfigError(f"pooling: mean needs a BERT-shaped encoder ({', '.join(sorted(BERT_SHAPED))}); this "
                              f"one is {model.config.model_type}", where=where, fix="use pooling: auto or cls")
        return True
    return shaped and sentence_pooling(path) == "mean"


def add_mean_pooling_layer(model, scale: float = 1e4) -> None:
    """Make a BERT-family sequence classifier read mean-pooled token vectors, in place, while it
    stays a plain `BertForSequenceClassification` (saved, reloaded and exported as one).

    Its head reads the first token's vector through the pooler, which sentence-transformers
    encoders such as all-MiniLM-L6-v2 never trained: they were trained on the mean of the
    token vectors (frozen, logistic regression on the pooler output scores 0.773 on CLINC150
    against 0.925 on the mean: benchmarks/classify/pooling.py). So one more encoder layer is
    appended that computes that mean into the first position:

    - queries and keys 0: every attention score is 0, so each head weighs the unmasked tokens
      equally; values the identity: the attention output is the mean of the token vectors m;
    - attention output `scale`·I, then the residual and LayerNorm: LN(scale·m + h) = LN(m + h/scale),
      which is LN(m) to within 1/scale;
    - feed-forward output 0: the second LayerNorm leaves LN(m) as it is;
    - the pooler the identity: the head reads tanh(LN(m)).

    Fine-tuning then trains every layer from there."""
    import copy

    import torch

    base = getattr(model, model.base_model_prefix, model)  # a classifier, or the bare encoder
    layers = base.encoder.layer
    layer = copy.deepcopy(layers[-1])
    width = model.config.hidden_size
    eye = torch.eye(width)
    with torch.no_grad():
        attention = layer.attention
        for linear in (attention.self.query, attention.self.key):
            linear.weight.zero_()
            linear.bias.zero_()
        attention.self.value.weight.copy_(eye)
        attention.self.value.bias.zero_()
        attention.output.dense.weight.copy_(scale * eye)
        attention.output.dense.bias.zero_()
        layer.output.dense.weight.zero_()
        layer.output.dense.bias.zero_()
        for norm in (attention.output.LayerNorm, layer.output.LayerNorm):
            norm.weight.fill_(1.0)
            norm.bias.zero_()
        if getattr(base, "pooler", None) is not None:  # RoBERTa and ELECTRA heads read the first token directly
            base.pooler.dense.weight.copy_(eye)
            base.pooler.dense.bias.zero_()
    if hasattr(layer.attention.self, "layer_idx"):
        layer.attention.self.layer_idx = len(layers)
    layers.append(layer)
    model.config.num_hidden_layers = len(layers)
