"""Scripts that print latency, throughput and memory figures. Run them as modules from the repository
root (`.venv/service/bin/python -m benchmarks.dialogue_load`), so `knowledge`, `tests` and the other
benchmarks import as packages."""
