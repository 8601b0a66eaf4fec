from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def smollm_tokenizer():
    """The embedded SmolLM2 tokenizer (real chat template, eos <|im_end|>); loaded once."""
    from tuneline.models.load import load_tokenizer

    return load_tokenizer("builtin:smollm2-135m-instruct")
