"""AI feedback: a written constitution, critique-and-revise, and judges that compare
answers under it (docs/feedback.md). Used by the `constitution` and `ai_feedback` stages."""
