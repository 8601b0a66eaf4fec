"""Which score head could reach 0.65 on Anthropic HH from frozen SmolLM2 features (issue 17): the
backbone reads every HH dev pair once (cached), then heads are fitted on the cached features and
scored per subset, in seconds each.

    python benchmarks/hh_reward_heads.py [--data-dir ../shared/data/preference] [--held-out 200]
        [--select 150] [--score select|held-out] [--features runs/benchmarks/hh_heads]
        [--limit 0] [--max-length 192]

Features per answer (the last user turn and the answer through the chat template, as the reward
stage's `context_messages: 1`): the mean of the hidden states over the answer's tokens at layers
6, 12, 18, 24 and 30 (the final norm), and the mean over the tokens before the answer (the
context) at layer 30. Heads, all trained by the Bradley–Terry loss on chosen − rejected:

  joint linear          one vector for both subsets (what `freeze_backbone: true` fits)
  interaction           one vector on [a, a ⊙ c] (c: the context's mean): the answer weighed by the request
  MLP, mixture          a small MLP on [a, c]; K linear experts mixed by a softmax gate on c
  learned gate          per-subset linear heads mixed by a logistic classifier of the subset from c
  per-subset (oracle)   a linear head per subset, each scored on its own subset: needs the subset
                        label at scoring time, so it is a ceiling, not a reward model

`--score select` scores the last --select training pairs of each file (the pairs before them fit);
`--score held-out` scores the pairs hh_reward.py holds out (the last --held-out of each file).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUBSETS = ("helpful", "harmless")
LAYERS = (6, 12, 18, 24, 30)


def extract(data_dir: Path, out: Path, max_length: int, limit: int) -> None:
    """features/<subset>.npz: answer means (pairs × 2 sides, layers, width), context means, words."""
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM

    from tuneline.data.chat import tokenize_conversation
    from tuneline.data.load import load_records
    from tuneline.models.load import load_tokenizer
    from tuneline.models.registry import resolve_model_path

    path = resolve_model_path("builtin:smollm2-135m-instruct")
    model = AutoModelForCausalLM.from_pretrained(path).eval()
    tokenizer = load_tokenizer(path)
    for subset in SUBSETS:
        pairs, _ = load_records(str(data_dir / f"hh_rlhf_{subset}_base_dev.jsonl"), task="preference",
                                on_invalid="drop")
        pairs = pairs[-limit:] if limit else pairs
        sequences = []
        for pair in pairs:  # chosen at even rows, rejected at odd ones
            for side in (pair.chosen, pair.rejected):
                example = tokenize_conversation(tokenizer, [*pair.prompt, *side][-2:])
                sequences.append((example.input_ids[-max_length:], example.labels[-max_length:]))
        answer = np.zeros((len(sequences), len(LAYERS), model.config.hidden_size), np.float32)
        context = np.zeros((len(sequences), model.config.hidden_size), np.float32)
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i][0]))
        started = time.monotonic()
        for first in range(0, len(order), 8):
            rows = order[first:first + 8]
            ids = torch.zeros(len(rows), max(len(sequences[i][0]) for i in rows), dtype=torch.long)
            mask = torch.zeros_like(ids)
            for row, i in enumerate(rows):
                ids[row, :len(sequences[i][0])], mask[row, :len(sequences[i][0])] = torch.tensor(sequences[i][0]), 1
            with torch.no_grad():
                states = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
            for row, i in enumerate(rows):
                tokens, labels = sequences[i]
                is_answer = torch.tensor([label >= 0 for label in labels])
                for j, layer in enumerate(LAYERS):
                    answer[i, j] = states[layer][row, :len(tokens)][is_answer].mean(0).numpy()
                context[i] = states[LAYERS[-1]][row, :len(tokens)][~is_answer].mean(0).numpy()
        words = np.array([[len(" ".join(m["content"] for m in side).split()) for side in (p.chosen, p.rejected)]
                          for p in pairs])
        np.savez(out / f"{subset}.npz", answer=answer, context=context, words=words)
        print(f"{subset}: {len(pairs)} pairs read in {time.monotonic() - started:.0f} s", flush=True)


def bradley_terry(model, chosen, rejected, context, epochs: int = 300):
    """Full-batch AdamW on the pairs' log loss, the state with the best loss on a seventh of them kept."""
    import torch

    held = len(chosen) // 7
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
    best, state = float("inf"), None

    def loss(part):
        return torch.nn.functional.softplus(-(model(chosen[part], context[part]) -
                                              model(rejected[part], context[part]))).mean()

    for _ in range(epochs):
        optimizer.zero_grad()
        loss(slice(held, None)).backward()
        optimizer.step()
        with torch.no_grad():
            validation = float(loss(slice(0, held)))
        if validation < best:
            best, state = validation, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    return model


def main() -> None:
    import numpy as np
    import torch

    from tuneline.eval.significance import wilson_interval
    from tuneline.rl.reward_head import fit_head

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "preference")
    parser.add_argument("--held-out", type=int, default=200)
    parser.add_argument("--select", type=int, default=150)
    parser.add_argument("--score", choices=["select", "held-out"], default="select")
    parser.add_argument("--features", type=Path, default=REPO / "runs" / "benchmarks" / "hh_heads")
    parser.add_argument("--limit", type=int, default=0, help="read only the last N pairs of each file (a smoke run)")
    parser.add_argument("--max-length", type=int, default=192)
    args = parser.parse_args()
    args.features.mkdir(parents=True, exist_ok=True)
    if not all((args.features / f"{s}.npz").exists() for s in SUBSETS):
        extract(args.data_dir, args.features, args.max_length, args.limit)
    data = {s: np.load(args.features / f"{s}.npz") for s in SUBSETS}
    torch.manual_seed(0)

    def split(subset):
        rows = np.arange(len(data[subset]["words"]))
        fit, scored = rows[:-args.held_out], rows[-args.held_out:]
        return (fit[:-args.select], fit[-args.select:]) if args.score == "select" else (fit, scored)

    def sides(subset, rows, layer=-1):
        d = data[subset]
        as_tensor = lambda x: torch.tensor(x.astype(np.float32))  # noqa: E731
        return (as_tensor(d["answer"][2 * rows, layer]), as_tensor(d["answer"][2 * rows + 1, layer]),
                as_tensor(d["context"][2 * rows]))

    fit = {s: sides(s, split(s)[0]) for s in SUBSETS}
    scored = {s: sides(s, split(s)[1]) for s in SUBSETS}
    mixed = [torch.cat([fit[s][k] for s in SUBSETS]) for k in range(3)]
    permutation = torch.randperm(len(mixed[0]))
    chosen, rejected, context = (x[permutation] for x in mixed)
    label = torch.cat([torch.full((len(fit[s][0]),), float(s == "harmless")) for s in SUBSETS])[permutation]
    a_mean, a_std = torch.cat([chosen, rejected]).mean(0), torch.cat([chosen, rejected]).std(0) + 1e-6
    c_mean, c_std = context.mean(0), context.std(0) + 1e-6
    norm_a, norm_c = (lambda x: (x - a_mean) / a_std), (lambda x: (x - c_mean) / c_std)

    def linear(features):
        weight = torch.tensor(fit_head(features(chosen, context).double(), features(rejected, context).double()).weight, dtype=torch.float64)
        return lambda a, c: features(a, c).double() @ weight

    class Mixture(torch.nn.Module):
        def __init__(self, experts):
            super().__init__()
            self.weight = torch.nn.Parameter(0.01 * torch.randn(experts, chosen.shape[1]))
            self.gate = torch.nn.Linear(chosen.shape[1], experts)

        def forward(self, a, c):
            return (torch.softmax(self.gate(norm_c(c)), -1) * (norm_a(a) @ self.weight.T)).sum(-1)

    class MLP(torch.nn.Module):
        def __init__(self, hidden):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(2 * chosen.shape[1], hidden), torch.nn.GELU(),
                                           torch.nn.Linear(hidden, 1))

        def forward(self, a, c):
            return self.net(torch.cat([norm_a(a), norm_c(c)], -1))[:, 0]

    def learned_gate():
        from sklearn.linear_model import LogisticRegression

        heads = {s: torch.tensor(fit_head(fit[s][0].double(), fit[s][1].double()).weight, dtype=torch.float64) for s in SUBSETS}
        classifier = LogisticRegression(C=0.1, max_iter=3000).fit(norm_c(context).numpy(), label.numpy())

        def score(a, c):
            harmful = torch.tensor(classifier.predict_proba(norm_c(c).numpy())[:, 1])
            return harmful * (a.double() @ heads["harmless"]) + (1 - harmful) * (a.double() @ heads["helpful"])
        return score

    heads = {
        "joint linear (answer mean, layer 30)": linear(lambda a, c: a),
        "interaction: [a, a ⊙ c]": linear(lambda a, c: torch.cat([a, a * c], -1)),
        "mixture of 2 experts, gate on c": bradley_terry(Mixture(2), chosen, rejected, context).eval(),
        "mixture of 4 experts, gate on c": bradley_terry(Mixture(4), chosen, rejected, context).eval(),
        "MLP (32 hidden) on [a, c]": bradley_terry(MLP(32), chosen, rejected, context).eval(),
        "per-subset heads, learned gate": learned_gate(),
    }
    print(f"scored: {args.score} pairs; CPU: {cpu_name()}")
    print(f"{'head':<40}{'helpful':>24}{'harmless':>24}{'both':>8}")
    rows = {}
    for name, head in heads.items():
        rows[name] = {}
        for subset in SUBSETS:
            a, r, c = scored[subset]
            with torch.no_grad():
                margin = head(a, c) - head(r, c)
            rows[name][subset] = int((margin > 0).sum())
    for subset in SUBSETS:  # the ceiling: each subset's own head, told the subset
        weight = torch.tensor(fit_head(fit[subset][0].double(), fit[subset][1].double()).weight, dtype=torch.float64)
        a, r, _ = scored[subset]
        rows.setdefault("per-subset heads, told the subset (ceiling)", {})[subset] = int(((a - r).double() @ weight > 0).sum())
    for subset in SUBSETS:
        words = data[subset]["words"][split(subset)[1]]
        rows.setdefault("the longer answer wins", {})[subset] = float((words[:, 0] > words[:, 1]).sum() +
                                                                         0.5 * (words[:, 0] == words[:, 1]).sum())
    for name, counts in rows.items():
        cells = []
        for subset in SUBSETS:
            n = len(scored[subset][0])
            low, high = wilson_interval(counts[subset], n)
            cells.append(f"{counts[subset] / n:.3f} [{low:.3f}-{high:.3f}]")
        both = sum(counts.values()) / sum(len(scored[s][0]) for s in SUBSETS)
        print(f"{name:<40}{cells[0]:>24}{cells[1]:>24}{both:>8.3f}")


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    main()
