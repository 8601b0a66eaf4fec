"""FSDP in the shared training loop (`distributed: {strategy: fsdp}`): PyTorch's FSDP2
(`fully_shard`), one unit per decoder layer plus the root, over the process group
torchrun or `accelerate launch` started. It runs over gloo on CPUs too (FSDP1 refuses
CPUs: "FSDP needs a non-CPU accelerator device").

Each process's loss is already weighted by its share of the global batch, so gradients
are summed over processes (divide factor 1), exactly as the data-parallel path sums them.
Every process must run the same number of forward passes (each pass gathers parameters
from all of them): a process with fewer passes in a step runs extra passes of weight 0.
After training the parameters are gathered whole into every process and FSDP is taken
off the model, so the stage saves and evaluates a plain model, as without FSDP.
"""

from __future__ import annotations

from collections.abc import Sequence


def fsdp_unit_classes(model, wrap_layers: Sequence[str] | str) -> list[str]:
    """The module classes that become FSDP units: as configured, or the model's decoder layer
    class (transformers' `_no_split_modules`)."""
    if wrap_layers != "auto":
        return list(wrap_layers)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return list(getattr(base, "_no_split_modules", None) or [])


def shard_model(model, unit_classes: Sequence[str], reshard_after_forward: bool = True,
                cpu_offload: bool = False) -> int:
    """Shard `model` in place over the default process group; returns the number of units:
    each decoder layer, and the whole model for what is left (embeddings, final norm, heads;
    a tied LM head stays tied). The losses then run the whole model's forward, which gathers
    the outer unit (train/logprobs.py: no projection of only the labelled positions)."""
    from torch.distributed.fsdp import CPUOffloadPolicy, FSDPModule, OffloadPolicy, fully_shard

    policy = CPUOffloadPolicy() if cpu_offload else OffloadPolicy()
    units = [m for m in model.modules() if type(m).__name__ in set(unit_classes)]
    for unit in units:
        fully_shard(unit, reshard_after_forward=reshard_after_forward, offload_policy=policy)
    # the outer unit stays whole from forward to backward, where it is needed first (FSDP2's default)
    fully_shard(model, reshard_after_forward=False, offload_policy=policy)
    for module in model.modules():
        if isinstance(module, FSDPModule):
            module.set_gradient_divide_factor(1.0)  # sum: each process's loss carries its share already
            module.set_force_sum_reduction_for_comms(True)  # a plain SUM (gloo has no PREMUL_SUM)
    return len(units) + 1


def sum_unsharded_gradients(params) -> None:
    """Sum over processes the gradients of the parameters FSDP does not manage."""
    import torch
    import torch.distributed as dist
    from torch.distributed.tensor import DTensor

    for p in params:
        if not isinstance(p, DTensor):
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            dist.all_reduce(p.grad)


def same_pass_count(count: int) -> int:
    """The largest number of forward passes any process has in this step."""
    import torch
    import torch.distributed as dist

    tensor = torch.tensor([count])
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return int(tensor.item())


def unshard_model(model) -> None:
    """Gather every parameter whole into this process and take FSDP off `model`: afterwards it
    is the plain model it was before `shard_model`, holding the trained weights."""
    import torch
    from torch.distributed.fsdp import FSDPModule
    from torch.distributed.fsdp._fully_shard._fully_shard import fully_shard
    from torch.distributed.tensor import DTensor

    fsdp_modules = [m for m in model.modules() if isinstance(m, FSDPModule)]
    for module in fsdp_modules:
        module.reshard()  # the registered parameters are the sharded DTensors again
    gathered: dict[int, torch.nn.Parameter] = {}  # a parameter shared by modules (tied weights) stays shared
    for module in model.modules():  # same order in every process: the all-gathers pair up
        for name, parameter in list(module._parameters.items()):
            if isinstance(parameter, DTensor):
                if id(parameter) not in gathered:
                    whole = parameter.full_tensor().detach().clone()
                    gathered[id(parameter)] = torch.nn.Parameter(whole, requires_grad=parameter.requires_grad)
                module._parameters[name] = gathered[id(parameter)]
    for module in fsdp_modules:
        state = fully_shard.state(module)
        for handle in {id(h): h for h in (state._pre_forward_hook_handle, state._post_forward_hook_handle)}.values():
            handle.remove()
        for group in state._fsdp_param_groups:
            for handle in [*group._module_to_pre_save_state_dict_hook_handle.values(),
                           *group._module_to_pre_load_state_dict_hook_handle.values()]:
                handle.remove()
        module.__class__ = next(c for c in type(module).__mro__[1:] if not issubclass(c, FSDPModule))
    for module in model.modules():
        for marker in ("_is_fsdp_managed_module", "_fsdp_use_orig_params"):
            module.__dict__.pop(marker, None)
