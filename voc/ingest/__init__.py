"""Source adapters (one module per feedback source) and the ingest pipeline."""
