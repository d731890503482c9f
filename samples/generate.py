"""Regenerates the sample files in this folder: `python samples/generate.py [--today YYYY-MM-DD]`.

The participants' dates are relative to `today` (the edges are "resigned 2 weeks ago",
"turns 56 today"); `jht serve` makes a fresh set for its own day on first start."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from claims.sample_data import write_samples

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    arguments = parser.parse_args()
    write_samples(Path(__file__).parent, arguments.today)
