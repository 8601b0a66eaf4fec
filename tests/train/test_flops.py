"""The FLOPs ledger (train/flops.py) against hand counts on a tiny llama, one test per kind
of pass, and against torch's FlopCounterMode, which counts the matmuls autograd really runs;
then budgets stopping a stage (train/budget.py) and a continued stage's cumulative cost.

The tiny llama: hidden 16, MLP 32, 2 layers, 4 heads of 4 (2 key/value heads), vocabulary
64, tied head. Per layer q 16·16 + k 16·8 + v 16·8 + o 16·16 + gate, up, down 3·16·32 =
2304 weights, so N = 4608, H = 64·16 = 1024, W = 16, L = 2. LoRA r = 2 on every linear:
per layer 2·(16+16)·2 (q, o) + 2·(16+8)·2 (k, v) + 2·(16+32)·3 (gate, up, down) = 512, so
M = 1024; the first layer's q, k, v hold R = 512 weights and their A matrices R_A = 3·32 = 96.
"""

from __future__ import annotations

import json

import pytest

from tuneline.train.budget import BudgetWatch
from tuneline.train.flops import FlopsLedger, ModelShape, forward_flops, generation_flops, training_flops


def tiny_llama(lora: bool):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                         attn_implementation="eager")
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    return get_peft_model(model, LoraConfig(r=2, target_modules="all-linear", lora_dropout=0.0)) if lora else model


@pytest.fixture(scope="module")
def shapes():
    return {"full": ModelShape.of(tiny_llama(False)), "lora": ModelShape.of(tiny_llama(True))}


def test_shape_read_from_the_model(shapes):
    assert shapes["full"] == ModelShape(layers=2, attention_width=16, body=4608, head=1024, first_readers=512)
    assert shapes["lora"] == ModelShape(layers=2, attention_width=16, body=4608, head=1024, adapter=1024,
                                        first_readers=512, first_readers_adapter=96)


def test_scoring_forward_by_hand(shapes):
    # 2(N+M)·T + 2H·T + 4LW·T(T+1)/2, T = 3: 33792 + 6144 + 768
    assert forward_flops(shapes["lora"], 3) == 40704
    # a reference with its adapters off (M = 0): 27648 + 6144 + 768
    assert forward_flops(shapes["lora"].without_adapter(), 3) == 34560


def test_lora_training_by_hand(shapes):
    # forward 40704 + activation grads 2(N+H+M−R−R_A)·3 = 36288 + weight grads of the adapters 2M·3 = 6144
    # + attention backward 8LW·6 = 1536
    assert training_flops(shapes["lora"], 3, full_finetune=False) == 84672


def test_full_training_by_hand(shapes):
    # forward 34560 + activation grads 2(N+H)·3 = 33792 + weight grads 2(N+H)·3 = 33792 + attention 1536
    assert training_flops(shapes["full"], 3, full_finetune=True) == 103680


def test_generation_by_hand(shapes):
    # prompt 2, 3 sampled: 4 tokens fed (2 + 3 − 1), head on 3, keys 1+2+3+4 = 10
    # 2(N+M)·4 + 2H·3 + 4LW·10 = 45056 + 6144 + 1280
    assert generation_flops(shapes["lora"], 2, 3) == 52480
    assert generation_flops(shapes["lora"], 2, 0) == 0


def counted(run) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        run()
    return counter.get_total_flops()


@pytest.mark.parametrize("lora", [False, True])
def test_training_matches_the_matmuls_autograd_runs(lora):
    """One token: every key is attended (no masked half), so the count is exact, weight
    gradients of frozen matrices and activation gradients below the first layer included.
    Over T tokens eager attention also multiplies the masked half: 3·4LW·(T² − T(T+1)/2) more."""
    import torch

    model = tiny_llama(lora)
    shape = ModelShape.of(model)
    for tokens in (1, 5):
        ids = torch.randint(0, 64, (1, tokens))
        measured = counted(lambda ids=ids: model(input_ids=ids).logits.sum().backward())
        masked_half = 3 * 4 * 2 * 16 * (tokens * tokens - tokens * (tokens + 1) // 2)
        assert measured == training_flops(shape, tokens, full_finetune=not lora) + masked_half


def test_generation_matches_the_matmuls_of_generate():
    """A one-token prompt: prefill attends to one key, each cached step to the keys so far."""
    import torch

    model = tiny_llama(True).eval()
    ids = torch.randint(0, 64, (1, 1))
    measured = counted(lambda: model.generate(input_ids=ids, max_new_tokens=4, min_new_tokens=4, do_sample=False,
                                              pad_token_id=0, eos_token_id=None))
    assert measured == generation_flops(ModelShape.of(model), 1, 4)


def test_ledger_totals_and_cumulative():
    ledger = FlopsLedger(inherited=100.0)
    ledger.add("training", 30)
    ledger.add("generation", 20)
    ledger.add("training", 5)
    assert ledger.metrics() == {"flops_training": 35.0, "flops_generation": 20.0, "flops_total": 55.0,
                                "flops_cumulative": 155.0}
    with pytest.raises(ValueError, match="unknown kind"):
        ledger.add("warmup", 1)


def test_budget_stops_before_the_step_that_would_pass_it():
    watch = BudgetWatch(FlopsLedger(), max_flops=100)
    for expected in (None, None, "flops"):  # steps of 30: after 3 steps (90) a 4th would reach 120
        watch.ledger.add("training", 30)
        watch.step_done()
        assert watch.exhausted() == expected


def test_sft_stops_at_its_flops_budget_and_dpo_inherits_its_cost(tiny_lm_dir, quickstart_dir, tmp_path):
    from support.pipelines import write_pipeline
    from tuneline.pipeline.runner import run_pipeline

    pipeline = write_pipeline(tmp_path / "pipeline.yaml", tiny_lm_dir, quickstart_dir, [
        "{type: sft, dataset: chats, max_steps: 40, batch_size: 4, logging_steps: 1, budget: {flops: 1.0e10}}",
        "{type: dpo, from: sft, dataset: prefs, max_steps: 2, batch_size: 2, logging_steps: 1}"],
        adapter="{type: lora, r: 4}", chat_limit=40)
    run = run_pipeline(pipeline, output_dir=str(tmp_path / "runs"))
    sft = json.loads((run / "sft" / "metrics.json").read_text())
    log = [r for r in map(json.loads, (run / "sft" / "log.jsonl").read_text().splitlines()) if "loss" in r]
    assert sft["stopped_by_budget"] == "flops" and sft["steps"] < 40 and (run / "sft" / "adapter").is_dir()
    assert sft["flops_total"] <= 1.0e10 < 2 * sft["flops_total"]  # within the budget, not far below it
    assert [r["step"] for r in log] == list(range(1, sft["steps"] + 1))  # logged every step, to the last
    assert log[-1]["flops_total"] == sft["flops_total"] == sft["flops_training"]
    dpo = json.loads((run / "dpo" / "metrics.json").read_text())
    assert dpo["flops_reference"] > 0 and dpo["flops_training"] > 0
    assert dpo["flops_cumulative"] == pytest.approx(dpo["flops_total"] + sft["flops_cumulative"])


def test_a_seconds_budget_stops_when_the_next_step_would_pass_it():
    watch = BudgetWatch(FlopsLedger(), max_seconds=10.0)
    watch.seconds = 4.0  # spent before a resume, as a checkpoint restores it
    watch.step_done()
    assert watch.exhausted() is None  # ~4 s for one step: a second one ends near 8 s
    watch.seconds = 6.0
    assert watch.exhausted() == "seconds"  # 6 s for one step: a second would end past 10 s
    state = watch.state_dict()
    resumed = BudgetWatch(FlopsLedger(), max_seconds=10.0)
    resumed.load_state_dict(state)
    assert resumed.steps == 1 and resumed.elapsed() >= 6.0
