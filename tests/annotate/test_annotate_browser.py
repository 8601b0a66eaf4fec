"""The labelling pages in real headless Chromium (Debian's chromium + chromedriver, driven by
Selenium): two annotators log in and label 10 pairs each with the keyboard, one ranks three
answers (the other skips them), and the export holds exactly those votes. Answers carrying <script> and
<img onerror> show as text and run nothing.

TUNELINE_SCREENSHOTS=1 also writes the labelling page to docs/images/annotate-labelling.png.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from support.annotate_server import start_annotate_server
from support.postgres import free_port
from tuneline.data.annotations.export import preference_rows
from tuneline.data.annotations.store import AnnotationStore, NewItem

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
REPO = Path(__file__).resolve().parents[2]
HOSTILE = ['<script>window.__injected = "script"</script>', '<img src="x" onerror="window.__injected = \'img\'">']


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        message = "chromium and chromedriver are not installed; `make setup` installs Debian's chromium chromium-driver"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="tuneline-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1200,800"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _wait_for_new_page(driver, old_title: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda d: d.title != old_title and d.execute_script(
        "return document.readyState") == "complete")


def _press(driver, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def _log_in(driver, base: str, token: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.delete_all_cookies()
    driver.get(f"{base}/login")
    driver.find_element(By.ID, "token").send_keys(token + Keys.ENTER)
    _wait_for_new_page(driver, "log in")


def _shown_texts(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, ".answer pre")]


def test_two_annotators_label_with_the_keyboard_and_the_export_holds_their_votes(browser, tmp_path):
    from selenium.webdriver.common.by import By

    (tmp_path / "annotate.yaml").write_text(
        "database: sqlite:///votes.db\nguidelines: 'Prefer the **correct** answer.'\n"
        "checklist: [no definitive diagnosis]\nannotators: [ann, bob]\noverlap: 2\n")
    store = AnnotationStore(f"sqlite:///{tmp_path / 'votes.db'}")
    pairs = [NewItem(f"pair{i}", [{"role": "user", "content": f"What is {i} + {i}?"}],
                     [f"It is {2 * i}.", HOSTILE[i % 2] if i < 2 else f"It is {2 * i + 1}."]) for i in range(10)]
    store.add_items(pairs)
    store.assign(["ann", "bob"], overlap=2, seed=1)
    store.add_items([NewItem("rank", [{"role": "user", "content": "Name a prime."}], ["4", "7", "9 is not"])])
    tokens = {name: store.issue_token(name) for name in ("ann", "bob")}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_annotate_server(tmp_path / "annotate.yaml", port)
    expected: dict[tuple[str, str], tuple[str, list[int] | None]] = {}
    try:
        for name in ("ann", "bob"):
            _log_in(browser, base, tokens[name])
            for index in range(10):
                texts = _shown_texts(browser)
                item = browser.title.removeprefix("item ")
                correct = next(slot for slot, text in enumerate(texts) if text.startswith("It is") and
                               text == f"It is {2 * int(item[4:])}.")
                if item in ("pair0", "pair1"):  # the hostile answer is shown as its own text, inert
                    assert any(text in HOSTILE for text in texts)
                    assert browser.find_elements(By.CSS_SELECTOR, ".answer img, .answer script") == []
                    assert browser.execute_script("return window.__injected === undefined")
                    if name == "ann" and item == "pair1" and os.environ.get("TUNELINE_SCREENSHOTS") == "1":
                        browser.save_screenshot(str(REPO / "docs" / "images" / "annotate-labelling.png"))
                if name == "bob" and index == 3:
                    key, outcome, ranking = "t", "tie", None
                elif name == "bob" and index == 4:
                    key, outcome, ranking = "b", "both_bad", None
                else:
                    key, outcome, ranking = str(correct + 1), "win", [0, 1]
                if index == 0:  # tick the checklist once
                    browser.find_element(By.CSS_SELECTOR, "input[name=checklist]").click()
                old = browser.title
                _press(browser, key)
                _wait_for_new_page(browser, old)
                expected[(name, item)] = (outcome, ranking)
            assert browser.title == "item rank"
            if name == "ann":
                texts = _shown_texts(browser)
                for answer in ("7", "4"):  # 7 best, then 4; "9 is not" last is implied
                    _press(browser, str(texts.index(answer) + 1))
                key, expected[("ann", "rank")] = "\ue007", ("ranking", [1, 0, 2])  # Enter
            else:
                key, expected[("bob", "rank")] = "s", ("skip", None)
            old = browser.title
            _press(browser, key)
            _wait_for_new_page(browser, old)
            assert browser.title == "all done"
    finally:
        server.kill()
        server.wait()
    by_id = {item_id: data["external_id"] for item_id, data in store.items_with_answers(range(1, 12)).items()}
    stored = {(vote.annotator, by_id[vote.item_id]): (vote.outcome, vote.ranking) for vote in store.votes()}
    assert stored == expected and store.vote_count() == 22
    first_votes = [vote for vote in store.votes() if vote.checklist]
    assert [vote.checklist for vote in first_votes] == [["no definitive diagnosis"]] * 2
    assert all(vote.seconds is not None and vote.seconds >= 0 for vote in store.votes())
    rows = preference_rows(store)
    # 10 pairs: 8 with two wins for the correct answer, 2 where bob tied / both-bad → ann's win alone;
    # plus the ranking's 3 pairs (7 > 4, 7 > "9 is not", 4 > "9 is not")
    assert len(rows) == 13
    assert all(row["chosen"][0]["content"].startswith("It is") or row["provenance"]["item"] == "rank" for row in rows)
    store.close()
