"""Safety audit: red-team and benign prompt sets, refusal/harm detectors, rates with
intervals, baseline comparison, and the release gate (docs/safety.md)."""
