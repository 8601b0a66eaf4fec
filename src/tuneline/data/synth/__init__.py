"""Synthetic Q&A from documents (`tuneline data synth CONFIG`), the data side: reading a
documents folder (`documents.py`), chunking it (`chunks.py`), the per-chunk cache that makes
a killed run resume (`cache.py`), filters and the written dataset (`dataset.py`) and the
config (`config.py`). The teacher model that writes and checks the pairs is at the eval
level (`tuneline/eval/synth.py`), since it generates with a model."""
