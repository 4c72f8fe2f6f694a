"""A private dbus-daemon for the fake BlueZ, and a ``bluetoothctl`` stub for bleak's version check."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="reply_timeout">60000</limit>
</busconfig>
"""


@dataclass
class PrivateBus:
    address: str
    process: subprocess.Popen[str]
    tmpdir: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def start_private_bus() -> PrivateBus:
    """Run dbus-daemon in the foreground as our child (so it is reaped, never a zombie)."""
    exe = shutil.which("dbus-daemon")
    if exe is None:
        raise RuntimeError("dbus-daemon is not installed (python3 dev.py test installs it)")
    tmp = Path(tempfile.mkdtemp(prefix="glutefire-dbus-"))
    conf = tmp / "bus.conf"
    conf.write_text(CONFIG.format(socket=tmp / "bus"))
    proc = subprocess.Popen(
        [exe, f"--config-file={conf}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    if not address:
        proc.kill()
        proc.wait()
        raise RuntimeError("dbus-daemon did not start")
    return PrivateBus(address=address, process=proc, tmpdir=tmp)


def bluetoothctl_stub_dir(parent: Path) -> Path:
    """A folder under ``parent`` (the test's temp dir, cleaned up by pytest) with a
    ``bluetoothctl`` that reports BlueZ 5.66 (bleak checks the version)."""
    d = parent / "btctl"
    d.mkdir(parents=True, exist_ok=True)
    stub = d / "bluetoothctl"
    stub.write_text("#!/bin/sh\necho 'bluetoothctl: 5.66'\n")
    stub.chmod(0o755)
    return d
