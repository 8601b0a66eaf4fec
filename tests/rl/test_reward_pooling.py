"""`pooling: mean` on a causal-LM reward model: the score head reads the mean of the final
hidden states over the tokens of each sequence (not the last token's), in training and in every
scorer, padding or not, and the saved model says so in config.json."""

from __future__ import annotations

import json

import torch

from tuneline.rl.rewards import POOLING_KEY, RewardModelReward, reward_model_inputs, score_sequences


def by_hand(model, ids: list[int]) -> float:
    """The head on the mean of the final hidden states of one unpadded sequence."""
    with torch.no_grad():
        hidden = model.model(input_ids=torch.tensor([ids])).last_hidden_state[0]  # (tokens, width)
        mean = hidden.sum(0) / len(ids)
        return float(mean @ model.score.weight[0])


def test_mean_pooling_reads_the_mean_of_the_unpadded_tokens(tiny_lm_dir):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_lm_dir)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_lm_dir, num_labels=1).eval()
    model.config.pad_token_id = tokenizer.pad_token_id
    sequences = [[5, 17, 230, 4000, 9], [611, 12, 77]]  # padded to 5 in one batch of 2
    last_token = score_sequences(model, tokenizer, sequences, batch_size=2)
    setattr(model.config, POOLING_KEY, "mean")
    pooled = score_sequences(model, tokenizer, sequences, batch_size=2)
    alone = [score_sequences(model, tokenizer, [s], batch_size=1)[0] for s in sequences]
    expected = [by_hand(model, s) for s in sequences]
    torch.testing.assert_close(torch.tensor(pooled), torch.tensor(expected), rtol=0, atol=1e-5)
    torch.testing.assert_close(torch.tensor(alone), torch.tensor(expected), rtol=0, atol=1e-5)
    assert min(abs(a - b) for a, b in zip(pooled, last_token, strict=True)) > 1e-4  # not the last token's score


def test_a_lora_reward_model_trained_with_mean_pooling_is_scored_with_it(tiny_lm_dir, quickstart_dir, tmp_path):
    """The stage trains LoRA on the top decoder layer only, merges it, and stores the pooling:
    RewardModelReward (PPO, GRPO, RLOO, eval, `tuneline score`) then scores by the mean."""
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    from support.pipelines import write_pipeline
    from tuneline.pipeline.runner import run_pipeline

    stage = ("{name: reward, type: reward, dataset: prefs, adapter_type: lora, pooling: mean, context_messages: 1, "
             "max_steps: 2, batch_size: 2, max_length: 64, max_eval_examples: 4, learning_rate: 1.0e-3}")
    config = write_pipeline(tmp_path / "rm.yaml", tiny_lm_dir, quickstart_dir, [stage],
                            adapter="{type: lora, r: 4, alpha: 8, layers_to_transform: [1]}")
    model_dir = run_pipeline(config, output_dir=str(tmp_path / "runs")) / "reward" / "model"
    assert getattr(AutoConfig.from_pretrained(model_dir), POOLING_KEY) == "mean"
    assert json.loads((model_dir.parent / "metrics.json").read_text())["steps"] == 2

    saved = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    base = AutoModelForSequenceClassification.from_pretrained(tiny_lm_dir, num_labels=1)
    layers = saved.model.layers
    changed = [not torch.equal(layers[i].self_attn.q_proj.weight, base.model.layers[i].self_attn.q_proj.weight)
               for i in range(len(layers))]
    assert changed == [False, True]  # LoRA in the top layer only, merged into it
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompt = [{"role": "user", "content": "My notes do not sync."}]
    answers = ["Open Settings > Sync and tap Sync now.", "No."]
    scores = RewardModelReward(model_dir, max_length=64)([prompt, prompt], answers)
    expected = [by_hand(saved, reward_model_inputs(tokenizer, [*prompt, {"role": "assistant", "content": a}], 64, 1))
                for a in answers]
    torch.testing.assert_close(torch.tensor(scores), torch.tensor(expected), rtol=0, atol=1e-5)



def test_mean_on_a_model_with_neither_pooling_is_a_one_line_error(tiny_lm_dir, quickstart_dir, tmp_path, capsys):
    """DistilBERT is neither BERT-shaped (no appended mean layer) nor a causal LM with a score head."""
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertForSequenceClassification

    from support.pipelines import write_pipeline
    from tuneline.cli.main import main
    from tuneline.config.references import ENCODER
    from tuneline.models.registry import resolve_model_path

    folder = tmp_path / "distilbert"
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(ENCODER))
    DistilBertForSequenceClassification(DistilBertConfig(vocab_size=tokenizer.vocab_size, dim=32, hidden_dim=64,
                                                         n_layers=1, n_heads=2, num_labels=1)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    stage = (f"{{name: reward, type: reward, dataset: prefs, model: {folder}, adapter_type: full, max_steps: 1, "
             "batch_size: 2, max_length: 64, pooling: mean}")
    config = write_pipeline(tmp_path / "bad.yaml", tiny_lm_dir, quickstart_dir, [stage])
    capsys.readouterr()
    assert main(["run", str(config), "--output-dir", str(tmp_path / "runs")]) == 2
    error = capsys.readouterr().err
    assert "pooling: mean needs a BERT-shaped encoder or a causal LM" in error and "stages.reward.pooling" in error


def test_mean_on_a_causal_lm_is_refused_under_fsdp(tiny_lm_dir, quickstart_dir, tmp_path, capsys):
    """The mean calls the backbone and the head apart, which sharded weights do not allow."""
    from support.pipelines import write_pipeline
    from tuneline.cli.main import main

    stage = ("{name: reward, type: reward, dataset: prefs, adapter_type: full, max_steps: 1, batch_size: 2, "
             "max_length: 64, pooling: mean}")
    config = write_pipeline(tmp_path / "fsdp.yaml", tiny_lm_dir, quickstart_dir, [stage], distributed="{strategy: fsdp}")
    capsys.readouterr()
    assert main(["run", str(config), "--output-dir", str(tmp_path / "runs")]) == 2
    error = capsys.readouterr().err
    assert "pooling: mean on a causal LM does not run under fsdp" in error and "stages.reward.pooling" in error
