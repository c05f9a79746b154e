"""Hybrid retrieval over the guides: BM25 on jieba tokens + dense e5 vectors in faiss, fused by RRF."""
