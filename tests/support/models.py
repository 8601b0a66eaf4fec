"""Tiny random-weight models written to disk for tests: a llama with the real SmolLM2
tokenizer and chat template, a BERT with the MiniLM tokenizer, and LoRA adapters that
really change the llama's output. The session fixtures in tests/conftest.py hold one of
each; a test that needs its own copy calls these."""

from __future__ import annotations

from pathlib import Path

from tuneline.config.references import CHAT_MODEL, ENCODER


def write_tiny_causal_lm(folder: Path, seed: int = 0) -> Path:
    """A 2-layer llama (hidden 64) with the SmolLM2 tokenizer: real chat template, eos <|im_end|>."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from tuneline.models.registry import resolve_model_path

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(CHAT_MODEL))
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    torch.manual_seed(seed)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def write_tiny_encoder(folder: Path, dropout: float = 0.1) -> Path:
    """A 2-layer BERT (hidden 32) with the MiniLM tokenizer, saved as a plain HF folder;
    `dropout` 0 makes training deterministic across process layouts."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from tuneline.models.registry import resolve_model_path

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(ENCODER))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                        num_attention_heads=2, max_position_embeddings=64, hidden_dropout_prob=dropout,
                        attention_probs_dropout_prob=dropout)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def write_tiny_adapter(base_folder: Path, folder: Path, seed: int) -> Path:
    """A LoRA adapter with random (non-zero) B, so it really changes the base's output."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    base = AutoModelForCausalLM.from_pretrained(base_folder)
    config = LoraConfig(r=4, lora_alpha=16, target_modules=["q_proj", "v_proj", "down_proj"],
                        init_lora_weights=False, task_type="CAUSAL_LM")
    model = get_peft_model(base, config)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.5)
    model.save_pretrained(folder)
    return folder


def write_tiny_reward_model(folder: Path, seed: int = 0) -> Path:
    """A 2-layer BERT (hidden 32, MiniLM tokenizer) with a one-output head: the folder a `reward`
    stage leaves, with random weights, so different answers get different scores."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from tuneline.models.registry import resolve_model_path

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(ENCODER))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                        num_attention_heads=2, max_position_embeddings=128, num_labels=1)
    torch.manual_seed(seed)
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def favour_tokens(folder: Path, boosts: dict[int, float]) -> Path:
    """Make the tiny llama at `folder` (from write_tiny_causal_lm) start out preferring some
    tokens, in a way a few optimizer steps can change; in place.

    Its random next-token distribution is near uniform over ~49k tokens. Here every token
    embedding gets 1.0 in coordinate 0 and the final norm's weights are set to 10, so the
    last hidden state carries a near-constant ≈ 10·√hidden ≈ 76 in that coordinate; a
    favoured token's row gets `boost` more there, which raises its logit over every other
    token's by ≈ 76 × boost at every position (the embeddings are tied to the output layer):
    0.12 on <|im_end|> gives it ≈ 17% (answers ~5 tokens long), 0.1 on a word ≈ 4%. The
    large hidden state also makes each Adam step of a favoured row (lr per coordinate) move
    its logit by ≈ lr × Σ|h| ≈ 180 × lr, while the attention and MLP weights move little."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder)
    embeddings = model.get_input_embeddings().weight
    with torch.no_grad():
        embeddings[:, 0] = 1.0
        model.model.norm.weight.fill_(10.0)
        for token_id, boost in boosts.items():
            embeddings[token_id, 0] += boost
    model.save_pretrained(folder)
    return folder
