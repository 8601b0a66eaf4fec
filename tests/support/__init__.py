"""Helpers the test folders share (importable because pytest puts tests/, the folder of the
root conftest.py, on sys.path)."""
