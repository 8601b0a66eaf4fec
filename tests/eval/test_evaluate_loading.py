"""evaluate() loads a target's weights only for the suites that read them there: a run whose
only suites load their own models (safety, classification) reads no target in that loop."""

from __future__ import annotations

import json

import pytest

from tuneline.errors import ModelError
from tuneline.eval.evaluate import EvalInputs, evaluate
from tuneline.eval.targets import Target


def test_a_safety_only_evaluation_loads_no_target(tmp_path):
    missing = Target("sft", str(tmp_path / "no-such-model"))  # loading it would fail
    result = evaluate([missing], EvalInputs(), ["safety"], tmp_path / "eval")
    assert result.metrics["details"]["targets"] == {"sft": {}}
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text())["details"]["suites"] == ["safety"]


def test_a_suite_that_reads_the_target_still_loads_it(tmp_path):
    from tuneline.data.records import Conversation

    missing = Target("sft", str(tmp_path / "no-such-model"))
    inputs = EvalInputs(conversations=[Conversation([{"role": "user", "content": "hi"},
                                                     {"role": "assistant", "content": "hello"}])])
    with pytest.raises(ModelError):
        evaluate([missing], inputs, ["loss", "safety"], tmp_path / "eval")
