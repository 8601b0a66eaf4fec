"""The runtime's choices, as they fall on this machine (no GPU, no vllm): models on the CPU,
HF generate unless vLLM is asked for, and then a clear error; vLLM's answers become the same
rollout batch HF generate gives."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from tuneline.cli.main import main
from tuneline.errors import ConfigError
from tuneline.runtime import compute_device, generation_backend

no_gpu_no_vllm = pytest.mark.skipif(torch.cuda.is_available() or importlib.util.find_spec("vllm") is not None,
                                    reason="checks the choice on a machine without GPU and vllm")


@no_gpu_no_vllm
def test_without_gpu_models_load_on_the_cpu_and_generate_with_hf(tiny_lm_dir):
    from tuneline.models.load import load_causal_lm

    model, _ = load_causal_lm(str(tiny_lm_dir))
    assert compute_device() == torch.device("cpu") and next(model.parameters()).device.type == "cpu"
    assert generation_backend("auto") == "hf" and generation_backend("hf") == "hf"


@no_gpu_no_vllm
def test_asking_for_vllm_where_it_cannot_run_is_an_error():
    with pytest.raises(ConfigError, match="vllm package is not installed"):
        generation_backend("vllm")


@no_gpu_no_vllm
def test_validate_names_the_stage_that_asks_for_vllm(tmp_path, tiny_lm_dir, capsys):
    (tmp_path / "chats.jsonl").write_text(
        '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}\n' * 10)
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(f"name: gen\nmodel: {tiny_lm_dir}\ndatasets:\n  chats: {{path: chats.jsonl}}\nstages:\n"
                        "  - {type: sft, dataset: chats}\n"
                        "  - type: eval\n    suites: [generate]\n    generation_backend: vllm\n")
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert f"{pipeline}:9 (stages.1.generation_backend)" in err and "vllm package is not installed" in err


def test_vllm_answers_make_the_rollout_batch_hf_generate_makes(smollm_tokenizer):
    from tuneline.rl.rollout import rollouts_from_answers

    tokenizer = smollm_tokenizer
    eos = tokenizer.eos_token_id  # also the pad id of SmolLM2's tokenizer here
    hello, world = tokenizer.encode("Hello"), tokenizer.encode(" world")
    prompts = [[{"role": "user", "content": "Hi"}], [{"role": "user", "content": "Say more"}]]
    answers = [(hello, True), (hello + world + hello, False)]  # the second ran out of its 3 tokens
    batch = rollouts_from_answers(tokenizer, prompts, answers, max_new_tokens=3)
    assert batch.response_ids.tolist() == [hello + [eos] + [eos], hello + world + hello]  # padded after the EOS
    assert batch.response_mask.tolist() == [[1, 1, 0], [1, 1, 1]]  # through the EOS; nothing after it
    assert batch.finished.tolist() == [True, False]
    assert batch.texts == ["Hello", "Hello worldHello"]


def test_cpu_threads_for_inference_are_the_idle_cores():
    from tuneline.runtime import idle_cpu_threads

    assert idle_cpu_threads(cores=2, load=0.2) == 2  # a quiet machine: every core
    assert idle_cpu_threads(cores=2, load=0.6) == 1  # one core busy elsewhere
    assert idle_cpu_threads(cores=2, load=5.0) == 1  # overloaded: one thread, never none
    assert idle_cpu_threads(cores=16, load=3.2) == 13
