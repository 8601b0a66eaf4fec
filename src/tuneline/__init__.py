"""tuneline: fine-tune, align, evaluate and serve language models from one pipeline file."""

import logging as _logging
import os as _os
import warnings as _warnings

__version__ = "0.1.0"

# The libraries underneath speak for themselves only where it helps a user; what they
# print by default is set straight here, once, for the CLI and the Python API alike.
# transformers' bars for loading weights and writing shards: a second's noise each time,
# and a pile of redraws in a log file (tuneline prints its own progress, see progress.py).
_os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
_os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# bitsandbytes (which PEFT imports whenever it is installed) logs on AVX512-BF16 CPUs, at
# every import, that it could not fetch an optional hub kernel (`pip install kernels`);
# it falls back to its own CPU kernel, so the line only alarms users of any command.
_logging.getLogger("bitsandbytes").setLevel(_logging.ERROR)
# PEFT still asks transformers for a deprecated attribute on every adapter it attaches.
_warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.* is deprecated", category=FutureWarning)
