"""Text cleaning utilities: normalisation and personal-data masking."""
