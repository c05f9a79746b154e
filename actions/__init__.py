"""Custom actions (rasa-sdk). They hold no knowledge of their own: every fact comes from the
knowledge service over HTTP, so guides can be edited and published without retraining Rasa."""
