"""generate_chat's sampler draws from the distribution transformers' own sampling defines
(temperature, top-k 50, top-p), without sorting the whole vocabulary every step."""

from __future__ import annotations

import pytest
import torch

from tuneline.eval.generate import TopKTopPDraw, generate_chat


def test_the_kept_tokens_and_their_probabilities_by_hand():
    # logits ln(0.4), ln(0.3), ln(0.2), ln(0.1) at temperature 1; top-p 0.75: 0.4 + 0.3 = 0.7 < 0.75,
    # so the third token (0.2) is still kept and the fourth (mass above it 0.9) is not.
    # Kept: 0.4, 0.3, 0.2 renormalised to 4/9, 3/9, 2/9.
    logits = torch.log(torch.tensor([[0.3, 0.1, 0.4, 0.2]]))
    draw = TopKTopPDraw(temperature=1.0, top_p=0.75)
    torch.manual_seed(0)
    counts = torch.zeros(4)
    for _ in range(9000):
        scores = draw(None, logits)
        assert torch.isfinite(scores).sum() == 1  # greedy search has one token to pick
        counts[scores.argmax()] += 1
    assert counts[1] == 0
    assert (counts / 9000).tolist() == pytest.approx([3 / 9, 0, 4 / 9, 2 / 9], abs=0.02)


def test_the_same_distribution_as_transformers_warpers():
    from transformers.generation.logits_process import (
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    torch.manual_seed(1)
    logits = torch.randn(2, 300) * 3
    reference = logits.clone()
    for warper in (TemperatureLogitsWarper(0.7), TopKLogitsWarper(50), TopPLogitsWarper(0.95)):
        reference = warper(None, reference)
    expected = torch.softmax(reference, dim=-1)
    draw = TopKTopPDraw(temperature=0.7, top_p=0.95)
    counts = torch.zeros_like(logits)
    for _ in range(4000):
        counts.scatter_add_(-1, draw(None, logits).argmax(-1, keepdim=True), torch.ones(2, 1))
    observed = counts / 4000
    assert ((observed > 0) <= (expected > 0)).all()  # never a token transformers would have cut
    assert (observed - expected).abs().max() < 0.03


def test_sampled_answers_differ_and_stop_at_eos(tiny_lm_dir):
    from tuneline.models.load import load_for_inference

    model, tokenizer = load_for_inference(str(tiny_lm_dir))
    conversation = [{"role": "user", "content": "Say something."}]
    torch.manual_seed(0)
    answers = generate_chat(model, tokenizer, [conversation] * 4, max_new_tokens=6, temperature=0.7, top_p=0.95,
                            batch_size=4)
    assert len({tuple(a.token_ids) for a in answers}) > 1  # a random model's samples are not all alike
    assert all(tokenizer.eos_token_id not in a.token_ids and a.num_tokens <= 6 for a in answers)
