"""The mean-pooling layer: a BERT classifier whose head reads tanh(LN(mean of the token
vectors)) instead of the untrained pooler over the first token, yet saves and reloads as a
plain BertForSequenceClassification."""

from __future__ import annotations

import torch

from tuneline.models.classifier import add_mean_pooling_layer, load_classifier, sentence_pooling


def test_the_head_reads_the_masked_mean_of_the_token_vectors(tiny_encoder_dir, tmp_path):
    from transformers import AutoModelForSequenceClassification

    model, tokenizer = load_classifier(str(tiny_encoder_dir), ["a", "b", "c"])
    model.eval()
    batch = tokenizer(["my invoice is wrong again", "locked out"], padding=True, return_tensors="pt")
    assert batch["attention_mask"].sum(1).tolist()[0] > batch["attention_mask"].sum(1).tolist()[1]  # one is padded
    with torch.no_grad():
        hidden = model.bert(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        mean = (hidden * mask).sum(1) / mask.sum(1)  # padding left out
        expected = torch.tanh(torch.nn.functional.layer_norm(mean, (mean.shape[-1],),
                                                             eps=model.config.layer_norm_eps))
        layers = model.config.num_hidden_layers
        add_mean_pooling_layer(model)
        pooled = model.bert(**batch).pooler_output
        logits = model(**batch).logits
    assert model.config.num_hidden_layers == layers + 1
    torch.testing.assert_close(pooled, expected, rtol=0, atol=2e-3)  # LN(m + h/1e4) against LN(m)
    model.save_pretrained(tmp_path / "saved")
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path / "saved").eval()
    with torch.no_grad():
        torch.testing.assert_close(reloaded(**batch).logits, logits, rtol=0, atol=1e-6)


def test_sentence_transformers_folders_say_how_they_pool(tmp_path, tiny_encoder_dir):
    from tuneline.models.registry import resolve_model_path

    assert sentence_pooling(resolve_model_path("builtin:minilm-l6")) == "mean"  # all-MiniLM-L6-v2
    assert sentence_pooling(tiny_encoder_dir) is None  # a plain transformers folder


def test_a_classify_stage_with_mean_pooling_trains_saves_and_predicts(tiny_encoder_dir, tmp_path):
    """pooling: mean on a plain BERT folder: the stage appends the layer after fitting the
    baselines, learns, and saves a model plain transformers reloads with one more layer."""
    import json

    from transformers import AutoConfig

    from support.classify import keyword_rows, write_csv, write_pipeline
    from tuneline.pipeline.runner import run_pipeline

    write_csv(tmp_path / "train.csv", keyword_rows(30, seed=1))
    write_csv(tmp_path / "test.csv", keyword_rows(8, seed=2))
    config = write_pipeline(tmp_path, tiny_encoder_dir, "    pooling: mean\n    zero_shot: []\n")
    stage = run_pipeline(config, output_dir=str(tmp_path / "runs")) / "classify"
    metrics = json.loads((stage / "metrics.json").read_text())
    assert metrics["pooling"] == "mean"
    assert metrics["accuracy"] > metrics["baseline_majority_accuracy"]
    saved = AutoConfig.from_pretrained(stage / "model")
    assert saved.num_hidden_layers == AutoConfig.from_pretrained(tiny_encoder_dir).num_hidden_layers + 1


def test_a_reward_model_on_an_encoder_can_read_the_mean(tiny_encoder_dir, tiny_lm_dir, quickstart_dir, tmp_path):
    """The reward stage takes the same `pooling:`: on a BERT encoder, mean appends the layer
    (the saved reward model has one more layer and still scores as plain transformers). On a
    causal LM the reward stage's mean is its own (tests/rl/test_reward_pooling.py)."""
    import json

    from transformers import AutoConfig

    from support.pipelines import write_pipeline as write_lm_pipeline
    from tuneline.pipeline.runner import run_pipeline

    stage = ("{name: reward, type: reward, dataset: prefs, model: %s, adapter_type: full, max_steps: 2, "
             "batch_size: 2, max_length: 64, max_eval_examples: 4, pooling: mean}")
    config = write_lm_pipeline(tmp_path / "rm.yaml", tiny_lm_dir, quickstart_dir, [stage % tiny_encoder_dir])
    run_dir = run_pipeline(config, output_dir=str(tmp_path / "runs"))
    metrics = json.loads((run_dir / "reward" / "metrics.json").read_text())
    assert metrics["steps"] == 2
    saved = AutoConfig.from_pretrained(run_dir / "reward" / "model")
    assert saved.num_hidden_layers == AutoConfig.from_pretrained(tiny_encoder_dir).num_hidden_layers + 1
