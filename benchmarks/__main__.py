"""Run every benchmark, print the numbers and write them to benchmarks/results.json.

    python -m benchmarks            all of them
    python -m benchmarks dsp memory only these
"""

from __future__ import annotations

import importlib
import json
import sys

from benchmarks.results_file import merge, write_top_level

ALL = ["app", "dsp", "display", "latency", "sound", "feedback", "memory", "analysis", "records"]


def main(argv: list[str]) -> int:
    names = argv or ALL
    for name in names:
        try:
            mod = importlib.import_module(f"benchmarks.bench_{name}")
        except ImportError as exc:
            print(f"{name}: skipped ({exc})")
            continue
        print(f"--- {name} ---", flush=True)
        result = mod.run()
        if result is None:
            continue
        merge(name, result)
        print(json.dumps(result, indent=2), flush=True)
    write_top_level()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
