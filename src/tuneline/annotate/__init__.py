"""`tuneline annotate`: the preference-collection web app (`app.py`, `pages.py`), its config
(`config.py`), and the ways candidates come in (`candidates.py`: a JSONL file, local models
or adapters, an OpenAI-compatible endpoint, the server's request log). The database itself
lives in `tuneline.data.annotations`, so the data loader can read it."""
