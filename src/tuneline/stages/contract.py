"""The stage contract: what each stage type reads and writes, declared once in its module.

    CONTRACT = StageContract(
        summary="supervised fine-tuning: next-token loss on the assistant tokens",
        reads="sft",                 # the record type its `dataset:` is converted to
        writes="policy",             # what it leaves in its folder (see WRITES)
        continues=("policy",),       # what its `from:` stage may have written
    )

`tuneline validate` checks every stage's data and `from:` wiring against it, the eval
stage finds the trained policies, reward models and classifiers through it, and
`tuneline config explain` prints its summary. Nothing else lists stage types by name.
"""

from __future__ import annotations

from dataclasses import dataclass

# What a stage leaves in its folder: a chat model (adapter/ or model/), a reward model
# (one-score classifier), a classifier (many labels), a router (router.json), a dataset
# later stages read (`datasets: {NAME: {stage: STAGE}}`), or only metrics and reports.
WRITES = ("policy", "reward", "classifier", "router", "dataset", "report")


@dataclass(frozen=True)
class StageContract:
    summary: str  # one line, printed by `tuneline config explain` and `tuneline validate`
    reads: str | None  # record type of its dataset (data.tasks.TASKS); None: it reads no dataset of its own
    writes: str  # one of WRITES
    continues: tuple[str, ...] = ()  # roles of the `from:` stage it can start from; () : no `from:`
    reference: bool = False  # aligns against a reference model (the `reference:` option: entering or base)
    data_parallel: bool = False  # under torchrun, trains on every process (else the first runs it alone)
    unused: frozenset[str] = frozenset()  # inherited options it does not read: setting one is an error

    def __post_init__(self) -> None:
        if self.writes not in WRITES:
            raise ValueError(f"writes must be one of {WRITES}, not {self.writes!r}")
        unknown = set(self.continues) - set(WRITES)
        if unknown:
            raise ValueError(f"continues names unknown roles: {sorted(unknown)}")

    @property
    def trains(self) -> bool:
        """It leaves weights (policy, reward model or classifier)."""
        return self.writes in ("policy", "reward", "classifier")
