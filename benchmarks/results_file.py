"""Merge one benchmark's numbers into benchmarks/results.json (each benchmark owns one key)."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def merge(key: str, numbers: dict[str, Any]) -> None:
    data: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            data = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            data = {}
    numbers = dict(numbers)
    numbers["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    numbers["machine"] = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    data[key] = numbers
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_top_level() -> None:
    """The summary keys (``summary.top_level``) next to the sections they come from."""
    from benchmarks.summary import top_level

    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data.update(top_level(data))
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0
