"""The tokenizer as GGUF metadata: vocabulary, token kinds, BPE merges, special token ids,
the chat template. llama.cpp and Ollama read nothing else, so a model whose EOS or chat
template is missing here never stops or is prompted wrongly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tuneline.errors import ModelError

# llama.cpp's token kinds (gguf.TokenType): the values that matter for a BPE vocabulary.
NORMAL, CONTROL, USER_DEFINED, UNUSED = 1, 3, 4, 5


@dataclass
class GGUFVocab:
    tokens: list[str]
    token_types: list[int]
    merges: list[str]
    pre: str  # llama.cpp's name for how text is split before BPE
    bos_id: int | None
    eos_id: int
    unk_id: int | None
    pad_id: int | None
    add_bos: bool
    chat_template: str | None
    notes: list[str] = field(default_factory=list)


def vocab_from_tokenizer(tokenizer, vocab_size: int) -> GGUFVocab:
    """Read a Hugging Face fast BPE (byte-level) tokenizer into GGUF's terms."""
    spec = _backend_json(tokenizer)
    if spec["model"]["type"] != "BPE":
        raise ModelError(f"GGUF export supports byte-level BPE tokenizers only, not {spec['model']['type']}",
                         fix="export --format hf and convert with llama.cpp's converter")
    if tokenizer.eos_token_id is None:
        raise ModelError("the tokenizer has no EOS token: the exported model would never stop",
                         fix="set eos_token in tokenizer_config.json of the model or adapter")
    tokens, types = _tokens_and_types(tokenizer, vocab_size)
    pre, notes = pre_tokenizer_name(tokens, spec)
    return GGUFVocab(tokens=tokens, token_types=types, merges=_merges(spec), pre=pre,
                     bos_id=tokenizer.bos_token_id, eos_id=tokenizer.eos_token_id, unk_id=tokenizer.unk_token_id,
                     pad_id=tokenizer.pad_token_id, add_bos=_adds_bos(tokenizer),
                     chat_template=_chat_template(tokenizer), notes=notes)


def _backend_json(tokenizer) -> dict:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ModelError("GGUF export needs a fast tokenizer (tokenizer.json)", fix="save the model with a fast tokenizer")
    return json.loads(backend.to_str())


def _tokens_and_types(tokenizer, vocab_size: int) -> tuple[list[str], list[int]]:
    by_id = {index: token for token, index in tokenizer.get_vocab().items()}
    added = tokenizer.added_tokens_decoder  # id → AddedToken
    if max(by_id) >= vocab_size:
        raise ModelError(f"the tokenizer has ids up to {max(by_id)} but the model only {vocab_size} embeddings",
                         fix="resize the model's embeddings to the tokenizer before exporting")
    tokens, types = [], []
    for index in range(vocab_size):
        if index not in by_id:  # embedding rows no token uses (vocab padded to a multiple)
            tokens.append(f"[PAD{index}]")
            types.append(UNUSED)
        elif index in added:
            tokens.append(by_id[index])
            types.append(CONTROL if added[index].special else USER_DEFINED)
        else:
            tokens.append(by_id[index])
            types.append(NORMAL)
    return tokens, types


def _merges(spec: dict) -> list[str]:
    return [pair if isinstance(pair, str) else " ".join(pair) for pair in spec["model"].get("merges", [])]


def _adds_bos(tokenizer) -> bool:
    ids = tokenizer("a")["input_ids"]
    return tokenizer.bos_token_id is not None and bool(ids) and ids[0] == tokenizer.bos_token_id


def _chat_template(tokenizer) -> str | None:
    template = tokenizer.chat_template
    if isinstance(template, dict):  # several named templates: llama.cpp takes the default one
        template = template.get("default")
    return template


def pre_tokenizer_name(tokens: list[str], spec: dict) -> tuple[str, list[str]]:
    """llama.cpp's pre-tokenizer name for this vocabulary, and a note when it is a guess.

    A vocabulary identical to a builtin model's shipped GGUF takes that file's name (the
    model came from there). Otherwise the name follows the tokenizer's splitting rule;
    only GPT-2's byte-level rule is recognised, anything else is written as `default`."""
    from tuneline.export.gguf_reference import builtin_pre_for

    known = builtin_pre_for(tokens)
    if known:
        return known, []
    pre = spec.get("pre_tokenizer") or {}
    if pre.get("type") == "ByteLevel" and pre.get("use_regex", True):
        return "gpt-2", []
    return "default", [f"llama.cpp will split text with its default rule: the tokenizer's pre-tokenizer "
                       f"({pre.get('type', 'none')}) is not one tuneline maps; check tokenization in llama.cpp"]


def write_vocab(writer, vocab: GGUFVocab) -> None:
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(vocab.pre)
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.token_types)
    writer.add_token_merges(vocab.merges)
    writer.add_add_space_prefix(False)
    writer.add_add_bos_token(vocab.add_bos)
    if vocab.bos_id is not None:
        writer.add_bos_token_id(vocab.bos_id)
    writer.add_eos_token_id(vocab.eos_id)
    if vocab.unk_id is not None:
        writer.add_unk_token_id(vocab.unk_id)
    if vocab.pad_id is not None:
        writer.add_pad_token_id(vocab.pad_id)
    if vocab.chat_template:
        writer.add_chat_template(vocab.chat_template)
