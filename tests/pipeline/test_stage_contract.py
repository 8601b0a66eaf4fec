"""The stage contract: every registered stage declares it, and `validate` checks a
pipeline's wiring against it (the error names the line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuneline.cli.main import main
from tuneline.data.tasks import TASKS
from tuneline.stages import STAGE_MODULES, contract, stage_module
from tuneline.stages.contract import WRITES


@pytest.mark.parametrize("stage_type", sorted(STAGE_MODULES))
def test_every_stage_declares_its_contract(stage_type):
    module = stage_module(stage_type)
    terms = contract(stage_type)
    assert terms.reads is None or terms.reads in TASKS
    assert terms.writes in WRITES and set(terms.continues) <= set(WRITES)
    assert module.Config.model_fields["type"].default == stage_type and callable(module.run)
    assert not (terms.reference and not terms.continues), "a stage with a reference starts from a model"
    for option in terms.unused:
        assert option in module.Config.model_fields or option == "from", f"{stage_type}: unknown unused {option}"


def write(folder: Path, stages: str) -> Path:
    (folder / "texts.jsonl").write_text("".join(f'{{"text": "t{i}", "label": "{"ab"[i % 2]}"}}\n' for i in range(12)))
    (folder / "pairs.jsonl").write_text("".join(
        f'{{"prompt": "q{i}", "chosen": "good {i}", "rejected": "bad {i}"}}\n' for i in range(12)))
    pipeline = folder / "pipeline.yaml"
    pipeline.write_text("name: wiring\nmodel: builtin:smollm2-135m-instruct\n"
                        "datasets:\n  texts: {path: texts.jsonl}\n  pairs: {path: pairs.jsonl}\n"
                        "stages:\n" + stages)
    return pipeline


def test_a_stage_cannot_continue_what_its_from_stage_did_not_write(tmp_path, capsys):
    pipeline = write(tmp_path, "  - type: classify\n    dataset: texts\n"
                               "  - type: dpo\n    dataset: pairs\n    from: classify\n")
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert f"{pipeline}:11" in err and "stage 'classify' wrote a classifier; a dpo stage continues a policy" in err
    assert "Traceback" not in err


def test_an_option_the_stage_would_ignore_is_an_error(tmp_path, capsys):
    pipeline = write(tmp_path, "  - type: classify\n    dataset: texts\n    save_steps: 10\n")
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert f"{pipeline}:9" in err and "a classify stage does not use `save_steps`" in err


def test_validate_checks_the_data_of_every_stage_that_reads_some(tmp_path, capsys):
    (tmp_path / "routes.jsonl").write_text('{"text": "only one label", "label": "code"}\n{"oops": 1}\n')
    pipeline = write(tmp_path, "  - type: router\n    dataset: routes\n")
    pipeline.write_text(pipeline.read_text().replace("datasets:\n", "datasets:\n  routes: {path: routes.jsonl}\n"))
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert "routes.jsonl:2" in err and "Traceback" not in err
