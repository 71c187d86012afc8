"""Models: encoders, sentiment, touchpoints, topics. Nothing loads at import."""
