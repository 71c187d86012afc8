"""Errors raised while reading input files."""

from __future__ import annotations


class RowError(ValueError):
    """One row is malformed; the row is rejected and reading goes on."""


class FileError(ValueError):
    """The whole file cannot be read (missing, wrong format, undecodable header)."""
