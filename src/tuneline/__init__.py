"""tuneline: fine-tune, align, evaluate and serve language models from one pipeline file."""

__version__ = "0.1.0"
