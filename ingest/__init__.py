"""newsbot's write side: read, clean, date, chunk, embed and store news articles.

The index contract lives here; ``bot`` opens the index through :func:`ingest.store.open_index`.
"""
