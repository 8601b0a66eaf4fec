"""A judge's agreement with human preference labels (feedback/agreement.py, `tuneline
feedback agreement`): the arithmetic by hand, and tuneline's own server as an `openai:` judge
endpoint, checked against the same model judging locally."""

from __future__ import annotations

import json
import re

import pytest

from tuneline.cli.main import main
from tuneline.data.records import Preference
from tuneline.errors import UserError
from tuneline.feedback.agreement import judge_agreement
from tuneline.feedback.constitution import load_constitution
from tuneline.feedback.judge import PairJudge

HELPFUL = [p for p in load_constitution("default").principles if p.name == "helpful"]


def pair(chosen: str, rejected: str) -> Preference:
    return Preference(prompt=[{"role": "user", "content": "Can you help?"}],
                      chosen=[{"role": "assistant", "content": chosen}],
                      rejected=[{"role": "assistant", "content": rejected}])


def yes_judge(unreadable_answer: str | None = None) -> PairJudge:
    """P(A better) = 0.9 when answer A says "yes", else 0.2; no verdict when A is `unreadable_answer`."""
    def first_better(chats):
        out = []
        for chat in chats:
            first = re.search(r"\[Answer A\]\n(.*?)\n\n\[Answer B\]", chat[-1]["content"], re.S).group(1)
            out.append(None if first == unreadable_answer else 0.9 if "yes" in first.split() else 0.2)
        return out

    return PairJudge(first_better, "yes-rule")


PAIRS = [pair("yes sure", "no"),  # chosen first 0.9, rejected first 0.2: ½(0.9 + 0.8) = 0.85, agrees
         pair("no thanks", "yes"),  # 0.2 and 0.9: ½(0.2 + 0.1) = 0.15, disagrees (both orders say so)
         pair("ok", "fine"),  # 0.2 and 0.2: ½(0.2 + 0.8) = 0.5, half (the orders contradict)
         pair("yes", "yes indeed")]  # 0.9 and 0.9: 0.5, half


def test_agreement_by_hand():
    figures = judge_agreement(yes_judge(), PAIRS, HELPFUL)
    assert figures["judged"] == 4 and figures["unreadable_comparisons"] == 0
    assert figures["accuracy"] == pytest.approx((1 + 0 + 0.5 + 0.5) / 4)
    assert figures["mean_p_chosen"] == pytest.approx((0.85 + 0.15 + 0.5 + 0.5) / 4)
    assert figures["orders_agree"] == pytest.approx(2 / 4)
    # Wilson 95% for 2 of 4: (0.5 + z²/8) / (1 + z²/4) ± z/(1 + z²/4) · sqrt(0.0625 + z²/64), z = 1.96
    z2 = 1.96 ** 2
    centre, half = (0.5 + z2 / 8) / (1 + z2 / 4), 1.96 / (1 + z2 / 4) * (0.0625 + z2 / 64) ** 0.5
    assert (figures["ci_low"], figures["ci_high"]) == pytest.approx((centre - half, centre + half))
    # longer answer (words): 2 > 1, 2 > 1, 1 = 1, 1 < 2 → (1 + 1 + ½ + 0) / 4
    assert figures["longer_answer_accuracy"] == pytest.approx(2.5 / 4)


def test_pairs_without_a_readable_verdict_are_left_out_and_counted():
    figures = judge_agreement(yes_judge(unreadable_answer="ok"), PAIRS, HELPFUL)
    # pair 3's chosen-first comparison has no verdict: an order without its mirror is not used
    # (position bias would go uncorrected), so pair 3 is left out and its comparison counted
    assert figures["pairs"] == 4 and figures["judged"] == 3 and figures["unreadable_comparisons"] == 1
    assert figures["accuracy"] == pytest.approx((1 + 0 + 0.5) / 3)
    with pytest.raises(UserError, match="no readable verdict on any of the 1 pairs"):
        judge_agreement(PairJudge(lambda chats: [None] * len(chats), "mute"), [PAIRS[0]], HELPFUL)


@pytest.mark.slow
def test_tuneline_serve_as_an_openai_judge_agrees_with_the_same_model_judging_locally(tmp_path, capsys):
    """The embedded chat model behind `tuneline serve`, asked as an `openai:` judge: the
    endpoint's first-token log-probabilities give the same P(A) / (P(A) + P(B)) as the local
    judge reading the same model to 1e-4, so the agreement the CLI measures through the
    endpoint equals the local one. (Asked for words, this 135M model mostly answers "You can
    choose either": log-probabilities make it a usable judge.)"""
    from tuneline.config.references import CHAT_MODEL
    from tuneline.eval.judges import choice_from_logprobs, openai_first_token_logprobs
    from tuneline.feedback.judge import choice_probabilities, comparison, local_pair_judge
    from tuneline.models.load import load_for_inference
    from tuneline.serve.app import RunningServer
    from tuneline.serve.config import ServerConfig
    from tuneline.serve.service import build_state

    pairs = [pair("Sure: open Settings, then Password, and follow the link we email you.", "No."),
             pair("I can't say.", "Restart the app; if it still fails, reinstall it from the store."),
             pair("Yes, refunds take 5 business days.", "Refunds are a thing.")]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(
        {"prompt": p.prompt, "chosen": p.chosen, "rejected": p.rejected}) + "\n" for p in pairs))
    chats = [comparison(p.prompt, a, b, HELPFUL[0]) for p in pairs
             for a, b in ((p.chosen[0]["content"], p.rejected[0]["content"]),
                          (p.rejected[0]["content"], p.chosen[0]["content"]))]
    with RunningServer(build_state(ServerConfig(model=CHAT_MODEL, log_db=None))) as server:
        first_tokens = openai_first_token_logprobs("base", f"{server.url}/v1")(chats)
        code = main(["feedback", "agreement", str(tmp_path / "pairs.jsonl"), "--base-url", f"{server.url}/v1",
                     "--endpoint-model", "base", "--principles", "helpful", "--output", str(tmp_path / "a.json")])
    model, tokenizer = load_for_inference(CHAT_MODEL)
    local = choice_probabilities(model, tokenizer, chats)
    both = 0
    for tokens, p_local in zip(first_tokens, local, strict=True):
        if "A" in tokens and "B" in tokens:  # the exact figure
            assert choice_from_logprobs(tokens) == pytest.approx(p_local, abs=1e-4)
            both += 1
        else:  # one letter is outside the endpoint's top 20: it counts as 0, the side is right
            assert "A" in tokens or "B" in tokens, tokens
            assert (choice_from_logprobs(tokens) > 0.5) == (p_local > 0.5)
    assert both >= 2, first_tokens
    assert code == 0
    figures = json.loads((tmp_path / "a.json").read_text())
    assert figures["judge"] == "openai:base" and figures["judged"] == 3 and figures["unreadable_comparisons"] == 0
    alone = judge_agreement(local_pair_judge(model, tokenizer), pairs, HELPFUL)
    assert figures["mean_p_chosen"] == pytest.approx(alone["mean_p_chosen"], abs=0.05)
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == figures


def test_a_judge_endpoint_that_never_answers_is_a_one_line_error(tmp_path, capsys):
    """A server that accepts the connection and stays silent: the command stops after the
    timeout with the URL named (exit 2), it does not hang or report an empty result."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    threading.Thread(target=lambda: [accepted.append(listener.accept()) for _ in range(4)], daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    (tmp_path / "pairs.jsonl").write_text(json.dumps(
        {"prompt": "Hi", "chosen": "Hello! How can I help?", "rejected": "What."}) + "\n")
    try:
        code = main(["feedback", "agreement", str(tmp_path / "pairs.jsonl"), "--base-url", url, "--timeout", "1",
                     "--principles", "helpful"])
    finally:
        listener.close()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "Traceback" not in "\n".join(err)
    assert err[0] == f"error: the judge endpoint {url} did not answer within 1 s"
