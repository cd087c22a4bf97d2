"""The index and search: embeddings, the catalog, records, vectors, BM25, the Chroma index, precedent search and ranking."""
