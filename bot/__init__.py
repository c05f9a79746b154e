"""The Rasa project: domain, training data, tests and custom NLU components."""
