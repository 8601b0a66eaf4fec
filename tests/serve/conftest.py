"""One tiny base model, three tiny LoRA adapters and one running server per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tiny_models import ADAPTERS, ADMIN_KEY, API_KEY  # noqa: E402


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory, tiny_lm_dir) -> dict[str, Path]:
    from support.models import write_tiny_adapter

    root = tmp_path_factory.mktemp("serve-models")
    folders = {"base": tiny_lm_dir}
    for seed, name in enumerate(ADAPTERS, start=1):
        folders[name] = write_tiny_adapter(folders["base"], root / "adapters" / name, seed=seed)
    return folders


@pytest.fixture(scope="session")
def server_config_path(tiny_models, tmp_path_factory) -> Path:
    import yaml

    root = tmp_path_factory.mktemp("serve-config")
    config = {
        "model": str(tiny_models["base"]),
        "adapters": {name: str(tiny_models[name]) for name in ADAPTERS},
        "adapters_root": str(tiny_models["summarise"].parent),
        "router": {"type": "rules", "fallback": "qa", "rules": [
            {"adapter": "summarise", "keywords": ["summarise", "summary", "tl;dr"]},
            {"adapter": "code", "pattern": r"\b(python|function|def)\b"}]},
        "limits": {"max_tokens": 64, "default_max_tokens": 8, "max_request_bytes": 4096, "max_prompt_tokens": 256},
        "auth": {"api_keys": [API_KEY], "admin_key": ADMIN_KEY},
        "log_db": "requests.sqlite",
    }
    path = root / "serve.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="session")
def server(server_config_path):
    from tuneline.serve.app import RunningServer
    from tuneline.serve.config import load_server_config
    from tuneline.serve.service import build_state

    with RunningServer(build_state(load_server_config(server_config_path))) as running:
        yield running


@pytest.fixture(scope="session")
def client(server):
    from openai import OpenAI

    return OpenAI(base_url=f"{server.url}/v1", api_key=API_KEY, max_retries=0, timeout=60)
