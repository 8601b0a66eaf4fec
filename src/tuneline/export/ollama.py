"""An Ollama Modelfile beside a GGUF: FROM, the chat template translated into Ollama's Go
template language, the default system prompt, and a stop parameter per end-of-turn token.
Without TEMPLATE and stop, Ollama prompts the model in the wrong format and the model
talks on past its turn.

The translation does not parse Jinja: it renders the model's own template with marker
contents and reads off, per role, the text before and after a message's content. That
works for templates that render each message independently (ChatML, Llama 3, Zephyr and
most chat models); a template that does not is refused rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuneline.errors import ModelError

_MARK = "\x00{role}\x00"
_PROBE = [{"role": "system", "content": _MARK.format(role="system")},
          {"role": "user", "content": _MARK.format(role="user")},
          {"role": "assistant", "content": _MARK.format(role="assistant")}]


@dataclass(frozen=True)
class ChatParts:
    """A chat template as text around each message: enough to rebuild any conversation."""

    before: dict[str, str]  # role → text before the content
    after: dict[str, str]  # role → text after the content
    generation_prompt: str  # what opens the assistant's reply
    default_system: str | None  # the system message the template adds when none is given

    def render(self, messages: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
        if self.default_system is not None and (not messages or messages[0]["role"] != "system"):
            messages = [{"role": "system", "content": self.default_system}, *messages]
        text = "".join(self.before[m["role"]] + m["content"] + self.after[m["role"]] for m in messages)
        return text + (self.generation_prompt if add_generation_prompt else "")


def chat_parts(tokenizer) -> ChatParts:
    """Split the tokenizer's chat template into per-role text around the content."""
    if not tokenizer.chat_template:
        raise ModelError("the tokenizer has no chat template, so Ollama could not prompt the model",
                         fix="export without --ollama, or add a chat_template to the tokenizer")
    before, after = {}, {}
    previous = ""
    for count, message in enumerate(_PROBE, start=1):
        text = _render(tokenizer, _PROBE[:count], False)
        if not text.startswith(previous):
            raise _untranslatable("a message changes how earlier ones render")
        chunk = text[len(previous):]
        head, _, tail = chunk.partition(message["content"])
        before[message["role"]], after[message["role"]] = head, tail
        previous = text
    prompt = _render(tokenizer, _PROBE[:2], True)[len(_render(tokenizer, _PROBE[:2], False)):]
    parts = ChatParts(before, after, prompt, None)
    return ChatParts(before, after, prompt, _default_system(tokenizer, parts))


def _render(tokenizer, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
    try:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)
    except Exception as exc:  # a template may raise anything (e.g. "roles must alternate")
        raise _untranslatable(f"it does not render a system/user/assistant conversation ({exc})") from None


def _default_system(tokenizer, parts: ChatParts) -> str | None:
    user_only = _render(tokenizer, [_PROBE[1]], False)
    plain = parts.before["user"] + _PROBE[1]["content"] + parts.after["user"]
    extra = user_only[: len(user_only) - len(plain)] if user_only.endswith(plain) else None
    if extra is None:
        raise _untranslatable("a lone user message renders differently")
    if not extra:
        return None
    head, tail = parts.before["system"], parts.after["system"]
    if not (extra.startswith(head) and extra.endswith(tail)):
        raise _untranslatable("the default system message does not look like a system message")
    return extra[len(head): len(extra) - len(tail)]


def _untranslatable(why: str) -> ModelError:
    return ModelError(f"cannot translate the chat template into an Ollama TEMPLATE: {why}",
                      fix="export without --ollama and write the Modelfile's TEMPLATE by hand")


def _literal(text: str) -> str:
    """Text as a Go template literal: only '{{' needs escaping."""
    return text.replace("{{", '{{ "{{" }}')


def go_template(parts: ChatParts) -> str:
    """Ollama's TEMPLATE for these parts. No trim markers ({{-): the literal text keeps its
    newlines exactly as the chat template writes them."""
    branches = []
    for role in ("system", "user", "assistant"):
        keyword = "if" if not branches else "else if"
        branches.append(f'{{{{ {keyword} eq .Role "{role}" }}}}{_literal(parts.before[role])}'
                        f"{{{{ .Content }}}}{_literal(parts.after[role])}")
    return f"{{{{ range .Messages }}}}{''.join(branches)}{{{{ end }}}}{{{{ end }}}}{_literal(parts.generation_prompt)}"


def _quoted(text: str) -> str:
    if '"""' in text:
        raise ModelError('the chat template contains """, which a Modelfile cannot quote',
                         fix="export without --ollama and write the Modelfile by hand")
    return f'"""{text}"""'


def modelfile(gguf_name: str, parts: ChatParts, stop_tokens: list[str]) -> str:
    lines = [f"FROM ./{gguf_name}", f"TEMPLATE {_quoted(go_template(parts))}"]
    if parts.default_system is not None:
        lines.append(f"SYSTEM {_quoted(parts.default_system)}")
    lines += [f"PARAMETER stop {_go_string(token)}" for token in stop_tokens]
    return "\n".join(lines) + "\n"


def _go_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
