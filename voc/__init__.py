"""voc: voice-of-customer text mining for Chinese financial institutions.

Importing the package does no work: no environment reads, no model loads.
"""

__version__ = "0.1.0"
