"""Pain-point topics on the store: fit, stable ids across refits, incremental assignment,
weekly series. The estimator itself is `voc.models.topics.TopicModel`."""
