"""`tuneline run --nproc N`: the same run as N data-parallel processes on this machine,
launched by torchrun (torch.distributed.run), never by a launcher of our own."""

from __future__ import annotations

import subprocess
import sys


def launch_processes(processes: int, run_arguments: list[str]) -> int:
    """Run `tuneline run <run_arguments>` as `processes` processes; their exit code."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
               "-m", "tuneline.cli.main", "run", *run_arguments]
    return subprocess.run(command).returncode
