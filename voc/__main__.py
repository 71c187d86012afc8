"""`python -m voc` runs the command line."""

from voc.cli import main

main()
