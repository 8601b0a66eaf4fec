"""The one chat renderer: labels fall on assistant tokens only, every example ends with
EOS, and generation prompts are byte-identical to the training prefix."""

from __future__ import annotations

from tuneline.data.chat import IGNORE_INDEX, render_prompt, tokenize_conversation, tokenize_prompt

SYSTEM = {"role": "system", "content": "You are the Nimbus Notes support assistant."}


def labelled_text(tokenizer, example) -> str:
    return tokenizer.decode([t for t, label in zip(example.input_ids, example.labels, strict=True) if label != IGNORE_INDEX])


def test_loss_only_on_assistant_tokens_and_ends_with_eos(smollm_tokenizer):
    messages = [SYSTEM, {"role": "user", "content": "How do I export?"},
                {"role": "assistant", "content": "Settings > Data > Export."}]
    example = tokenize_conversation(smollm_tokenizer, messages)
    assert labelled_text(smollm_tokenizer, example) == "Settings > Data > Export.<|im_end|>"
    assert example.input_ids[-1] == smollm_tokenizer.eos_token_id
    assert example.labels[-1] == smollm_tokenizer.eos_token_id
    assert "How do I export" not in labelled_text(smollm_tokenizer, example)


def test_every_assistant_turn_is_labelled_in_multi_turn_chats(smollm_tokenizer):
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "Price?"}, {"role": "assistant", "content": "Four dollars."}]
    example = tokenize_conversation(smollm_tokenizer, messages)
    assert labelled_text(smollm_tokenizer, example) == "Hello!<|im_end|>Four dollars.<|im_end|>"
    only_last = tokenize_conversation(smollm_tokenizer, messages, first_labelled_turn=3)
    assert labelled_text(smollm_tokenizer, only_last) == "Four dollars.<|im_end|>"


def test_generation_prompt_is_the_training_prefix(smollm_tokenizer):
    prompt = [SYSTEM, {"role": "user", "content": "Is there a dark mode?"}]
    full = tokenize_conversation(smollm_tokenizer, prompt + [{"role": "assistant", "content": "Yes."}])
    prompt_ids = tokenize_prompt(smollm_tokenizer, prompt)
    assert full.input_ids[: len(prompt_ids)] == prompt_ids
    assert all(label == IGNORE_INDEX for label in full.labels[: len(prompt_ids)])
    assert render_prompt(smollm_tokenizer, prompt).endswith("<|im_start|>assistant\n")


def test_truncation_is_reported(smollm_tokenizer):
    messages = [{"role": "user", "content": "word " * 300}, {"role": "assistant", "content": "ok"}]
    example = tokenize_conversation(smollm_tokenizer, messages, max_length=64)
    assert example.truncated and len(example.input_ids) == 64
