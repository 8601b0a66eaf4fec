"""Curation: duplicates (dedupe), personal data (pii), filters, leakage and pair checks (curate)."""
