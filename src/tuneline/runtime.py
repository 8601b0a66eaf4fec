"""What every stage and training loop shares about where and how it runs: the device, the
process group (data parallelism under torchrun), bf16 autocast, and Ctrl-C as a request
to stop at the next step boundary with a checkpoint."""

from __future__ import annotations

import os
import signal

from tuneline.progress import info


def compute_device():
    """The device models run on: this process's GPU (LOCAL_RANK under torchrun) when CUDA is
    available, else the CPU. The one place that decides it."""
    import torch

    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())
    return torch.device("cpu")


def vllm_available() -> bool:
    """vLLM can generate here: the package is installed and there is a GPU."""
    import importlib.util

    import torch

    return torch.cuda.is_available() and importlib.util.find_spec("vllm") is not None


def generation_backend(choice: str) -> str:
    """'vllm' or 'hf' for a stage's `generation_backend`: auto takes vLLM exactly where it can
    run (CUDA and the vllm package), HF generate otherwise; asking for vllm where it cannot
    run is an error, never a silent fallback."""
    from tuneline.errors import ConfigError

    if choice == "hf" or (choice == "auto" and not vllm_available()):
        return "hf"
    if not vllm_available():
        import importlib.util

        missing = "the vllm package is not installed" if importlib.util.find_spec("vllm") is None else "there is no GPU"
        raise ConfigError(f"generation_backend: vllm cannot run here: {missing}",
                          fix="pip install vllm on a CUDA machine, or set generation_backend: auto (HF generate)")
    return "vllm"


def process_rank() -> tuple[int, int]:
    """(rank, world size) of this process; (0, 1) outside torch.distributed."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def start_process_group() -> tuple[int, int]:
    """Join the process group torchrun (or `tuneline run --nproc`) describes in the
    environment: gloo on CPUs, NCCL on GPUs (each process on its LOCAL_RANK's device)."""
    import torch
    import torch.distributed as dist

    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return process_rank()


def sum_gradients(params) -> None:
    """Sum each parameter's gradient over the data-parallel processes (each process's gradient
    is already weighted by its share of the global batch). A process whose share of a short
    last batch was empty contributes zeros."""
    import torch
    import torch.distributed as dist

    for p in params:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        dist.all_reduce(p.grad)


def sum_over_processes(values: list[float]) -> list[float]:
    """Element-wise sum of every process's `values`; the values themselves outside torch.distributed."""
    import torch
    import torch.distributed as dist

    if process_rank()[1] == 1:
        return list(values)
    total = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(total)
    return total.tolist()


def barrier() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def cpu_bf16_features() -> set[str]:
    """The CPU's bf16 matmul instructions Linux reports (`avx512_bf16`, `amx_bf16`); empty on
    CPUs that only emulate bf16 (AVX2), where it runs several times slower than fp32."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next((line.split(":", 1)[1].split() for line in cpuinfo if line.startswith("flags")), [])
    except OSError:
        return set()
    return {"avx512_bf16", "amx_bf16"} & set(flags)


def fast_dtype() -> str:
    """The weight dtype to generate in: bfloat16 where the hardware multiplies it natively (a
    CUDA GPU with bf16, a CPU with AVX-512 BF16 or AMX: about half the CPU time of float32 for
    generation on an AVX-512 BF16 EPYC, docs/safety.md), else float32."""
    import torch

    if torch.cuda.is_available():
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    return "bfloat16" if cpu_bf16_features() else "float32"


def use_bf16(precision: str, device_type: str) -> bool:
    """bf16 autocast for `precision` (auto, bf16, fp32) on a device type ("cuda", "cpu", "cuda:0").

    auto: on GPUs that have bf16, and never on CPUs. CPUs without bf16 instructions emulate
    it several times slower than fp32; on this project's AMD EPYC with avx512_bf16 (no AMX)
    no measurement showed bf16 autocast faster for LoRA SFT at the same held-out loss
    (benchmarks/RESULTS.md, issue 19); CPUs with AMX were not at hand to measure, and bf16
    rounding would also end the exact equalities (data parallel = one process, resume) the
    tests pin. `cpu_bf16_features()` tells which CPU this is; `precision: bf16` forces it."""
    import torch

    if precision == "bf16":
        return True
    if precision == "auto":
        return device_type.split(":")[0] == "cuda" and torch.cuda.is_bf16_supported()
    return False


class StopRequest:
    """Turns the first Ctrl-C into a checkpoint-and-stop at the next step boundary."""

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread
            self._previous = None
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        self.requested = True
        info("\nCtrl-C: saving a checkpoint at the end of this step (press again to stop at once)")

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def idle_cpu_threads(cores: int | None = None, load: float | None = None) -> int:
    """Threads for a CPU inference job: the cores the 1-minute load average leaves idle, at
    least one. torch's default, every core, collapses on a shared machine: its threads wait
    for each other at every small matmul while other processes hold the cores (SmolLM2-135M
    generation on 2 busy cores, load ~4: 24x the wall time of one thread; benchmarks/RESULTS.md)."""
    cores = cores or os.cpu_count() or 1
    load = os.getloadavg()[0] if load is None else load
    return max(1, min(cores, cores - round(load)))


def use_cpu_threads(requested: int | None) -> int:
    """Set torch's intra-op threads for this process: `requested`, else OMP_NUM_THREADS when
    the environment sets it, else idle_cpu_threads(). Returns the number in use."""
    import torch

    if requested is None and os.environ.get("OMP_NUM_THREADS", "").isdigit():
        requested = int(os.environ["OMP_NUM_THREADS"])
    threads = requested if requested else idle_cpu_threads()
    torch.set_num_threads(threads)
    return threads
