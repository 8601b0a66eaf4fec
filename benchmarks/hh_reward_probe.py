"""How much chosen-vs-rejected signal a frozen causal LM holds on Anthropic HH (issue 17), measured
before spending 30 minutes on training: on a selection slice of the training part of the dev
files (never the pairs hh_reward.py holds out), per subset,

  - zero-shot: mean and summed log π(answer | last user turn), higher = preferred;
  - the longer-answer rule;
  - logistic probes on frozen hidden states (answer tokens mean-pooled at a few layers, and the
    last token), fitted on chosen − rejected of other training pairs (both orders), scored on
    the slice.

    python benchmarks/hh_reward_probe.py [--model builtin:smollm2-135m-instruct] [--select 150]
        [--fit 300] [--held-out 200] [--max-length 192] [--context-messages 1]

The slice is the same one `hh_reward.py --select N` scores: the last N pairs of each file's
training part; the probes fit on the `--fit` pairs before it.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUBSETS = ("helpful", "harmless")


def slices(data_dir: Path, held_out: int, select: int, fit: int) -> dict[str, tuple[list[str], list[str]]]:
    """Per subset (fit rows, selection rows); the last `held_out` rows are never read."""
    out = {}
    for subset in SUBSETS:
        rows = (data_dir / f"hh_rlhf_{subset}_base_dev.jsonl").read_text().splitlines()[:-held_out]
        out[subset] = rows[-select - fit:-select], rows[-select:]
    return out


def answer_features(model, tokenizer, conversations, max_length: int, context_messages: int, layers: list[int],
                    batch_size: int = 8) -> list[tuple]:
    """Per conversation: (sum log π over answer tokens, answer tokens, {layer: mean hidden state over
    the answer}, last token's last hidden state, tokens read). Right-padded batches of similar length."""
    import torch

    from tuneline.data.chat import tokenize_conversation

    encoded = []
    for messages in conversations:
        example = tokenize_conversation(tokenizer, messages[max(0, len(messages) - 1 - context_messages):])
        encoded.append((example.input_ids[-max_length:], example.labels[-max_length:]))
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]))
    features: list[tuple | None] = [None] * len(encoded)
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        width = max(len(encoded[i][0]) for i in chunk)
        ids = torch.zeros(len(chunk), width, dtype=torch.long)
        mask = torch.zeros(len(chunk), width, dtype=torch.long)
        for row, i in enumerate(chunk):
            ids[row, :len(encoded[i][0])] = torch.tensor(encoded[i][0])
            mask[row, :len(encoded[i][0])] = 1
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        for row, i in enumerate(chunk):
            tokens, labels = encoded[i]
            n = len(tokens)
            target = torch.tensor(labels[1:])
            scored = target >= 0
            logp = torch.log_softmax(out.logits[row, :n - 1][scored].float(), dim=-1)
            token_logp = logp.gather(1, target[scored][:, None])[:, 0]
            answer = torch.tensor([label >= 0 for label in labels])
            pooled = {layer: out.hidden_states[layer][row, :n][answer].mean(0).float().numpy() for layer in layers}
            features[i] = (float(token_logp.sum()), int(scored.sum()), pooled,
                           out.hidden_states[-1][row, n - 1].float().numpy(), n)
    return features


def probe_accuracy(fit_diffs, test_diffs) -> tuple[float, float]:
    """Logistic regression on chosen − rejected (both orders, so no bias can help), C by 5-fold CV on
    the fit pairs; (accuracy on the test pairs, chosen C)."""
    import warnings

    import numpy as np
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.preprocessing import StandardScaler

    x = np.concatenate([fit_diffs, -fit_diffs])
    y = np.concatenate([np.ones(len(fit_diffs)), np.zeros(len(fit_diffs))])
    scaler = StandardScaler(with_mean=False).fit(x)
    probe = LogisticRegressionCV(Cs=[1e-4, 1e-3, 1e-2, 1e-1, 1], cv=5, max_iter=2000, fit_intercept=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        probe.fit(scaler.transform(x), y)
    margin = probe.decision_function(scaler.transform(test_diffs))
    return float(np.mean((margin > 0) + 0.5 * (margin == 0))), float(probe.C_[0])


def credit(a: float, b: float) -> float:
    return 1.0 if a > b else 0.5 if a == b else 0.0


def subset_row(feats: dict, layers: list[int]) -> dict:
    """Accuracy with its Wilson interval on the selection pairs: the length rule, the log-π rules
    and each probe (fitted on the fit pairs)."""
    import numpy as np

    from tuneline.eval.significance import wilson_interval

    (side, words) = feats["select"]
    n = len(words)

    def rate(right: float) -> dict:
        return {"accuracy": right / n, "interval": wilson_interval(right, n)}

    sides = list(zip(side["chosen"], side["rejected"], strict=True))
    row = {"pairs": n,
           "longer_answer": rate(sum(credit(c, r) for c, r in words)),
           "logp_mean": rate(sum(credit(c[0] / max(1, c[1]), r[0] / max(1, r[1])) for c, r in sides)),
           "logp_sum": rate(sum(credit(c[0], r[0]) for c, r in sides))}

    def diffs(part: str, feature) -> np.ndarray:
        s, _ = feats[part]
        return np.stack([feature(c) - feature(r) for c, r in zip(s["chosen"], s["rejected"], strict=True)])

    probes = {f"layer {layer} answer mean": (lambda f, layer=layer: f[2][layer]) for layer in layers}
    probes["last token, last layer"] = lambda f: f[3]
    probes["all layers' answer means"] = lambda f: np.concatenate([f[2][layer] for layer in layers])
    probes["log π mean, sum, length"] = lambda f: np.array([f[0] / max(1, f[1]), f[0], math.log1p(f[1])])
    for name, feature in probes.items():
        accuracy, c = probe_accuracy(diffs("fit", feature), diffs("select", feature))
        row[f"probe: {name}"] = {**rate(accuracy * n), "C": c}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "preference")
    parser.add_argument("--model", default="builtin:smollm2-135m-instruct")
    parser.add_argument("--held-out", type=int, default=200)
    parser.add_argument("--select", type=int, default=150)
    parser.add_argument("--fit", type=int, default=300)
    parser.add_argument("--max-length", type=int, default=192)
    parser.add_argument("--context-messages", type=int, default=1)
    parser.add_argument("--layers", default="6,12,18,24,30")
    parser.add_argument("--output", type=Path, default=REPO / "runs" / "benchmarks" / "hh_reward_probe.json")
    args = parser.parse_args()

    from transformers import AutoModelForCausalLM

    from tuneline.data.load import load_records
    from tuneline.models.load import load_tokenizer
    from tuneline.models.registry import resolve_model_path

    path = resolve_model_path(args.model)
    model = AutoModelForCausalLM.from_pretrained(path).eval()
    tokenizer = load_tokenizer(path)
    layers = [int(x) for x in args.layers.split(",")]
    tmp = args.output.parent / "probe_rows.jsonl"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    results, tokens, seconds = {}, 0, 0.0
    for subset, (fit_rows, select_rows) in slices(args.data_dir, args.held_out, args.select, args.fit).items():
        feats = {}
        for part, rows in (("fit", fit_rows), ("select", select_rows)):
            tmp.write_text("\n".join(rows) + "\n")
            pairs, _ = load_records(str(tmp), task="preference", on_invalid="drop")
            side = {"chosen": [], "rejected": []}
            for name in side:
                started = time.perf_counter()
                side[name] = answer_features(model, tokenizer, [[*p.prompt, *getattr(p, name)] for p in pairs],
                                             args.max_length, args.context_messages, layers)
                seconds += time.perf_counter() - started
                tokens += sum(f[4] for f in side[name])
            words = [(len(" ".join(m["content"] for m in p.chosen).split()),
                      len(" ".join(m["content"] for m in p.rejected).split())) for p in pairs]
            feats[part] = side, words
        row = subset_row(feats, layers)
        results[subset] = row
        print(f"{subset} ({row['pairs']} selection pairs, probes fitted on {len(feats['fit'][1])} others):")
        for key, value in row.items():
            if key != "pairs":
                low, high = value["interval"]
                print(f"  {key:<34}{value['accuracy']:.3f} [{low:.3f}-{high:.3f}]")
    results["forward_seconds"], results["forward_tokens"] = round(seconds, 1), tokens
    args.output.write_text(json.dumps({"options": {k: str(v) for k, v in vars(args).items()}, **results}, indent=2))
    print(f"forward passes: {tokens} tokens in {seconds:.0f} s ({tokens / seconds:.0f} tokens/s, batches of 8); "
          f"results: {args.output}")


if __name__ == "__main__":
    main()
