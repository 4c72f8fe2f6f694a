"""The protocol registry and device recognition from scan results."""

from __future__ import annotations

import dataclasses

import pytest

from app.devices.protocols import PROTOCOLS, detect_protocol, normalize_uuid, openpatch


def test_registry_keys_and_fields():
    assert list(PROTOCOLS) == ["ganglion", "myo", "myoware", "openpatch"]
    for key, info in PROTOCOLS.items():
        assert info.key == key and info.name and info.unit in ("uV", "counts", "mV")
        assert info.service_uuids and info.notify_uuids
        assert all(u == u.lower() and len(u) == 36 for u in info.service_uuids + info.notify_uuids)
        with pytest.raises(dataclasses.FrozenInstanceError):
            info.key = "x"  # type: ignore[misc]
    assert PROTOCOLS["myo"].notify_uuids[1].startswith("d5060205")
    assert PROTOCOLS["myo"].start_commands[-1] == bytes.fromhex("0103030100")
    assert PROTOCOLS["ganglion"].start_commands == (b"b",) and PROTOCOLS["ganglion"].stop_commands == (b"s",)
    assert PROTOCOLS["myoware"].sample_rate_hz is None and PROTOCOLS["myoware"].command_uuid is None
    assert PROTOCOLS["openpatch"].n_channels is None and PROTOCOLS["openpatch"].start_commands == (b"\x01",)


@pytest.mark.parametrize(
    "name,uuids,key",
    [
        ("Ganglion-1a2b", ["0000fe84-0000-1000-8000-00805f9b34fb"], "ganglion"),
        (None, ["FE84"], "ganglion"),
        ("Simblee", [], "ganglion"),
        ("Ganglion-1a2b", [], "ganglion"),
        ("My Myo", ["d5060001-a904-deb9-4748-2c7f4a124842"], "myo"),
        ("MyoWareSensor1", ["EC3AF789-2154-49F4-A9FC-BC6C88E9E930"], "myoware"),
        ("MyoWareSensor1", [], "myoware"),
        ("MyoW1", ["6E400001-B5A3-F393-E0A9-E50E24DCCA9E"], "myoware"),
        ("Nordic_UART", ["6E400001-B5A3-F393-E0A9-E50E24DCCA9E"], None),
        ("Myo", [], "myo"),
        ("anything", [openpatch.SERVICE_UUID.upper()], "openpatch"),
        ("OpenPatch-L", [], "openpatch"),
        ("Headphones", ["0000110b-0000-1000-8000-00805f9b34fb"], None),
        (None, [], None),
        ("", [], None),
    ],
)
def test_detect_protocol(name, uuids, key):
    assert detect_protocol(name, uuids) == key


def test_normalize_uuid():
    assert normalize_uuid("FE84") == "0000fe84-0000-1000-8000-00805f9b34fb"
    assert normalize_uuid("0000180F") == "0000180f-0000-1000-8000-00805f9b34fb"
    assert normalize_uuid(" 2B950001-592B-4DC7-B758-27C2330DFEE7 ") == openpatch.SERVICE_UUID


def test_every_protocol_has_a_bluetooth_adapter_and_the_cli_offers_exactly_these():
    from app.cli import build_parser
    from app.devices.ble_adapters import ADAPTERS

    assert set(ADAPTERS) == set(PROTOCOLS)
    record = build_parser()._subparsers._group_actions[0].choices["record"]  # type: ignore[union-attr]
    (proto,) = [a for a in record._actions if a.dest == "protocol"]
    assert list(proto.choices) == sorted(PROTOCOLS)
