"""The serving config file (YAML) as typed pydantic models; errors name file:line and field."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from tuneline.config.files import load_config_file
from tuneline.config.references import CHAT_MODEL, relative_to
from tuneline.config.schema import Strict
from tuneline.errors import ConfigError
from tuneline.models.router import RouterConfig


class Limits(Strict):
    max_request_bytes: int = Field(65536, ge=256, description="largest request body accepted (413 beyond)")
    max_prompt_tokens: int = Field(2048, ge=1, description="longest rendered prompt, in tokens (400 beyond)")
    max_tokens: int = Field(512, ge=1, description="largest max_tokens a request may ask for (400 beyond)")
    default_max_tokens: int = Field(128, ge=1, description="max_tokens when a request gives none")
    max_concurrent_requests: int = Field(64, ge=1, description="requests in flight at once (429 beyond)")
    request_timeout_s: float = Field(300.0, gt=0, description="a generation running longer is cut (504)")
    max_batch_size: int = Field(16, ge=1, description="rows decoded together in one step")


class AuthConfig(Strict):
    api_keys: list[str] = Field(default_factory=list, description="accepted bearer keys; empty: no auth")
    api_keys_env: str | None = Field(None, description="environment variable holding comma-separated keys")
    admin_key: str | None = Field(None, description="bearer key for /admin endpoints; unset: admin disabled")
    admin_key_env: str | None = Field(None, description="environment variable holding the admin key")

    def keys(self) -> set[str]:
        keys = set(self.api_keys)
        if self.api_keys_env and os.environ.get(self.api_keys_env):
            keys.update(k.strip() for k in os.environ[self.api_keys_env].split(",") if k.strip())
        return keys

    def admin(self) -> str | None:
        if self.admin_key_env and os.environ.get(self.admin_key_env):
            return os.environ[self.admin_key_env]
        return self.admin_key


class ServerConfig(Strict):
    model: str = Field(CHAT_MODEL, description="base model reference")
    dtype: Literal["float32", "bfloat16", "float16"] = Field("float32", description="weight dtype")
    served_name: str = Field("base", description="name under which the bare base model is served")
    run_dir: str | None = Field(
        None, description="a run directory (or runs/<name>: its newest run); adapters and router.path are then "
                          "stage names / files inside it. Relative to the working directory, like output_dir")
    adapters: dict[str, str] = Field(default_factory=dict, description="adapter name → folder (PEFT adapter or stage)")
    adapters_root: str | None = Field(
        None, description="admin-loaded adapters must lie inside this folder (default: the config's folder)")
    router: RouterConfig = Field(default_factory=RouterConfig, description="how `model: auto` picks an adapter")
    allow_blocked: list[str] = Field(
        default_factory=list, description="adapters (or the served_name of a full model) to serve although their "
                                          "safety gate blocked them (safety_gate.json); each override is logged")
    backend: Literal["auto", "transformers", "vllm"] = Field(
        "auto", description="vllm when vllm and CUDA are importable (auto), else transformers")
    batching: Literal["mixed", "swap"] = Field(
        "mixed", description="mixed: different adapters in one batch; swap: one request at a time (baseline)")
    torch_threads: int | None = Field(
        None, ge=1, description="CPU threads for the model (None: torch's default); 1 is faster on a busy machine")
    limits: Limits = Field(default_factory=Limits, description="size, token, concurrency and time limits")
    auth: AuthConfig = Field(default_factory=AuthConfig, description="bearer API keys")
    log_db: str | None = Field("requests.sqlite", description="SQLite request log, relative to run_dir when set, "
                                                               "else to the config; null: off")
    host: str = Field("127.0.0.1", description="interface to listen on")
    port: int = Field(8000, ge=0, le=65535, description="TCP port (0: any free port)")

    @field_validator("adapters")
    @classmethod
    def _check_names(cls, adapters: dict[str, str]) -> dict[str, str]:
        from tuneline.serve.registry import check_adapter_name

        for name in adapters:
            try:
                check_adapter_name(name)
            except ConfigError as exc:
                raise ValueError(f"{exc.message}; {exc.fix}") from None
        return adapters


def newest_run(folder: Path) -> Path:
    """`folder` if it is a run directory, else its newest child run directory."""
    from tuneline.models.artifacts import is_run_dir
    from tuneline.models.artifacts import newest_run as newest_child

    if is_run_dir(folder):
        return folder
    newest = newest_child(folder)
    if newest is None:
        raise ConfigError(f"no run directory found at '{folder}'", where="run_dir",
                          fix="run the pipeline first (tuneline run PIPELINE), or fix run_dir")
    return newest


def load_server_config(path: str | Path, run_dir: str | None = None) -> ServerConfig:
    """Read and validate a serving config; relative paths are relative to the file."""
    path = Path(path)
    config = load_config_file(path, ServerConfig, "a serving config (model, adapters, router, limits, auth)",
                              "examples/tiered/serve.yaml")
    base = path.resolve().parent
    config.run_dir = run_dir or config.run_dir
    if config.run_dir:
        base = newest_run(Path(config.run_dir).resolve())
        config.run_dir = str(base)
    config.model = relative_to(base, config.model) or config.model
    config.adapters = {name: relative_to(base, folder) or folder for name, folder in config.adapters.items()}
    config.adapters_root = relative_to(base, config.adapters_root) or str(base)
    config.router.path = relative_to(base, config.router.path)
    # A served run keeps its own request log beside it; without a run, the log sits by the config.
    config.log_db = relative_to(base if config.run_dir else path.resolve().parent, config.log_db)
    return config


def config_for_artifact(target: str, stage: str | None = None) -> ServerConfig:
    """Serve one trained policy without a config file: a run directory (its last policy stage,
    or `stage`) or a stage folder. An adapter is served on its base under the stage's name,
    which also answers `model: auto`; a full model is served as the base under that name."""
    from tuneline.models.artifacts import resolve_artifact

    artifact = resolve_artifact(target, role="policy", stage=stage)
    artifact.path = artifact.path.resolve()  # the server resolves relative adapter paths against its root
    folder = artifact.path.parent if artifact.path.name in ("adapter", "model") else artifact.path
    name = artifact.stage or folder.name
    log_db = str((folder.parent if artifact.stage else folder) / "requests.sqlite")  # a run keeps its own log
    if artifact.kind == "model":
        return ServerConfig(model=str(artifact.path), served_name=name, log_db=log_db)
    return ServerConfig(model=artifact.base, adapters={name: str(artifact.path)}, adapters_root=str(folder),
                        router=RouterConfig(fallback=name), log_db=log_db)
