"""The analysis stage: clauses, embeddings, sentiment and touchpoints for stored feedback."""
