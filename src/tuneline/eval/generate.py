"""Generation through the one chat template, batched, with EOS bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass

from tuneline.data.chat import tokenize_prompt
from tuneline.data.records import Message

TOP_K = 50  # transformers' default for sampling, which generate_chat has always used


class TopKTopPDraw:
    """Draws each next token itself, as transformers' sampling would (temperature, then the
    top-k tokens, then the smallest top set holding `top_p` of their mass), and leaves greedy
    search one finite score to pick. transformers sorts the whole vocabulary for top-p and runs
    torch.multinomial over all of it every step: with SmolLM2's 49k tokens that was about half
    of a 135M model's generation time on this project's CPU. Top-k bounds the nucleus, so
    drawing among the k is the same distribution at a fraction of the cost."""

    def __init__(self, temperature: float, top_p: float, top_k: int = TOP_K):
        self.temperature, self.top_p, self.top_k = temperature, top_p, top_k

    def __call__(self, input_ids, scores):
        import torch

        top_scores, top_ids = torch.topk(scores.float() / self.temperature, min(self.top_k, scores.shape[-1]))
        probs = torch.softmax(top_scores, dim=-1)  # descending
        if self.top_p < 1.0:
            mass_before = torch.cumsum(probs, dim=-1) - probs  # kept while the tokens above hold < top_p
            probs = probs.masked_fill(mass_before >= self.top_p, 0.0)
        drawn = top_ids.gather(-1, torch.multinomial(probs, 1))
        return torch.full_like(scores, -float("inf")).scatter_(-1, drawn, 0.0)


@dataclass
class Generation:
    text: str
    token_ids: list[int]
    finished_with_eos: bool  # False: stopped by max_new_tokens
    num_tokens: int


def generate_chat(model, tokenizer, conversations: list[list[Message]], max_new_tokens: int = 256,
                  temperature: float = 0.0, top_p: float = 1.0, batch_size: int = 8,
                  desc: str = "generating") -> list[Generation]:
    """Answer each conversation (the assistant's next turn). Greedy when temperature is 0."""
    import torch

    from tuneline.progress import batch_bar

    eos_id = tokenizer.eos_token_id
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_id
    device = next(model.parameters()).device
    prompts = [tokenize_prompt(tokenizer, messages) for messages in conversations]
    # Longest first: batches of similar length waste less compute on padding.
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    results: list[Generation | None] = [None] * len(prompts)
    was_training = model.training
    model.eval()
    progress = batch_bar(len(prompts), batch_size, desc=desc, unit="answer")
    try:
        for start in range(0, len(order), batch_size):
            indices = order[start:start + batch_size]
            width = max(len(prompts[i]) for i in indices)
            input_ids = torch.full((len(indices), width), pad_id, dtype=torch.long)
            attention = torch.zeros((len(indices), width), dtype=torch.long)
            for row, i in enumerate(indices):  # left padding, so every prompt ends at the same column
                input_ids[row, width - len(prompts[i]):] = torch.tensor(prompts[i])
                attention[row, width - len(prompts[i]):] = 1
            greedy = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
            sampling = {**greedy, "logits_processor": [TopKTopPDraw(temperature, top_p)]} if temperature > 0 else greedy
            with torch.no_grad():
                output = model.generate(input_ids=input_ids.to(device), attention_mask=attention.to(device),
                                        max_new_tokens=max_new_tokens, eos_token_id=eos_id, pad_token_id=pad_id,
                                        **sampling)
            for row, i in enumerate(indices):
                new_tokens = output[row, width:].tolist()
                finished = eos_id in new_tokens
                if finished:
                    new_tokens = new_tokens[: new_tokens.index(eos_id)]
                text = tokenizer.decode(new_tokens, skip_special_tokens=True).strip()
                results[i] = Generation(text=text, token_ids=new_tokens, finished_with_eos=finished,
                                        num_tokens=len(new_tokens))
            progress.update(len(indices))
    finally:
        progress.close()
        model.train(was_training)
    return results  # type: ignore[return-value]


_VLLM_ENGINES: dict[str, object] = {}  # one vLLM engine per base model for the whole process


def generate_chat_vllm(reference: str, tokenizer, conversations: list[list[Message]],
                       max_new_tokens: int = 256) -> list[Generation]:
    """Greedy answers from vLLM (GPU) for a model reference or a policy artifact: a model
    folder directly, an adapter as a LoRARequest on its base."""
    from pathlib import Path

    from tuneline.models.artifacts import resolve_artifact
    from tuneline.models.registry import resolve_model_path
    from tuneline.models.vllm_generate import VllmGenerator

    base, adapter = resolve_model_path(reference), None
    if Path(reference).exists() and not reference.startswith("builtin:"):
        artifact = resolve_artifact(reference, role="policy")
        base, adapter = (resolve_model_path(artifact.base), artifact.path) if artifact.kind == "adapter" \
            else (str(artifact.path), None)
    if base not in _VLLM_ENGINES:
        _VLLM_ENGINES[base] = VllmGenerator(base, max_lora_rank=64)
    engine = _VLLM_ENGINES[base]
    engine.use_adapter(adapter)
    answers = engine.generate([tokenize_prompt(tokenizer, m) for m in conversations], max_new_tokens, 0.0, 1.0,
                              tokenizer.eos_token_id)
    return [Generation(text=tokenizer.decode(tokens, skip_special_tokens=True).strip(), token_ids=tokens,
                       finished_with_eos=finished, num_tokens=len(tokens)) for tokens, finished in answers]
