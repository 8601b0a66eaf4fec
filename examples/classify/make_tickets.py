"""Write support tickets for Nimbus Notes (the quickstart's made-up note-taking app),
labelled with the queue each should be routed to.

Seven queues. Three of them (bug_report, feature_request, how_to) talk about the same
parts of the app, so the *topic* of a ticket says little about its queue: the intent is
carried by a few words ("crashes" vs "please add" vs "how do I"). Billing and refund
tickets share their vocabulary the same way. That is where a fine-tuned encoder should
beat a linear model on frozen sentence embeddings, which mostly encode topic.

The test file uses sentence patterns that never occur in training, so the score measures
generalisation rather than template recall.

Run: python make_tickets.py   (deterministic; writes tickets_train.csv and tickets_test.csv)
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

AREAS = ["tags", "the editor", "checklists", "reminders", "PDF export", "the web clipper", "shared notebooks",
         "image attachments", "search", "dark mode", "the Windows app", "the iPad app", "handwriting notes",
         "templates", "tables", "the home screen widget", "version history", "markdown import"]
DEVICES = ["iPhone", "Android phone", "Windows laptop", "MacBook", "iPad", "Chromebook", "work PC", "Pixel tablet"]
PLANS = ["Pro", "Family", "Teams", "Pro yearly", "Student"]
AMOUNTS = ["$4.99", "$9.99", "$49.00", "$59.88", "$14.99", "$99"]
MONTHS = ["January", "March", "last month", "this week", "yesterday", "in May", "two weeks ago"]

# queue → (training patterns, test-only patterns); slots: {area} {device} {plan} {amount} {month}
PATTERNS: dict[str, tuple[list[str], list[str]]] = {
    "bug_report": ([
        "{area} crashes every time I open it on my {device}.",
        "When I use {area} the app freezes and I have to force quit.",
        "{area} shows a blank white screen since the last update.",
        "Something is broken in {area}: the text I type disappears.",
        "Error message 'unexpected failure' whenever I touch {area}.",
        "{area} used to work but now the buttons do nothing at all.",
        "The app closes by itself as soon as I go into {area}.",
        "{area} duplicates everything I add, this looks like a bug.",
        "Since updating on my {device}, {area} is glitching and flickering.",
        "I found a bug: {area} loses my changes when I rotate the screen.",
    ], [
        "Reproducible fault: open {area}, tap twice, and the whole app dies.",
        "{area} is misbehaving on my {device}, it throws an exception and quits.",
        "Heads up, {area} has been failing for me with a red error banner.",
    ]),
    "feature_request": ([
        "Please add a way to color-code {area}.",
        "It would be great if {area} supported keyboard shortcuts.",
        "Could you build an option to share {area} with people outside my team?",
        "I wish {area} had a setting for bigger fonts.",
        "Feature idea: let us sort {area} by date created.",
        "Would love to see {area} come to my {device}, please consider it.",
        "Suggestion: {area} should let me pin favourites at the top.",
        "Can you add offline support to {area} in a future version?",
        "Please consider adding password protection to {area}.",
        "My team really needs {area} to have comments, any plans?",
    ], [
        "Voting for an improvement: {area} ought to offer bulk editing.",
        "Hoping a future release gives {area} a compact view.",
        "A nice addition would be drag and drop in {area}.",
    ]),
    "how_to": ([
        "How do I use {area} on my {device}?",
        "Where can I find {area} in the settings?",
        "What is the way to turn on {area}?",
        "Is there a guide for getting started with {area}?",
        "How can I move things from {area} into another notebook?",
        "I'm new to Nimbus, how does {area} work?",
        "Quick question: how do I rename items in {area}?",
        "Can you explain the steps to set up {area}?",
        "Which menu has the options for {area}?",
        "How would I print something from {area}?",
    ], [
        "Walk me through getting {area} going, I can't figure out where to begin.",
        "Not sure I understand {area}, what are the steps to try it out?",
        "Where do I tap to reach {area} from the main screen?",
    ]),
    "billing_question": ([
        "I was charged {amount} for {plan} {month} but I expected a lower price.",
        "Can I get an invoice with my company's VAT number for the {plan} plan?",
        "How do I update the credit card you bill for {plan}?",
        "Why does my bank statement show two charges of {amount} {month}?",
        "When does my {plan} subscription renew and how much will it cost?",
        "Is there a discount if I switch {plan} from monthly to yearly billing?",
        "My payment for {plan} failed {month}, what happens to my account?",
        "I need a receipt for the {amount} payment for my expense report.",
        "What currency do you bill in? The {amount} charge looked different.",
        "Can I pay for {plan} with PayPal instead of a card?",
    ], [
        "Our accounts team asks why the {plan} price went up to {amount} {month}.",
        "Please clarify the {amount} line on my statement, is that the {plan} renewal?",
        "Who do I talk to about switching the payer of our {plan} subscription?",
    ]),
    "refund_request": ([
        "Please refund the {amount} I paid for {plan} {month}, I never used it.",
        "I want my money back for {plan}, I bought it by mistake.",
        "I cancelled {plan} {month} and would like a refund of {amount}.",
        "Refund please: I was billed {amount} after my trial ended.",
        "Can you return the {amount} charge? I meant to cancel {plan} before renewal.",
        "I'd like a refund for the duplicate {amount} charge {month}.",
        "{plan} does not do what I need, please give me a refund.",
        "My child bought {plan} without asking, I need the {amount} refunded.",
        "Requesting a full refund of my {plan} purchase from {month}.",
        "Please reverse the {amount} payment and close my {plan} plan.",
    ], [
        "I'd appreciate getting the {amount} credited back to my card, {plan} wasn't for me.",
        "Send the money for {plan} back, the renewal {month} was unwanted.",
        "Could the {amount} from {month} be reimbursed? I won't keep {plan}.",
    ]),
    "login_problem": ([
        "I can't log in on my {device}, it says my password is wrong.",
        "The password reset e-mail never arrives.",
        "I'm locked out after too many sign-in attempts.",
        "The two-factor code from my authenticator app is always rejected.",
        "I changed phones and can't get the 2FA code anymore.",
        "Sign in with Google just spins forever on my {device}.",
        "My account says it doesn't exist but I've used it for years.",
        "Single sign-on for our {plan} workspace stopped letting me in {month}.",
        "The login page keeps sending me back to the start.",
        "I forgot which e-mail address my account uses and can't get in.",
    ], [
        "Access denied every time I enter my credentials on the {device}.",
        "Verification code expired before I could type it, now I'm stuck at the sign-in screen.",
        "Getting 'session invalid' right after entering my username and password.",
    ]),
    "sync_problem": ([
        "My notes are not syncing between my {device} and my {device2}.",
        "Changes I make on my {device} never show up on the web.",
        "Sync has been stuck at 'syncing...' since {month}.",
        "A note I edited on my {device} reverted to an old version after syncing.",
        "I see conflicting copies of the same note after every sync.",
        "New notes from my {device} take hours to appear on my {device2}.",
        "Sync says it's complete but my {device2} is missing a whole notebook.",
        "Deleted notes keep coming back after my {device} syncs.",
        "My {device} shows 'offline' even with wifi, so nothing updates.",
        "The last sync on my {device2} was {month}, it won't refresh.",
    ], [
        "What I write on the {device} is not reaching my {device2} at all.",
        "Two devices, two different versions of my notes, they never agree.",
        "Updates made {month} on the {device2} never propagated anywhere else.",
    ]),
}

OPENERS = ["", "", "Hi,", "Hello,", "Hi team,", "Hey Nimbus support,", "Good morning.", "Hello there,"]
DETAILS = ["", "", "", "I'm on version 5.2.", "I have been a customer since 2021.",
           "This is on my personal account.", "I tried restarting already.", "My colleague has the same thing.",
           "Screenshot available if needed."]
CLOSERS = ["", "", "Thanks!", "Thank you.", "Any help appreciated.", "Regards, Sam", "Cheers, Priya",
           "This is urgent for me.", "Thanks in advance, Lee"]

TRAIN_PER_QUEUE = 50
TEST_PER_QUEUE = 15


def fill(pattern: str, rng: random.Random) -> str:
    device, device2 = rng.sample(DEVICES, 2)
    text = pattern.format(area=rng.choice(AREAS), device=device, device2=device2, plan=rng.choice(PLANS),
                          amount=rng.choice(AMOUNTS), month=rng.choice(MONTHS))
    return text[0].upper() + text[1:]


def ticket(pattern: str, rng: random.Random) -> str:
    parts = [rng.choice(OPENERS), fill(pattern, rng), rng.choice(DETAILS), rng.choice(CLOSERS)]
    return " ".join(part for part in parts if part)


def tickets(patterns: list[str], count: int, rng: random.Random, seen: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        text = ticket(rng.choice(patterns), rng)
        if text not in seen:  # no exact duplicates, within or across files
            seen.add(text)
            out.append(text)
    return out


def main() -> None:
    rng = random.Random(7)
    seen: set[str] = set()
    train: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    for queue, (train_patterns, test_patterns) in PATTERNS.items():
        train += [(text, queue) for text in tickets(train_patterns, TRAIN_PER_QUEUE, rng, seen)]
        test += [(text, queue) for text in tickets(test_patterns, TEST_PER_QUEUE, rng, seen)]
    rng.shuffle(train)
    rng.shuffle(test)
    here = Path(__file__).parent
    for name, rows in (("tickets_train.csv", train), ("tickets_test.csv", test)):
        with open(here / name, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "queue"])
            writer.writerows(rows)
        print(f"wrote {len(rows)} tickets to {here / name}")


if __name__ == "__main__":
    main()
