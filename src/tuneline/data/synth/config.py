"""The synth file (`tuneline data synth CONFIG`): documents in, an SFT dataset of Q&A out.

    docs: docs/                  # .md, .txt, .html, read recursively
    output: data/synth           # train.jsonl, eval.jsonl, report.json, cache/
    teacher: {model: builtin:smollm2-135m-instruct}   # or {base_url: http://..., model: NAME}
    seed_pairs: seed_qa.jsonl    # optional hand-written {question, answer, source, answerable}
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from tuneline.config.references import CHAT_MODEL
from tuneline.config.schema import Strict

NOT_IN_DOCS = "That is not covered in the documentation, so I can't answer it reliably."


class TeacherConfig(Strict):
    model: str = Field(CHAT_MODEL, description="builtin:NAME or a local folder; with base_url, the endpoint's model name")
    base_url: str | None = Field(None, description="an OpenAI-compatible endpoint (…/v1): the teacher runs there")
    api_key_env: str = Field("OPENAI_API_KEY", description="environment variable holding the endpoint's API key")
    batch_size: int = Field(8, ge=1, description="prompts per generation batch (local teacher)")
    max_new_tokens: int = Field(160, ge=8, description="longest reply the teacher writes")
    timeout_s: float = Field(120.0, gt=0, description="endpoint: seconds to wait for one reply")


class SynthFilters(Strict):
    check_support: bool = Field(True, description="the teacher checks each answer is supported by its passage "
                                                  "(and that an unanswerable question is not answered there)")
    near_duplicate_threshold: float | None = Field(
        0.7, gt=0, le=1, description="drop questions this similar (MinHash Jaccard) to an earlier one; None: keep")
    min_question_chars: int = Field(12, ge=1, description="drop shorter questions")
    max_question_chars: int = Field(300, ge=1, description="drop longer questions")
    min_answer_chars: int = Field(2, ge=1, description="drop shorter answers")
    max_answer_chars: int = Field(1000, ge=1, description="drop longer answers")


class SynthConfig(Strict):
    docs: str = Field(..., description="folder of documents (.md, .txt, .html), relative to this file")
    output: str = Field("synth", description="output folder, relative to this file")
    chunk_tokens: int = Field(220, ge=16, description="longest chunk, in whitespace words")
    overlap_tokens: int = Field(32, ge=0, description="words shared by consecutive windows of a long section")
    questions_per_chunk: int = Field(2, ge=0, description="question/answer pairs the teacher writes per chunk")
    unanswerable_per_chunk: int = Field(1, ge=0, description="questions the chunk does NOT answer, per chunk")
    unanswerable_answer: str = Field(NOT_IN_DOCS, description="the answer taught for unanswerable questions")
    seed_pairs: str | None = Field(None, description="hand-written pairs (JSONL: question, answer, source file, "
                                                     "answerable) added beside the teacher's")
    eval_fraction: float = Field(0.2, ge=0, lt=1, description="share of pairs held out as eval.jsonl")
    seed: int = Field(0, description="random seed of the hold-out")
    teacher: TeacherConfig = Field(default_factory=TeacherConfig, description="who writes and checks the pairs")
    filters: SynthFilters = Field(default_factory=SynthFilters, description="what is kept")


def read_synth_config(path: str | Path) -> SynthConfig:
    from tuneline.config.files import load_config_file
    from tuneline.config.references import relative_to

    path = Path(path)
    config = load_config_file(path, SynthConfig, "the synth file (docs, output, teacher)",
                              "`tuneline data synth --help` or examples/docs_assistant/synth.yaml")
    base = path.resolve().parent
    config.docs = str(base / config.docs)
    config.output = str(base / config.output)
    if config.seed_pairs:
        config.seed_pairs = str(base / config.seed_pairs)
    if config.teacher.base_url is None:
        config.teacher.model = relative_to(base, config.teacher.model)
    return config
