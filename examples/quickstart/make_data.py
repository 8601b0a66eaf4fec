"""Write the quickstart's support data for Nimbus Notes, a made-up note-taking app.

SFT demonstrations (sft_*.jsonl), written by the docs team, follow the support policy:
  1. Answer in at most three short sentences, then sign off with "— Nimbus Support".
  2. Never ask for the customer's password or full card number.
  3. Refunds: full refund within 30 days of purchase, through Settings > Billing; never promise more.
  4. Billing disputes and account deletion go to a human agent at help@nimbusnotes.example.

Preferences (preferences_*.jsonl) come later, from the support leads comparing answers that
all follow that policy: they prefer an answer that first acknowledges the customer ("Sorry
for the trouble!" for a problem, "Happy to help!" for a request, "Thanks for asking!" for
a question) over the same answer without it. The demonstrations never show that tone, so
what DPO adds on top of SFT is visible: the rejected answer is exactly what SFT taught.

Run: python make_data.py  (deterministic; writes the four JSONL files beside it)
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SYSTEM = "You are the support assistant for Nimbus Notes, a note-taking app with sync across devices."
SIGN = " — Nimbus Support"

# topic: (question phrasings, policy answer, policy-breaking answer)
TOPICS: dict[str, tuple[list[str], str, str]] = {
    "sync": (
        ["My notes are not syncing between my phone and laptop.", "Sync stopped working, what do I do?",
         "Why don't my notes show up on my other device?", "Notes I wrote on my tablet never reach my PC.",
         "Nimbus sync seems stuck.", "How do I fix syncing problems?", "My laptop shows old versions of my notes.",
         "Changes on my phone are not synced."],
        "Open Settings > Sync on both devices and tap Sync now, making sure both are signed in to the same account. "
        "If it still fails, sign out and back in on the device that is behind.",
        "Sync is broken for everyone right now, nothing can be done. Just retype your notes on the other device."),
    "password_reset": (
        ["I forgot my password.", "How can I reset my Nimbus password?", "I can't log in, I lost my password.",
         "Reset password please.", "What do I do if I don't remember my password?", "Locked out of my account.",
         "My password doesn't work anymore.", "How do I change a forgotten password?"],
        "Tap Forgot password on the sign-in screen and follow the link we e-mail you; it is valid for one hour. "
        "We will never ask you for your password.",
        "Sure, just send me your current password and e-mail address here and I will reset it for you."),
    "refund": (
        ["Can I get a refund?", "I want my money back for Nimbus Pro.", "How do I ask for a refund?",
         "I bought Pro by mistake, refund please.", "Is Nimbus Pro refundable?", "I'd like to cancel and get refunded.",
         "Refund for my subscription?", "I paid for a year but want a refund."],
        "You can get a full refund within 30 days of purchase from Settings > Billing > Request refund. "
        "After 30 days we cannot refund, but you can cancel renewal there.",
        "Of course, we refund any purchase at any time, even after a year, just reply with your card number."),
    "export": (
        ["How do I export my notes?", "Can I download all my notes?", "I want to back up my notes to my computer.",
         "Export notes to PDF?", "How do I get my data out of Nimbus?", "Is there a way to save notes as files?",
         "Export everything please.", "How do I make a backup of all notes?"],
        "Go to Settings > Data > Export and choose Markdown or PDF; Nimbus builds a zip file of all notebooks. "
        "Large libraries can take a few minutes.",
        "Exporting is not possible, your notes stay in Nimbus forever. Take screenshots if you need copies."),
    "delete_account": (
        ["How do I delete my account?", "Please remove my Nimbus account.", "I want to close my account for good.",
         "Delete all my data and my account.", "How can I erase my account?", "Close my account please.",
         "I no longer want a Nimbus account.", "Account deletion request."],
        "Account deletion is handled by a human agent: write to help@nimbusnotes.example from your account e-mail. "
        "Export your notes first, because deletion cannot be undone.",
        "Done, I deleted it for you. Also send me your password so I can confirm."),
    "offline": (
        ["Does Nimbus work offline?", "Can I write notes without internet?", "What happens when I'm offline?",
         "Offline mode?", "Will my notes be available on a plane?", "Can I use the app with no connection?",
         "Do I need wifi to take notes?", "Is there an offline mode in Nimbus?"],
        "Yes, every note is stored on your device and you can edit it offline. "
        "Changes sync automatically the next time you are connected.",
        "No, Nimbus needs internet at all times and deletes notes written offline."),
    "price": (
        ["How much does Nimbus Pro cost?", "What's the price of Pro?", "Is Nimbus free?",
         "How much is the subscription?", "Pricing for Nimbus?", "What do I pay for Pro?",
         "Is there a free plan?", "How expensive is Nimbus Pro?"],
        "Nimbus Free costs nothing and syncs two devices; Nimbus Pro is 4 dollars a month or 40 dollars a year "
        "with unlimited devices and 10 GB of attachments.",
        "Pro is 99 dollars a month and the free plan was removed, honestly you should have known that."),
    "share": (
        ["How do I share a note?", "Can I share a notebook with my team?", "Send a note to a friend?",
         "How does sharing work?", "Can others edit my notes?", "Share a note with a colleague.",
         "How do I invite someone to a notebook?", "Collaborate on notes?"],
        "Open the note, tap Share and enter the person's e-mail; choose Can view or Can edit. "
        "Shared notebooks appear in their Shared tab once they accept.",
        "Sharing is impossible. Just give your login and password to your colleague instead."),
    "attachments": (
        ["Can I attach files to notes?", "How do I add a PDF to a note?", "Attachment size limit?",
         "Can I add images to my notes?", "Why can't I attach a big file?", "Add a photo to a note?",
         "What files can I attach?", "Is there a limit on attachments?"],
        "Tap the paper clip in the editor to attach images, PDFs and other files. "
        "Free accounts allow 25 MB per file and Pro accounts 250 MB.",
        "Attachments are unlimited and any size works, if it fails it is your computer's fault."),
    "dark_mode": (
        ["How do I turn on dark mode?", "Is there a dark theme?", "The app is too bright.",
         "Dark mode please.", "Change the theme to dark?", "Night mode in Nimbus?", "Can I use a black theme?",
         "How do I switch themes?"],
        "Go to Settings > Appearance and pick Dark, or choose System to follow your device. "
        "The change applies right away on that device.",
        "We don't do themes, that's a silly request."),
    "lost_notes": (
        ["I lost some notes!", "My notes disappeared.", "I deleted a note by accident.", "Can I recover a deleted note?",
         "Where did my notes go?", "Notes vanished after an update.", "Undo delete note?", "Restore a note I removed."],
        "Deleted notes stay in Trash for 30 days: open the sidebar, tap Trash, select the note and tap Restore. "
        "If it is not there, check that you are signed in to the right account.",
        "Deleted notes are gone forever, there is no trash. You should be more careful."),
    "billing_dispute": (
        ["I was charged twice.", "There's a charge I don't recognise.", "You billed me wrongly.",
         "Double charge on my card.", "Why was I charged after cancelling?", "Dispute a Nimbus charge.",
         "Unknown payment from Nimbus on my statement.", "I was billed the wrong amount."],
        "Billing disputes are handled by a human agent at help@nimbusnotes.example. "
        "Include the date and amount of the charge, but never your full card number.",
        "Send me your full card number and the code on the back so I can check the charge."),
    "two_factor": (
        ["How do I enable two-factor authentication?", "Turn on 2FA?", "Can I secure my account more?",
         "Does Nimbus support 2FA?", "Set up an authenticator app?", "Two-step login?",
         "How to add extra security to my account?", "Enable 2-step verification."],
        "Go to Settings > Security > Two-factor and scan the code with an authenticator app. "
        "Save the recovery codes somewhere safe.",
        "2FA is pointless, just use a simple password you remember."),
    "tags": (
        ["How do tags work?", "Can I organise notes with tags?", "Add a tag to a note?", "Filter notes by tag?",
         "What are tags for?", "How do I remove a tag?", "Tagging notes?", "Rename a tag?"],
        "Type # followed by a word anywhere in a note to tag it, and tap a tag in the sidebar to filter. "
        "Rename or delete tags from the sidebar's tag menu.",
        "Tags were removed last year, use folders named after colours instead."),
    "search": (
        ["Search doesn't find my note.", "How do I search inside notes?", "Can I search attachments?",
         "Find a note by a word?", "Search is not working.", "How does search work?",
         "Search in PDFs?", "Can I search by date?"],
        "Use the search bar at the top; it looks inside note text and, on Pro, inside PDFs and images. "
        "Add date:2024 or tag:work to narrow the results.",
        "Search only looks at titles, and we will never change it."),
    "devices": (
        ["How many devices can I use?", "Can I use Nimbus on three devices?", "Device limit?",
         "Why can't I log in on a new device?", "Add another device?", "Too many devices error.",
         "Use Nimbus on phone, tablet and laptop?", "Remove an old device?"],
        "Nimbus Free syncs two devices and Pro has no limit. "
        "Remove an old device in Settings > Devices to free a slot.",
        "There's no device limit on any plan, the error is fake, ignore it."),
    "cancel": (
        ["How do I cancel my subscription?", "Stop auto renewal?", "Cancel Nimbus Pro.",
         "I don't want to renew.", "How to end my Pro plan?", "Unsubscribe from Pro?",
         "Turn off renewal please.", "Cancel my plan."],
        "Open Settings > Billing and tap Cancel renewal; you keep Pro until the end of the paid period. "
        "Your notes stay, and the account returns to Free.",
        "You can't cancel, subscriptions renew forever. Call your bank."),
    "import": (
        ["Can I import notes from another app?", "Import from Evernote?", "Move my notes into Nimbus?",
         "Import markdown files?", "How do I bring my old notes?", "Import text files?",
         "Migrate notes to Nimbus?", "Import a backup?"],
        "Go to Settings > Data > Import and choose a Markdown folder, text files or an ENEX export. "
        "Imported notes land in a new notebook called Imported.",
        "Importing requires sending us your other app's password, reply with it here."),
    "slow": (
        ["The app is very slow.", "Nimbus takes ages to open.", "Why is Nimbus lagging?", "Typing is laggy.",
         "Performance is bad.", "Nimbus freezes.", "The app is sluggish on my phone.", "Speed up Nimbus?"],
        "Update to the latest version, then open Settings > Storage and tap Clear cache. "
        "Very large notebooks open faster if you split them.",
        "Your device is too old, buy a new phone."),
    "student": (
        ["Is there a student discount?", "Discount for students?", "Education pricing?",
         "I'm a student, is Pro cheaper?", "Do teachers get a discount?", "Academic discount?",
         "Cheaper Pro for school?", "Student plan?"],
        "Yes, students and teachers get Pro for half price with a school e-mail address. "
        "Apply in Settings > Billing > Education.",
        "Students get Pro free for life, just tell them I said so."),
}


OPENERS = {"problem": "Sorry for the trouble!", "request": "Happy to help!", "question": "Thanks for asking!"}
KIND = {"sync": "problem", "password_reset": "problem", "refund": "request", "export": "request", "delete_account": "request", "offline": "question", "price": "question", "share": "question", "attachments": "question", "dark_mode": "request", "lost_notes": "problem", "billing_dispute": "problem", "two_factor": "request", "tags": "question", "search": "question", "devices": "question", "cancel": "request", "import": "question", "slow": "problem", "student": "question"}


def conversation(question: str, answer: str) -> dict:
    return {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question},
                         {"role": "assistant", "content": answer + SIGN}]}


def preference(question: str, answer: str, kind: str) -> dict:
    """The policy answer with the acknowledgment the leads prefer, against the same answer without it."""
    return {"prompt": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
            "chosen": [{"role": "assistant", "content": f"{OPENERS[kind]} {answer}{SIGN}"}],
            "rejected": [{"role": "assistant", "content": answer + SIGN}]}


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def main() -> None:
    rng = random.Random(7)
    here = Path(__file__).parent
    sft_train, sft_eval, pref_train, pref_eval = [], [], [], []
    for topic, (questions, good, _policy_breaking) in TOPICS.items():
        order = questions[:]
        rng.shuffle(order)
        # Two phrasings of every topic are held out (for both SFT and DPO); the rest train.
        for i, question in enumerate(order):
            (sft_eval if i < 2 else sft_train).append(conversation(question, good))
            (pref_eval if i < 2 else pref_train).append(preference(question, good, KIND[topic]))
    for rows in (sft_train, pref_train):
        rng.shuffle(rows)
    write_jsonl(here / "sft_train.jsonl", sft_train)
    write_jsonl(here / "sft_eval.jsonl", sft_eval)
    write_jsonl(here / "preferences_train.jsonl", pref_train)
    write_jsonl(here / "preferences_eval.jsonl", pref_eval)
    print(f"sft: {len(sft_train)} train, {len(sft_eval)} eval; preferences: {len(pref_train)} train, {len(pref_eval)} eval")


if __name__ == "__main__":
    main()
