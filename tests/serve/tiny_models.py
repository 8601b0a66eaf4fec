"""Tiny random-weight base model and LoRA adapters on disk, for serving tests."""

from __future__ import annotations

API_KEY = "test-key-123"
ADMIN_KEY = "admin-key-456"
ADAPTERS = ["summarise", "qa", "code"]
