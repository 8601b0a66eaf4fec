"""tuneline: fine-tune, align, evaluate and serve language models from one pipeline file."""

import logging as _logging

__version__ = "0.1.0"

# bitsandbytes (which PEFT imports whenever it is installed) logs on AVX512-BF16 CPUs, at
# every import, that it could not fetch an optional hub kernel (`pip install kernels`);
# it falls back to its own CPU kernel, so the line only alarms users of any command.
_logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(_logging.ERROR)
