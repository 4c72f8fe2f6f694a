"""OpenBCI Ganglion: 4 channels at 200 Hz in 20-byte notifications (about 100 per second).

Sources (read, not copied):

- OpenBCI Documentation, "Ganglion Data Format" (docs.openbci.com/Ganglion/GanglionDataFormat):
  UUIDs, ``b``/``s`` commands, 24-bit MCP3912 samples, 2 samples per packet.
- BrainFlow ``src/board_controller/openbci/ganglion_native.cpp`` and ``utils/inc/custom_cast.h``
  (2025): firmware chosen from the Software Revision 0x2A28 string's first character; firmware 3
  ids 0-99 = 18-bit, 100-199 = 19-bit fields, decoded as two's complement "minus 1 if negative",
  shifted left 6 / 5; firmware 2 id 0 = raw int24 BE, 1-100 / 101-200 = 18 / 19-bit deltas,
  ``new = last - delta``; ids 201-205 impedance (ASCII ending in 'Z'); scale
  1.2e6 / (8388607 x 1.5 x 51) µV per count.
- OpenBCI_Ganglion_Library (firmware 3.0.2, ``OpenBCI_Ganglion_Library.cpp``,
  ``compressData19``/``compressData18``/``processData``; firmware 2.0.1 at commit 4e19bd3):
  each 19-bit field is sample bits 23..5 with bit 0 overwritten by the sign; the packet id is
  ``ringBufferLevel (+100)``.
- openbci-archive/OpenBCI_NodeJS_Ganglion ``test/openBCIGanglionSample-test.js`` (commit 605b59d):
  firmware-2 delta vectors; sign taken from the least significant bit.

Packet-id sequences, worked out from the firmware sources (not measured on hardware):

- Firmware 3: the id is ``position (+100 in 19-bit mode)``, position 0..99, wrapping 199 -> 100
  (or 99 -> 0 with the accelerometer on). ``processData`` resets its 0..200 sample counter after
  sample 200, whose half-filled packet is never sent: **one sample per 201 is dropped by the
  firmware at every wrap**. The decoder reports it as 1 lost sample (``count_wrap_drop``) so the
  time axis stays true (200 samples per 1.005 s). Also, ``startRunning`` sets the ring level to
  0xFF, so the first packet after ``b`` carries id 99 (19-bit mode, (255 + 100) mod 256) holding
  19-bit data, and that first cycle ends at id 198; the decoder skips that packet and expects the
  short cycle.
- Firmware 2: id 0 (one raw sample), then 100 delta packets with ids 101..200 (or 1..100), then
  id 0 again: 201 samples per cycle, none dropped.

Firmware-2 deltas use the sign-in-LSB convention (as the firmware writes it and as the NodeJS
driver reads it): ``delta = field - 2**bits if field is odd else field``. BrainFlow instead reads
the sign from the top bit and subtracts 1 from negatives, which biases every odd delta by -1 and
lets the error build up over the 100 packets between raw packets; the LSB reading is exact for
odd negative and even positive deltas and unbiased otherwise. Firmware-3 fields are absolute, so
there the BrainFlow reading is kept (it matches the published vector).
"""

from __future__ import annotations

import re

import numpy as np

from app.devices.protocols.base import Decoded, empty
from app.devices.protocols.errors import MalformedPacket

SERVICE_UUID = "0000fe84-0000-1000-8000-00805f9b34fb"
NOTIFY_UUID = "2d30c082-f39f-4ce6-923f-3484ea480596"
WRITE_UUID = "2d30c083-f39f-4ce6-923f-3484ea480596"
DISCONNECT_UUID = "2d30c084-f39f-4ce6-923f-3484ea480596"
SOFTWARE_REVISION_UUID = "00002a28-0000-1000-8000-00805f9b34fb"
START = b"b"
STOP = b"s"
SAMPLE_RATE_HZ = 200.0
N_CHANNELS = 4
PACKET_SIZE = 20
#: MCP3912: Vref 1.2 V, PGA x1.5 (as BrainFlow writes it), front-end gain 51, 24-bit signed.
#: The docs' rounded "15686 / 8388607" is 0.0017 % smaller.
UV_PER_COUNT = 1.2e6 / (8388607.0 * 1.5 * 51.0)

ID_RAW = 0
IDS_IMPEDANCE = range(201, 206)
IDS_TEXT = (206, 207)


def firmware_from_revision(text: str) -> int:
    """Firmware family (2 or 3) from the Software Revision 0x2A28 string ("3.0.2" -> 3).

    BrainFlow only looks at the first character; this takes the first number, so "v3.1" or
    " 3.0.2\\x00" work too. Anything without a major version >= 3 is treated as firmware 2.
    """
    m = re.search(r"\d+", text)
    return 3 if m is not None and int(m.group()) >= 3 else 2


def unpack_fields(data: bytes, bits: int, count: int = 8) -> list[int]:
    """``count`` unsigned ``bits``-bit fields packed MSB-first from the start of ``data``."""
    n_bytes = (count * bits + 7) // 8
    value = int.from_bytes(data[:n_bytes], "big") >> (n_bytes * 8 - count * bits)
    mask = (1 << bits) - 1
    return [(value >> (bits * (count - 1 - k))) & mask for k in range(count)]


def fw3_field_to_count(field: int, bits: int) -> int:
    """A firmware-3 field back to 24-bit counts, BrainFlow style (the low bits are lost)."""
    if field & (1 << (bits - 1)):
        field -= (1 << bits) + 1  # two's complement, then "minus 1 if negative"
    return field << (24 - bits)


def fw2_field_to_delta(field: int, bits: int) -> int:
    """A firmware-2 delta field to a signed delta: the sign is in the least significant bit."""
    return field - (1 << bits) if field & 1 else field


#: packets at most this many positions behind the newest are duplicates or late ones
LATE_WINDOW = 8


class GanglionDecoder:
    """Stateful Ganglion decoder: firmware 2 keeps a running value, both track packet ids.

    ``feed`` returns µV, shape (4, n): n = 2 for compressed packets, 1 for a firmware-2 raw
    packet, 0 for impedance/text packets (counted in ``impedance_packets`` / ``text_packets``)
    and for skipped packets. ``count_wrap_drop`` reports the sample firmware 3 drops at each id
    wrap as lost. ``resync`` decides what firmware 2 does after a lost packet, when the running
    value is off by the lost deltas: "continue" (as BrainFlow: keep going from the last value,
    accepting an offset until the next raw packet, at most one second) or "wait" (emit nothing,
    counting the samples as lost, until the next raw packet).
    """

    n_channels = N_CHANNELS
    unit = "uV"

    def __init__(
        self,
        firmware: int = 3,
        *,
        count_wrap_drop: bool = True,
        resync: str = "continue",
        uv_per_count: float = UV_PER_COUNT,
    ) -> None:
        if firmware not in (2, 3):
            raise ValueError("Ganglion firmware must be 2 or 3")
        if resync not in ("continue", "wait"):
            raise ValueError("resync must be 'continue' or 'wait'")
        self.firmware = firmware
        self.count_wrap_drop = count_wrap_drop
        self.resync = resync
        self.scale = float(uv_per_count)
        self._last_pos: int | None = None
        self._cycle_end = 99  # last position of the current firmware-3 cycle (98 after the start quirk)
        self._last = [0, 0, 0, 0]  # firmware 2 running value, counts
        self._anchored = False  # firmware 2: a raw packet has been seen (time has started)
        self._synced = False  # firmware 2: the running value is exact (no loss since the raw packet)
        self.packets = 0
        self.impedance_packets = 0
        self.text_packets = 0
        self.skipped_packets = 0
        self.late = 0  # duplicated or overtaken packets, dropped

    # -- public -----------------------------------------------------------------------------
    def feed(self, payload: bytes) -> Decoded:
        """Decode one notification from the notify characteristic."""
        if not payload:
            raise MalformedPacket("The Ganglion sent an empty notification.")
        pid = payload[0]
        if pid in IDS_IMPEDANCE:
            self.impedance_packets += 1
            return Decoded(empty(N_CHANNELS), seq=pid)
        if pid in IDS_TEXT:
            self.text_packets += 1
            return Decoded(empty(N_CHANNELS), seq=pid)
        if pid > 207:
            raise MalformedPacket(f"Ganglion packet id {pid} is not a known packet type.")
        if len(payload) != PACKET_SIZE:
            raise MalformedPacket(f"Ganglion sample packet {pid} has {len(payload)} bytes instead of {PACKET_SIZE}.")
        self.packets += 1
        return self._fw3(pid, payload) if self.firmware == 3 else self._fw2(pid, payload)

    def _is_late(self, pos: int) -> bool:
        """The same position again, or one at most ``LATE_WINDOW`` behind the newest (a cycle has
        100 or 101 positions, so a wrap is never that close): a duplicated or overtaken packet,
        dropped and counted rather than taken as nearly a whole cycle lost."""
        last = self._last_pos
        if last is not None and 0 <= last - pos <= LATE_WINDOW:
            self.late += 1
            return True
        return False

    # -- firmware 3 -------------------------------------------------------------------------
    def _fw3(self, pid: int, payload: bytes) -> Decoded:
        if pid >= 200:
            raise MalformedPacket(f"Ganglion packet id {pid} is not used by firmware 3.")
        pos = pid % 100
        if self._last_pos is None and pid == 99:
            # firmware 3.0.x start quirk: ring level 0xFF -> id 99 carrying 19-bit data
            self.skipped_packets += 1
            self._last_pos, self._cycle_end = -1, 98
            return Decoded(empty(N_CHANNELS), seq=pid)
        if self._is_late(pos):
            return Decoded(empty(N_CHANNELS), seq=pid)
        lost_packets, lost_samples = self._fw3_loss(pos)
        bits = 19 if pid >= 100 else 18
        fields = unpack_fields(payload[1:], bits)
        counts = np.array([fw3_field_to_count(f, bits) for f in fields], dtype=np.float64)
        samples = np.multiply(counts.reshape(2, N_CHANNELS).T, self.scale, order="C")
        return Decoded(samples, lost_samples, lost_packets, pid)

    def _fw3_loss(self, pos: int) -> tuple[int, int]:
        last = self._last_pos
        self._last_pos = pos
        if last is None:
            return 0, 0
        if pos > last:
            missing = pos - last - 1
            wrapped = False
        else:  # crossed the end of a cycle
            missing = (max(self._cycle_end, last) - last) + pos
            wrapped = True
            self._cycle_end = 99
        return missing, 2 * missing + (1 if wrapped and self.count_wrap_drop else 0)

    # -- firmware 2 -------------------------------------------------------------------------
    def _fw2(self, pid: int, payload: bytes) -> Decoded:
        pos = pid if pid <= 100 else pid - 100  # 0 = raw, 1..100 = delta packets
        if not self._anchored and pid != ID_RAW:
            # before the first raw packet the running value is unknown and time has not started
            self.skipped_packets += 1
            self._last_pos = pos
            return Decoded(empty(N_CHANNELS), seq=pid)
        if self._is_late(pos):  # a delta applied twice would shift every later sample
            return Decoded(empty(N_CHANNELS), seq=pid)
        lost_packets, lost_samples = self._fw2_loss(pos)
        if pid == ID_RAW:
            self._last = [int.from_bytes(payload[1 + 3 * c : 4 + 3 * c], "big", signed=True) for c in range(4)]
            self._anchored = self._synced = True
            samples = np.array(self._last, dtype=np.float64)[:, None] * self.scale
            return Decoded(samples, lost_samples, lost_packets, pid)
        if lost_packets and self.resync == "wait":
            self._synced = False
        if not self._synced:  # waiting for a raw packet: this packet's 2 samples are lost too
            self.skipped_packets += 1
            return Decoded(empty(N_CHANNELS), lost_samples + 2, lost_packets, pid)
        bits = 18 if pid <= 100 else 19
        d = [fw2_field_to_delta(f, bits) for f in unpack_fields(payload[1:], bits)]
        a = self._last
        s1 = [a[0] - d[0], a[1] - d[1], a[2] - d[2], a[3] - d[3]]
        s2 = [s1[0] - d[4], s1[1] - d[5], s1[2] - d[6], s1[3] - d[7]]
        self._last = s2
        samples = np.multiply(np.array([s1, s2], dtype=np.float64).T, self.scale, order="C")
        return Decoded(samples, lost_samples, lost_packets, pid)

    def _fw2_loss(self, pos: int) -> tuple[int, int]:
        last = self._last_pos
        self._last_pos = pos
        if last is None or not self._anchored:
            return 0, 0
        missing = (pos - last - 1) % 101
        if missing == 0:
            return 0, 0
        raw_missing = pos != 0 and pos <= last  # the cycle's one-sample raw packet was among them
        return missing, 2 * missing - (1 if raw_missing else 0)
