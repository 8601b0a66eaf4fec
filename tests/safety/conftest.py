"""The serving tests' tiny LoRA adapter writer (tests/serve/tiny_models.py) is used here too."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "serve"))
