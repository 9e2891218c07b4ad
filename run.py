#!/usr/bin/env python3
"""powershift command line: list, run and validate scenarios; search coalition landscapes.

The commands live in ``powershift.analysis.cli`` (also installed as the ``powershift`` script); this file
runs them from a checkout. ``main`` is re-exported for callers that ``import run``.
"""

import sys

from powershift.analysis.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
