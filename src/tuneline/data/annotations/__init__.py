"""Human preference annotations on a real database (SQLite by default, any SQLAlchemy URL):
the store (`store.py`), agreement between annotators (`agreement.py`), and the export to
canonical preference records (`export.py`) that `format: annotations` datasets read."""
