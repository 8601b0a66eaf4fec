"""What a reward model reads (`context_messages`) and how it trains (`dropout`): the answer
alone ignores the prompt, everywhere the model is later used; dropout 0 makes a training-mode
score a function of the text alone, so chosen and rejected differ only by what they say."""

from __future__ import annotations

import json

import torch

from tuneline.rl.rewards import CONTEXT_KEY, RewardModelReward, reward_model_inputs

CONVERSATION = [{"role": "user", "content": "Hi, can you help me bake bread?"},
                {"role": "assistant", "content": "Gladly. Which bread?"},
                {"role": "user", "content": "A simple white loaf."},
                {"role": "assistant", "content": "Mix flour, water, salt and yeast, knead, rise, bake."}]


def test_context_messages_keeps_that_many_messages_before_the_answer(tiny_encoder_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    answer_alone = reward_model_inputs(tokenizer, CONVERSATION, 64, context_messages=0)
    assert answer_alone == reward_model_inputs(tokenizer, CONVERSATION[-1:], 64)
    assert tokenizer.decode(answer_alone, skip_special_tokens=True) == \
        "assistant : mix flour, water, salt and yeast, knead, rise, bake."
    other_prompt = [{"role": "user", "content": "Tell me a joke."}, CONVERSATION[-1]]
    assert reward_model_inputs(tokenizer, other_prompt, 64, context_messages=0) == answer_alone
    last_turn = reward_model_inputs(tokenizer, CONVERSATION, 64, context_messages=1)
    assert last_turn == reward_model_inputs(tokenizer, CONVERSATION[-2:], 64)
    assert tokenizer.decode(last_turn, skip_special_tokens=True).startswith("user : a simple white loaf.")
    assert reward_model_inputs(tokenizer, CONVERSATION, 64, context_messages=9) == \
        reward_model_inputs(tokenizer, CONVERSATION, 64)  # more than there are: all of them


def test_an_answer_only_reward_model_scores_the_answer_whatever_the_prompt(tiny_encoder_dir, tiny_lm_dir,
                                                                          quickstart_dir, tmp_path):
    """Trained by the stage with context_messages 0, the saved model says so in config.json and
    every scorer (RewardModelReward: PPO, GRPO, RLOO, eval, `tuneline score`) honours it."""
    from transformers import AutoConfig

    from support.pipelines import write_pipeline
    from tuneline.pipeline.runner import run_pipeline

    stage = (f"{{name: reward, type: reward, dataset: prefs, model: {tiny_encoder_dir}, adapter_type: full, "
             "max_steps: 2, batch_size: 2, max_length: 64, max_eval_examples: 4, context_messages: 0}")
    config = write_pipeline(tmp_path / "rm.yaml", tiny_lm_dir, quickstart_dir, [stage])
    model_dir = run_pipeline(config, output_dir=str(tmp_path / "runs")) / "reward" / "model"
    assert getattr(AutoConfig.from_pretrained(model_dir), CONTEXT_KEY) == 0
    reward = RewardModelReward(model_dir, max_length=64)
    answer = "Open Settings > Sync and tap Sync now."
    prompts = [[{"role": "user", "content": "My notes do not sync."}],
               [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Sync?"}]]
    scores = reward(prompts, [answer, answer])
    other = reward(prompts[:1], ["I cannot help with that."])[0]
    # a random tiny model scores every text alike to ~1e-5; across prompts only rounding is left
    assert abs(scores[0] - scores[1]) < 1e-8
    assert abs(other - scores[0]) > 100 * abs(scores[0] - scores[1])
    assert json.loads((model_dir.parent / "metrics.json").read_text())["steps"] == 2


def test_dropout_zero_makes_training_scores_deterministic(tiny_encoder_dir):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from tuneline.stages.reward import set_dropout

    tokenizer = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_encoder_dir, num_labels=1).train()
    batch = tokenizer(["the same answer"] * 2, return_tensors="pt")
    torch.manual_seed(0)
    with torch.no_grad():
        noisy = model(**batch).logits[:, 0]
        assert noisy[0] != noisy[1]  # dropout 0.1: one text, two scores
        set_dropout(model, 0.0)
        clean = model(**batch).logits[:, 0]
        model.eval()
        evaluated = model(**batch).logits[:, 0]
    assert clean[0] == clean[1]
    torch.testing.assert_close(clean, evaluated)


def test_the_fresh_head_takes_its_own_learning_rate(tiny_encoder_dir, tiny_lm_dir, quickstart_dir, tmp_path):
    """Adam's first step moves every weight with a gradient by exactly its learning rate
    (m̂/√v̂ = sign g): two runs from the same seed that differ only in head_learning_rate end
    with heads 1e-2 − 1e-6 apart in every entry, and bodies within 2 × 1e-6 of each other."""
    from transformers import AutoModelForSequenceClassification

    from support.pipelines import write_pipeline
    from tuneline.pipeline.runner import run_pipeline

    def trained(name: str, head_rate: float):
        stage = (f"{{name: reward, type: reward, dataset: prefs, model: {tiny_encoder_dir}, adapter_type: full, "
                 f"max_steps: 1, batch_size: 4, max_length: 64, max_eval_examples: 2, learning_rate: 1.0e-6, "
                 f"head_learning_rate: {head_rate}, warmup_ratio: 0.0, lr_scheduler: constant}}")
        config = write_pipeline(tmp_path / f"{name}.yaml", tiny_lm_dir, quickstart_dir, [stage])
        folder = run_pipeline(config, output_dir=str(tmp_path / name)) / "reward" / "model"
        return AutoModelForSequenceClassification.from_pretrained(folder).state_dict()

    fast, slow = trained("fast", 1.0e-2), trained("slow", 1.0e-6)
    head_gap = (fast["classifier.weight"] - slow["classifier.weight"]).abs()
    # lr·|g|/(|g| + ε), ε = 1e-8: within 2% of the rate for the tiny model's smallest gradients
    torch.testing.assert_close(head_gap, torch.full_like(head_gap, 1e-2 - 1e-6), rtol=0, atol=2e-4)
    body_gap = max((fast[k] - slow[k]).abs().max().item() for k in fast if not k.startswith("classifier"))
    assert body_gap <= 2e-6 + 1e-7
