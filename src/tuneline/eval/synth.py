"""`tuneline data synth`, the model side: a teacher (a local chat model, or one behind an
OpenAI-compatible endpoint) writes question/answer pairs from each chunk, and questions the
chunk does not answer; then checks each pair against its passage. Chunks go in batches; each
chunk's result is cached as soon as its batch is done (data/synth/cache.py), so a killed run
resumes without asking again.

Prompts ask for "Q: … / A: …" lines, which small models follow more reliably than JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tuneline.data.records import Message
from tuneline.data.synth.cache import ChunkCache
from tuneline.data.synth.chunks import Chunk, chunk_sections
from tuneline.data.synth.config import SynthConfig, TeacherConfig
from tuneline.data.synth.dataset import QAPair, filter_pairs, read_seed_pairs, write_dataset
from tuneline.data.synth.documents import read_folder
from tuneline.errors import ConfigError
from tuneline.progress import batch_bar, info

PROMPT_VERSION = "1"


def question_prompt(chunk: Chunk, count: int) -> list[Message]:
    return [{"role": "user", "content":
             f"Here is a passage from a product's documentation.\n\n{chunk.passage}\n\n"
             f"Write {count} different questions a user of the product could ask that this passage answers, "
             "each followed by its short answer taken from the passage. Use exactly this format:\n"
             "Q: <question>\nA: <answer>"}]


def unanswerable_prompt(chunk: Chunk, count: int) -> list[Message]:
    return [{"role": "user", "content":
             f"Here is a passage from a product's documentation.\n\n{chunk.passage}\n\n"
             f"Write {count} question(s) a user might ask about a related feature or detail that this passage "
             "does NOT mention, so it cannot be answered from it. Write each on its own line as:\nQ: <question>"}]


def support_prompt(passage: str, question: str, answer: str) -> list[Message]:
    return [{"role": "user", "content":
             f"Passage:\n{passage}\n\nQuestion: {question}\nAnswer: {answer}\n\n"
             "Is the answer correct and supported by the passage? Reply yes or no."}]


def answered_prompt(passage: str, question: str) -> list[Message]:
    return [{"role": "user", "content":
             f"Passage:\n{passage}\n\nQuestion: {question}\n\nDoes the passage answer this question? Reply yes or no."}]


def parse_pairs(reply: str) -> list[tuple[str, str]]:
    """Q:/A: pairs in a reply; numbering ("1. Q:", "**Q1:**") and blank lines tolerated."""
    pairs, question = [], None
    for line in reply.splitlines():
        line = re.sub(r"^[\s>*\-\d.)]*", "", line).replace("**", "").strip()
        match = re.match(r"(?i)(q|question|a|answer)\s*\d*\s*[:.]\s*(.*)", line)
        if not match:
            continue
        kind, text = match.group(1)[0].lower(), match.group(2).strip()
        if kind == "q":
            question = text
        elif question and text:
            pairs.append((question, text))
            question = None
    return pairs


def parse_questions(reply: str) -> list[str]:
    return [q for q, _ in parse_pairs(reply.replace("\nQ", "\nA: -\nQ") + "\nA: -")]


@dataclass
class Teacher:
    """Writes replies to chat prompts and judges yes/no questions; counts what it is asked
    (`prompts_answered`), which is what a resumed run saves."""

    config: TeacherConfig
    prompts_answered: int = 0
    _model: object = field(default=None, repr=False)

    @property
    def key(self) -> str:
        identity = json.dumps([self.config.model, self.config.base_url, self.config.max_new_tokens, PROMPT_VERSION])
        return hashlib.sha256(identity.encode()).hexdigest()[:10]

    def _local(self):
        if self._model is None:
            from tuneline.models.load import load_causal_lm

            self._model = load_causal_lm(self.config.model)
        return self._model

    def write(self, prompts: list[list[Message]]) -> list[str]:
        self.prompts_answered += len(prompts)
        if self.config.base_url:
            return [self._ask(prompt, self.config.max_new_tokens) for prompt in prompts]
        from tuneline.eval.generate import generate_chat

        model, tokenizer = self._local()
        return [g.text for g in generate_chat(model, tokenizer, prompts, max_new_tokens=self.config.max_new_tokens,
                                              batch_size=self.config.batch_size, desc="teacher writing")]

    def says_yes(self, prompts: list[list[Message]]) -> list[bool]:
        if not prompts:
            return []
        self.prompts_answered += len(prompts)
        if self.config.base_url:
            return [self._ask(prompt, 3).strip().lower().startswith("yes") for prompt in prompts]
        from tuneline.eval.choices import yes_probability

        model, tokenizer = self._local()
        return [p > 0.5 for p in yes_probability(model, tokenizer, prompts, batch_size=self.config.batch_size,
                                                 desc="teacher checking")]

    def _ask(self, prompt: list[Message], max_tokens: int) -> str:
        try:
            import openai
        except ImportError:
            raise ConfigError("an endpoint teacher needs the openai package", fix="pip install openai") from None
        if self._model is None:
            self._model = openai.OpenAI(base_url=self.config.base_url, timeout=self.config.timeout_s, max_retries=1,
                                        api_key=os.environ.get(self.config.api_key_env) or "unused")
        try:
            response = self._model.chat.completions.create(model=self.config.model, messages=prompt,
                                                           max_tokens=max_tokens, temperature=0.0)
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise ConfigError(f"cannot reach the teacher endpoint {self.config.base_url}: {exc}",
                              where="teacher.base_url", fix="start the server, or set teacher.base_url to a "
                                                             "reachable one; finished chunks are cached") from None
        except openai.APIStatusError as exc:
            raise ConfigError(f"the teacher endpoint refused the request ({exc.status_code}): {exc.message}",
                              where="teacher.model", fix="check teacher.model and the API key "
                                                         f"(${self.config.api_key_env})") from None
        return response.choices[0].message.content or ""


def pairs_for_chunks(chunks: list[Chunk], teacher: Teacher, config: SynthConfig) -> list[dict]:
    """Answerable and unanswerable pairs for a batch of chunks, checked against their passage."""
    asked = config.questions_per_chunk
    replies = teacher.write([question_prompt(c, asked) for c in chunks]) if asked else [""] * len(chunks)
    other = config.unanswerable_per_chunk
    outside = teacher.write([unanswerable_prompt(c, other) for c in chunks]) if other else [""] * len(chunks)
    results = []
    for chunk, reply, outside_reply in zip(chunks, replies, outside, strict=True):
        source = f"{chunk.source} > {chunk.heading}"
        pairs = [QAPair(q, a, chunk.passage, source) for q, a in parse_pairs(reply)[:asked]]
        pairs += [QAPair(q, config.unanswerable_answer, "", source, answerable=False)
                  for q in parse_questions(outside_reply)[:other]]
        results.append({"pairs": pairs, "unparsed": int(asked > 0 and not parse_pairs(reply))})
    if config.filters.check_support:
        items = [(r, p, chunk) for r, chunk in zip(results, chunks, strict=True) for p in r["pairs"]]
        verdicts = teacher.says_yes([support_prompt(p.passage, p.question, p.answer) if p.answerable
                                     else answered_prompt(chunk.passage, p.question) for _, p, chunk in items])
        for result in results:
            result["unsupported"] = 0
        for (result, pair, _), yes in zip(items, verdicts, strict=True):
            if yes != pair.answerable:  # an answer the passage does not support; a question it answers after all
                result["pairs"].remove(pair)
                result["unsupported"] += 1
    return [{**r, "pairs": [asdict(p) for p in r["pairs"]]} for r in results]


def synthesize(config: SynthConfig, teacher: Teacher | None = None) -> dict:
    """Run the whole synth; returns its report (also in <output>/report.json)."""
    teacher = teacher or Teacher(config.teacher)
    sections = read_folder(config.docs)
    chunks = chunk_sections(sections, config.chunk_tokens, config.overlap_tokens)
    output = Path(config.output)
    cache = ChunkCache(output / "cache", teacher.key + _options_key(config))
    todo = [chunk for chunk in chunks if cache.get(chunk.id) is None]
    info(f"{len(sections)} sections → {len(chunks)} chunks; {len(chunks) - len(todo)} already done (cache), "
         f"{len(todo)} for the teacher")
    size = config.teacher.batch_size
    progress = batch_bar(len(todo), size, desc="synth (chunks)", unit="chunk")
    for start in range(0, len(todo), size):
        batch = todo[start:start + size]
        for chunk, result in zip(batch, pairs_for_chunks(batch, teacher, config), strict=True):
            cache.put(chunk.id, result)
        progress.update(len(batch))
    progress.close()
    dropped: Counter = Counter()
    pairs = []
    for chunk in chunks:
        result = cache.get(chunk.id) or {"pairs": []}
        pairs += [QAPair(**p) for p in result["pairs"]]
        dropped["teacher reply unreadable"] += result.get("unparsed", 0)
        dropped["not supported by the passage"] += result.get("unsupported", 0)
    teacher_pairs = len(pairs)
    if config.seed_pairs:
        pairs += read_seed_pairs(config.seed_pairs, chunks, config.unanswerable_answer)
    kept = filter_pairs(pairs, config.filters, dropped)
    report = {"documents": len({s.source for s in sections}), "sections": len(sections), "chunks": len(chunks),
              "chunks_from_cache": len(chunks) - len(todo), "teacher_prompts": teacher.prompts_answered,
              "teacher_pairs": teacher_pairs, "kept": len(kept), "dropped": {k: v for k, v in dropped.items() if v}}
    write_dataset(kept, output, config.eval_fraction, config.seed, report)
    return json.loads((output / "report.json").read_text())


def _options_key(config: SynthConfig) -> str:
    options = [config.questions_per_chunk, config.unanswerable_per_chunk, config.unanswerable_answer,
               config.filters.check_support]
    return hashlib.sha256(json.dumps(options).encode()).hexdigest()[:6]
