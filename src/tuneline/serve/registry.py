"""Adapters loaded on the served base model: names, folders, load and unload at run time.

An adapter name travels in requests (`model`) and is used as a PEFT adapter name, so it
is restricted to a safe alphabet; an admin-loaded folder must resolve inside the
configured adapters root, so `../..` or a symlink cannot reach the rest of the disk.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from tuneline.errors import ConfigError, UserError
from tuneline.models.gate import blocked_reason

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
RESERVED = {"auto", "__base__"}


def check_adapter_name(name: str) -> str:
    """Return `name` if it is a valid adapter name; raise ConfigError otherwise."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or ".." in name or name in RESERVED:
        raise ConfigError(f"invalid adapter name {name!r}",
                          fix="use 1-64 letters, digits, '_', '-', '.', starting with a letter or digit "
                              "(no '..', not 'auto' or '__base__')")
    return name


def adapter_folder(path: str | Path) -> Path:
    """A PEFT adapter folder from an adapter folder, a stage folder or a run directory."""
    from tuneline.models.load import resolve_artifact

    artifact = resolve_artifact(path)
    if artifact.kind != "adapter":
        raise ConfigError(f"'{path}' holds a full model, not a LoRA adapter",
                          fix="serve a full model as `model:`, or point to an adapter/ folder")
    return artifact.path


def inside(path: Path, root: Path) -> bool:
    resolved, root = path.resolve(), root.resolve()
    return resolved == root or root in resolved.parents


class AdapterRegistry:
    """Name → folder of the adapters on the engine's model; the engine does the loading."""

    def __init__(self, engine, adapters_root: str | Path, allow_blocked: list[str] | tuple[str, ...] = ()):
        self.engine = engine
        self.adapters_root = Path(adapters_root)
        self.folders: dict[str, Path] = {}
        self.loaded_at: dict[str, int] = {}
        self.allow_blocked = set(allow_blocked)
        self.blocked_overrides: dict[str, str] = {}  # adapters served although their safety gate blocked them

    def names(self) -> list[str]:
        return sorted(self.folders)

    def load(self, name: str, path: str | Path, check_root: bool = True) -> None:
        check_adapter_name(name)
        if name in self.folders:
            raise UserError(f"adapter '{name}' is already loaded", fix="unload it first, or use another name")
        folder = Path(path)
        if not folder.is_absolute():
            folder = self.adapters_root / folder
        if check_root and not inside(folder, self.adapters_root):
            raise UserError(f"adapter folder '{path}' is outside the adapters root",
                            fix=f"place adapters under {self.adapters_root}")
        folder = adapter_folder(folder)
        self.check_gate(name, folder)
        self.engine.load_adapter(name, folder)
        self.folders[name] = folder
        self.loaded_at[name] = int(time.time())

    def check_gate(self, name: str, folder: Path) -> None:
        """Refuse an adapter its safety gate blocked, unless `allow_blocked` names it (then log it)."""
        reason = blocked_reason(folder) or blocked_reason(folder.parent)
        if reason is None:
            return
        if name not in self.allow_blocked:
            raise UserError(f"adapter '{name}' is blocked by its safety gate: {reason}; to serve it anyway, list "
                            f"'{name}' under allow_blocked: in the serving config")
        from tuneline.progress import info

        info(f"warning: serving adapter '{name}' although its safety gate blocked it (allow_blocked): {reason}")
        self.blocked_overrides[name] = reason

    def unload(self, name: str) -> None:
        if name not in self.folders:
            raise UserError(f"adapter '{name}' is not loaded", fix=f"loaded: {', '.join(self.names()) or 'none'}")
        if name in self.engine.adapters_in_use():
            raise UserError(f"adapter '{name}' is answering requests right now", fix="retry when they finish")
        self.engine.unload_adapter(name)
        del self.folders[name]
        del self.loaded_at[name]
