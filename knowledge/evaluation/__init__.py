"""Retrieval evaluation on citizen-style questions (questions.yml)."""
