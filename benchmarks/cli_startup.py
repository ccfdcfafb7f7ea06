"""How long `oligomet --help` (and `import oligomet`) take in a fresh process.

Target: `oligomet --help` answers in under 0.5 s, which holds only while heavy libraries (MLflow,
scikit-learn, anndata, matplotlib) are imported inside the commands that need them.

Usage::

    python benchmarks/cli_startup.py [--repeats 15] [--target 0.5]

Prints a Markdown table (paste it into benchmarks/README.md) and exits 1 when the median of
`oligomet --help` misses the target. Each timing is a new process: wall-clock from spawn to exit.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _time(command: list[str], repeats: int) -> list[float]:
    subprocess.run(command, check=True, capture_output=True)  # warm the OS file cache
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        timings.append(time.perf_counter() - start)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--target", type=float, default=0.5, help="seconds, for --help")
    args = parser.parse_args()

    script = Path(sys.executable).with_name("oligomet")
    oligomet = str(script) if script.exists() else shutil.which("oligomet")
    if oligomet is None:
        sys.exit("oligomet is not installed in this environment (pip install -e .)")
    cases = {
        "`oligomet --help`": [oligomet, "--help"],
        "`oligomet train --help`": [oligomet, "train", "--help"],
        "`python -c 'import oligomet'`": [sys.executable, "-c", "import oligomet"],
        "`python -c 'pass'` (interpreter alone)": [sys.executable, "-c", "pass"],
    }
    print("| command | median (s) | min (s) | max (s) | runs |\n|---|---|---|---|---|")
    medians = {}
    for label, command in cases.items():
        timings = _time(command, args.repeats)
        medians[label] = statistics.median(timings)
        print(
            f"| {label} | {medians[label]:.3f} | {min(timings):.3f} | {max(timings):.3f} "
            f"| {len(timings)} |"
        )
    help_median = medians["`oligomet --help`"]
    verdict = "meets" if help_median < args.target else "MISSES"
    print(f"\n`oligomet --help` median {help_median:.3f} s {verdict} the {args.target} s target.")
    return 0 if help_median < args.target else 1


if __name__ == "__main__":
    sys.exit(main())
