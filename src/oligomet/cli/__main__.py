"""``python -m oligomet.cli``."""

from ._app import main

main()
