"""Lab Streaming Layer (LSL) plumbing shared by the LSL inlet source and the session's outlet.

LSL (https://labstreaminglayer.readthedocs.io) moves time-stamped samples between programs on a
lab network: outlets announce streams by UDP multicast/broadcast, inlets resolve them by name or
type and pull samples over TCP. ``pylsl``'s wheels bundle liblsl, so nothing is installed on
the system. liblsl reads its configuration (``lsl_api.cfg``) once, at its first call: from the
file named by ``LSLAPICFG``, else ``./lsl_api.cfg``, ``~/lsl_api/lsl_api.cfg`` or
``/etc/lsl_api/lsl_api.cfg``. A lab's own file always wins; without one we only lower liblsl's
log level, so ``glutefire record`` does not print liblsl's start-up lines (docs/lsl.md).

Channel metadata follows the XDF meta-data conventions for EMG
(https://github.com/sccn/xdf/wiki/EMG-Meta-Data): ``desc/channels/channel/{label,unit,type}``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from app.errors import UserError

#: liblsl's log level when nobody configured it: errors only (loguru verbosity: -2 = ERROR)
QUIET_CONFIG = "[log]\nlevel = -2\n"
_lock = threading.Lock()
_module: ModuleType | None = None

#: LSL unit names (XDF conventions) and what one of them is in µV
UNIT_SCALE_TO_UV = {"microvolts": 1.0, "microvolt": 1.0, "uv": 1.0, "µv": 1.0, "μv": 1.0,
                    "millivolts": 1e3, "millivolt": 1e3, "mv": 1e3, "volts": 1e6, "volt": 1e6, "v": 1e6}
#: our channel units as LSL names them
LSL_UNIT = {"uV": "microvolts", "mV": "millivolts", "counts": "counts"}


def _user_config_exists() -> bool:
    if os.environ.get("LSLAPICFG"):
        return True
    places = (Path.cwd() / "lsl_api.cfg", Path.home() / "lsl_api" / "lsl_api.cfg", Path("/etc/lsl_api/lsl_api.cfg"))
    return any(p.is_file() for p in places)


def pylsl() -> ModuleType:
    """The ``pylsl`` module, its liblsl loaded and configured once; ``UserError`` when this
    computer cannot load liblsl (an unusual platform without a wheel)."""
    global _module
    with _lock:
        if _module is None:
            try:
                import pylsl as module
            except (ImportError, RuntimeError, OSError) as exc:
                raise UserError(f"Lab Streaming Layer is not available on this computer ({exc}).") from None
            if not _user_config_exists():
                module.util.set_config_content(QUIET_CONFIG)
            _module = module
        return _module


def local_clock() -> float:
    """LSL's clock (seconds, monotonic; the time base of every LSL time stamp)."""
    return float(pylsl().local_clock())


@dataclass(frozen=True)
class LslStream:
    """A stream found on the network: enough to list it and to pick it again by name."""

    name: str
    type: str
    channel_count: int
    sample_rate_hz: float
    source_id: str
    hostname: str
    numeric: bool  # False for string (marker) streams

    def line(self) -> str:
        """One line for ``glutefire scan --lsl``: 'name  type  8 ch  2000 Hz  host (source id)'."""
        rate = f"{self.sample_rate_hz:g} Hz" if self.sample_rate_hz > 0 else "irregular"
        sid = f" ({self.source_id})" if self.source_id else ""
        return f"{self.name}\t{self.type}\t{self.channel_count} ch\t{rate}\t{self.hostname}{sid}"

    @property
    def usable(self) -> bool:
        """Whether it can be an EMG source: numeric samples at a regular rate."""
        return self.numeric and self.sample_rate_hz > 0


def describe(info: Any) -> LslStream:
    """An ``LslStream`` from a ``pylsl.StreamInfo``."""
    numeric = info.channel_format() != pylsl().lib.cf_string
    return LslStream(info.name(), info.type(), int(info.channel_count()), float(info.nominal_srate()),
                     info.source_id(), info.hostname(), numeric)


def find_streams(wait_s: float = 1.0, usable_only: bool = True) -> list[LslStream]:
    """The LSL streams visible now (``wait_s`` of listening), EMG-capable ones only by default,
    EMG-typed first; each name once (the first host that answers)."""
    found = sorted((describe(i) for i in pylsl().resolve_streams(wait_time=wait_s)),
                   key=lambda s: (s.type.upper() != "EMG", s.name.lower()))
    streams: dict[str, LslStream] = {}
    for s in found:
        if s.usable or not usable_only:
            streams.setdefault(s.name, s)
    return list(streams.values())


def scan_lines(wait_s: float) -> int:
    """``glutefire scan --lsl``: one line per EMG-capable stream on stdout; 1 when there is none."""
    import sys

    found = find_streams(wait_s)
    if not found:
        print(f"No LSL EMG stream answered in {wait_s:g} s; is the program that sends it running?", file=sys.stderr)
        return 1
    for s in found:
        print(s.line())
    print("Record one with: glutefire record --device lsl:NAME --seconds S --out FILE.csv", file=sys.stderr)
    return 0
