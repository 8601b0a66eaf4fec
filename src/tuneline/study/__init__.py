"""Method comparison under a fixed compute budget: `tuneline study STUDY.yaml` (docs/study.md)."""
