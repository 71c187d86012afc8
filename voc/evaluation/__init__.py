"""Evaluators behind `voc eval`: each reads a labelled file and returns a metrics dict."""
