"""Write a llama-architecture model as one GGUF file with the `gguf` package: no llama.cpp
checkout, no compiler. Tensors are renamed to llama.cpp's names; q/k projections are
reordered for llama.cpp's rotary layout; 2-D weights are stored as f16, q8_0 or q4_0.

Rotary layout: Hugging Face's llama rotates the two halves of each head (dimension i
pairs with i + d/2); llama.cpp rotates adjacent pairs (2i with 2i + 1). So each head's
rows of W_q and W_k are interleaved: new row 2i = old row i, new row 2i+1 = old row
i + d/2. transformers' GGUF loader applies the inverse on load.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from tuneline.errors import ModelError
from tuneline.export.gguf_vocab import GGUFVocab, write_vocab

QUANTS = ("f16", "q8_0", "q4_0")
BLOCK = 32  # elements per block of q8_0 and q4_0: a row must be a whole number of blocks

_LAYER_NAMES = {
    "input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output", "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
}
_TOP_NAMES = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
              "lm_head.weight": "output.weight"}
_LAYER = re.compile(r"model\.layers\.(\d+)\.(.+)\.weight")


def check_llama(config) -> None:
    """Refuse what this writer does not express, before any work is done."""
    if config.model_type != "llama":
        raise ModelError(f"GGUF export supports the llama architecture only; this model is '{config.model_type}'",
                         fix="export --format hf (vLLM/TGI load it) and convert it with llama.cpp's own converter")
    rope = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    if rope.get("rope_type", "default") != "default":
        raise ModelError(f"GGUF export does not handle rope scaling '{rope.get('rope_type')}' yet",
                         fix="export --format hf and convert it with llama.cpp's converter")
    if getattr(config, "attention_bias", False) or getattr(config, "mlp_bias", False):
        raise ModelError("GGUF export supports llama models without bias terms only",
                         fix="export --format hf and convert it with llama.cpp's converter")


def gguf_tensor_name(hf_name: str) -> str | None:
    """llama.cpp's name for a Hugging Face llama parameter (None: not stored)."""
    if hf_name in _TOP_NAMES:
        return _TOP_NAMES[hf_name]
    match = _LAYER.fullmatch(hf_name)
    if match and match.group(2) in _LAYER_NAMES:
        return f"blk.{match.group(1)}.{_LAYER_NAMES[match.group(2)]}.weight"
    return None


def interleave_rotary_halves(weight: np.ndarray, heads: int) -> np.ndarray:
    """Reorder each head's output rows from half-split to adjacent-pair rotary layout."""
    half = weight.shape[0] // heads // 2
    order = np.arange(weight.shape[0]).reshape(heads, 2, half).transpose(0, 2, 1).reshape(-1)
    return weight[order]


def gguf_tensors(model) -> list[tuple[str, np.ndarray]]:
    """(llama.cpp name, float32 array) for every stored tensor, q/k in llama.cpp's layout."""
    config = model.config
    tensors = []
    for hf_name, value in model.state_dict().items():
        name = gguf_tensor_name(hf_name)
        if name is None or (name == "output.weight" and config.tie_word_embeddings):
            continue
        array = value.detach().float().cpu().numpy()
        if name.endswith("attn_q.weight"):
            array = interleave_rotary_halves(array, config.num_attention_heads)
        elif name.endswith("attn_k.weight"):
            array = interleave_rotary_halves(array, config.num_key_value_heads)
        tensors.append((name, array))
    return tensors


def storage_type(name: str, array: np.ndarray, quant: str):
    """GGML type of one tensor: norms stay f32; q4_0 keeps the (tied) embedding at q8_0,
    as llama.cpp's own 4-bit files do; rows that are not whole blocks fall back to f16."""
    from gguf import GGMLQuantizationType as T

    if array.ndim == 1:
        return T.F32
    if quant == "f16" or array.shape[-1] % BLOCK:
        return T.F16
    if quant == "q4_0" and name == "token_embd.weight":
        return T.Q8_0
    return T.Q8_0 if quant == "q8_0" else T.Q4_0


def _file_type(quant: str):
    from gguf import LlamaFileType

    return {"f16": LlamaFileType.MOSTLY_F16, "q8_0": LlamaFileType.MOSTLY_Q8_0,
            "q4_0": LlamaFileType.MOSTLY_Q4_0}[quant]


def _write_hyperparameters(writer, config, name: str, quant: str) -> None:
    import gguf

    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    rope = getattr(config, "rope_parameters", None) or {}
    writer.add_type("model")
    writer.add_name(name)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_freq_base(float(rope.get("rope_theta", getattr(config, "rope_theta", 10000.0))))
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    writer.add_file_type(_file_type(quant))
    writer.add_vocab_size(config.vocab_size)
    writer.add_rope_dimension_count(head_dim)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)


def write_llama_gguf(model, vocab: GGUFVocab, path: Path, quant: str = "f16", name: str = "model") -> Path:
    """Write `model` (a float LlamaForCausalLM) and its vocabulary to `path`."""
    import gguf

    if quant not in QUANTS:
        raise ModelError(f"unknown GGUF quantisation '{quant}'", fix=f"use one of: {', '.join(QUANTS)}")
    check_llama(model.config)
    writer = gguf.GGUFWriter(str(path), "llama")
    _write_hyperparameters(writer, model.config, name, quant)
    write_vocab(writer, vocab)
    for tensor_name, array in gguf_tensors(model):
        qtype = storage_type(tensor_name, array, quant)
        if qtype == gguf.GGMLQuantizationType.F32:
            writer.add_tensor(tensor_name, array.astype(np.float32))
        elif qtype == gguf.GGMLQuantizationType.F16:
            writer.add_tensor(tensor_name, array.astype(np.float16))
        else:
            writer.add_tensor(tensor_name, gguf.quants.quantize(array, qtype), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
