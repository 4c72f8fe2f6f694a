"""``glutefire scan`` and ``glutefire record --device ...`` against the fake BlueZ."""

from __future__ import annotations

import numpy as np
import pytest

from app.cli import main
from app.devices.ble_loop import stop_shared_loop
from app.devices.protocols import openpatch
from app.storage.reader import load_recording
from tests.ble import encoders
from tests.ble.fake_bluez import FakeCharacteristic, FakeDevice, FakeService

pytestmark = pytest.mark.ble


@pytest.fixture(scope="module")
def patch(fake_bluez):
    fs = 500
    counts = (np.arange(fs * 6) % 3000).reshape(1, -1)
    pkts = encoders.openpatch_packets(counts, fs, 2.0)
    per_s = fs / openpatch.frames_per_packet(1)

    def on_write(value: bytes) -> None:
        if value == openpatch.START:
            fake_bluez.stream("AA:00:00:00:02:01", openpatch.DATA_UUID, pkts, per_s)

    fake_bluez.add_device(FakeDevice("AA:00:00:00:02:01", "CliPatch", [FakeService(openpatch.SERVICE_UUID, [
        FakeCharacteristic(openpatch.DATA_UUID, ["notify"]),
        FakeCharacteristic(openpatch.CONTROL_UUID, ["write"], on_write=on_write),
    ])], rssi=-42))
    yield counts
    stop_shared_loop()  # the app-wide loop is bound to this module's D-Bus daemon


def test_scan_prints_one_line_per_patch(patch, capsys):
    assert main(["scan", "--seconds", "1.5"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    mine = [ln for ln in lines if "AA:00:00:00:02:01" in ln]
    assert mine == ["AA:00:00:00:02:01  CliPatch  openpatch (DIY)  -42 dBm"] or (
        len(mine) == 1 and "CliPatch" in mine[0] and "openpatch" in mine[0] and "dBm" in mine[0]
    )


def test_record_from_a_patch_by_name_with_labels(patch, tmp_path, capsys):
    out = tmp_path / "patch.csv"
    code = main(["record", "--device", "CliPatch", "--seconds", "2", "--out", str(out),
                 "--channels", "gluteus_medius_R", "--quiet"])
    assert code == 0
    r = load_recording(out)
    assert r.labels == ("gluteus_medius_R",) and r.sample_rate_hz == 500.0
    assert r.data.shape == (1, 1000)
    np.testing.assert_allclose(r.data[0], patch[0, :1000] * 2.0, atol=5e-4)
    assert r.metadata["device_kind"] == "openpatch" and r.metadata["address"] == "AA:00:00:00:02:01"


def test_record_wrong_label_count_is_one_sentence(patch, tmp_path, capsys):
    code = main(["record", "--device", "CliPatch", "--seconds", "1", "--out", str(tmp_path / "x.csv"),
                 "--channels", "gluteus_maximus_L,hamstring_L", "--quiet"])
    assert code == 2
    assert "has 1 channels but 2 labels" in capsys.readouterr().err
