"""The command line: record -> CSV -> analyze finds the scenario's bursts; mistakes are one sentence."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from app.analysis.mvic import MvicReference
from app.cli import build_parser, main
from app.devices.simulator import SimulatedPatch


def record(tmp_path, scenario: str, seconds: float, channels: str, rate: int = 1000, seed: int = 5):
    out = tmp_path / f"{scenario}.csv"
    code = main(
        [
            "record", "--device", "sim", "--scenario", scenario, "--seconds", str(seconds),
            "--out", str(out), "--channels", channels, "--rate", str(rate), "--seed", str(seed),
            "--speed", "25", "--quiet",
        ]
    )
    assert code == 0
    return out


@pytest.mark.parametrize(
    "scenario, rate", [("bridges", 1000), ("amnesia", 2000), ("holds", 1000)]
)
def test_record_then_analyze_finds_true_onsets(tmp_path, capsys, scenario, rate):
    channels = "gluteus_maximus_L,hamstring_L"
    seconds = 45.0 if scenario == "holds" else 24.0
    out = record(tmp_path, scenario, seconds, channels, rate)
    capsys.readouterr()
    assert main(["analyze", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sample_rate_hz"] == rate
    truth = SimulatedPatch(labels=tuple(channels.split(",")), scenario=scenario).truth(seconds)
    for ch, true_bursts in zip(result["channels"], truth):
        onsets = np.array([b["onset_s"] for b in ch["bursts"]])
        expected = [t for t, _ in true_bursts if t < seconds - 0.3]
        assert len(onsets) == len(expected), ch["name"]
        errors = np.abs(onsets - np.array(expected))
        assert errors.max() <= 0.030, (ch["name"], errors)


def test_recording_has_documented_columns_and_rows(tmp_path):
    out = record(tmp_path, "holds", 3.0, "gluteus_maximus_L,gluteus_maximus_R", rate=2000)
    lines = out.read_text().splitlines()
    meta = [ln for ln in lines if ln.startswith("#") and not ln.startswith("# end:")]  # the closing line is last
    header = lines[len(meta)]
    assert header == (
        "time_s,gluteus_maximus_L_uV,gluteus_maximus_R_uV,"
        "gluteus_maximus_L_env_uV,gluteus_maximus_R_env_uV,events"
    )
    keys = {ln[2:].split(":")[0] for ln in meta}
    assert {"app_version", "start_time", "device", "sample_rate_hz", "channels", "filter",
            "units", "threshold"} <= keys
    assert len(lines) - len(meta) - 2 == 6000 and lines[-1].startswith("# end: ")  # rows, then the closing line


def test_analyze_table_and_generic_file(tmp_path, capsys):
    out = record(tmp_path, "bridges", 12.0, "gluteus_maximus_L")
    # a bare numeric file (no header, no time) exported by another tool
    from app.storage.reader import load_recording

    rec = load_recording(out)
    bare = tmp_path / "bare.txt"
    np.savetxt(bare, rec.data.T, fmt="%.3f")
    capsys.readouterr()
    assert main(["analyze", str(bare), "--rate", "1000"]) == 0
    text = capsys.readouterr().out
    assert "ch1: 2 burst(s)" in text or "ch1:" in text
    assert main(["analyze", str(bare), "--rate", "1000", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert len(j["channels"][0]["bursts"]) == 2


@pytest.mark.parametrize(
    "argv, words",
    [
        (["analyze", "/nonexistent/x.csv"], "does not exist"),
        (["analyze", "{bad}"], "not a number"),
        (["analyze", "{bare}"], "--rate"),
        (["analyze", "{bare}", "--rate", "-5"], "positive"),
        (["analyze", "{bare}", "--rate", "abc"], "not a number"),
        (["record", "--seconds", "0", "--out", "{tmp}/x.csv"], "positive"),
        (["record", "--seconds", "x", "--out", "{tmp}/x.csv"], "not a number"),
        (["record", "--seconds", "1", "--out", "{tmp}/x.csv", "--rate", "777"], "samples at"),
        (["record", "--seconds", "1", "--out", "{tmp}/x.csv", "--device", "sim", "--speed", "0"], "positive"),
        (["record", "--seconds", "1", "--out", "{tmp}/x.csv", "--device", "AA:BB", "--speed", "2"], "only applies"),
        (["record", "--seconds", "1", "--out", "{tmp}", "--speed", "10"], "folder"),
        (["record", "--seconds", "1"], "required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(tmp_path, capsys, argv, words):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,oops\n")
    bare = tmp_path / "bare.csv"
    bare.write_text("1.5,2\n3,4\n")
    argv = [a.format(bad=bad, bare=bare, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert words in err
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith("glutefire: ")


def test_installed_command_exits_2_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "app", "analyze", str(tmp_path / "missing.csv")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"glutefire: The file {tmp_path / 'missing.csv'} does not exist."


def test_analyze_reports_firing_order(tmp_path, capsys):
    out = record(tmp_path, "amnesia", 12.0, "gluteus_maximus_L,hamstring_L,lumbar_erector_L", rate=2000)
    capsys.readouterr()
    assert main(["analyze", str(out), "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert len(j["firing_order"]) == 2
    for c in j["firing_order"]:
        assert c["leader"] == "hamstring_L"
        assert abs(c["lags_ms"]["gluteus_maximus_L"] - 150) <= 30
        assert c["sentence"].startswith("Hamstring L led Gluteus maximus L by")
    assert j["firing_order_summary"]["glute_first_fraction"] == 0.0
    assert main(["analyze", str(out)]) == 0
    assert "Firing order per contraction" in capsys.readouterr().out


def test_analyze_reports_reps_fatigue_symmetry_quality(tmp_path, capsys):
    out = record(tmp_path, "fatigue", 40.0, "gluteus_maximus_L,gluteus_maximus_R", rate=2000)
    capsys.readouterr()
    assert main(["analyze", str(out), "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    left = j["channels"][0]
    assert len(left["reps"]) == 8 and left["reps"][0]["time_above_target_s"] > 1.5
    assert left["fatigue"]["mdf_slope_hz_per_min"] < 0
    assert left["quality"]["ok"]
    (sym,) = j["symmetry"]
    assert sym["flagged"] and sym["peak_index_percent"] < -15  # the simulated right side is 20% weaker


def _store_with_ann(tmp_path, value_uv: float = 400.0):
    from app.storage.store import Store

    db = tmp_path / "records.sqlite3"
    store = Store(db)
    ann = store.add_person("Ann Example")
    store.save_mvic(ann.id, MvicReference("gluteus_maximus_L", value_uv, "maximal", 500.0, 3, 1.0))
    store.close()
    return db


def test_record_with_person_carries_mvic_and_analyze_reports_percent(tmp_path, capsys):
    db = _store_with_ann(tmp_path)
    out = tmp_path / "ann.csv"
    assert main(["record", "--device", "sim", "--scenario", "bridges", "--seconds", "12", "--out", str(out),
                 "--channels", "gluteus_maximus_L,hamstring_L", "--speed", "25", "--quiet", "--seed", "4",
                 "--person", "Ann Example", "--db", str(db)]) == 0
    text = out.read_text()
    assert "# person: Ann Example" in text and "# mvic: gluteus_maximus_L=400.00 uV maximal 100% 500ms x3" in text
    capsys.readouterr()
    assert main(["analyze", str(out), "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["person"] == "Ann Example" and j["mvic_source"] == "file"
    glute, ham = j["channels"]
    assert glute["unit"] == "%MVIC" and ham["unit"] == "µV"
    # as in the window: a calibrated muscle's target is the person's (40% MVIC the first time),
    # the others keep --threshold (50 µV)
    assert glute["target"] == pytest.approx(40.0) and ham["target"] == pytest.approx(50.0)
    # rep figures are the µV figures over the reference
    assert main(["analyze", str(out), "--json", "--person", "Ann Example", "--db", str(db)]) == 0
    same = json.loads(capsys.readouterr().out)
    assert same["mvic_source"] == "records"
    from app.storage.reader import load_recording

    rec = load_recording(out)
    rec.metadata.pop("mvic")
    from app.analysis.offline import analyze

    uv = analyze(rec.data, rec.sample_rate_hz, rec.labels, thresholds=rec.thresholds)
    for pct, r in zip(glute["reps"], uv.channels[0].reps):
        assert pct["peak"] == pytest.approx(r.peak / 4.0, rel=1e-3)
    assert main(["analyze", str(out)]) == 0
    table = capsys.readouterr().out
    assert "Ann Example, %MVIC from the file" in table and "%MVIC" in table


def test_analyze_person_from_records_overrides_the_file(tmp_path, capsys):
    db = _store_with_ann(tmp_path, value_uv=200.0)
    out = record(tmp_path, "bridges", 12.0, "gluteus_maximus_L")
    capsys.readouterr()
    assert main(["analyze", str(out), "--json", "--person", "Ann Example", "--db", str(db)]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["person"] == "Ann Example" and j["mvic_source"] == "records"
    assert j["channels"][0]["unit"] == "%MVIC" and j["channels"][0]["mvic"]["value_uv"] == 200.0


def test_analyze_unknown_person_is_one_sentence(tmp_path, capsys):
    db = _store_with_ann(tmp_path)
    out = record(tmp_path, "bridges", 6.0, "gluteus_maximus_L")
    capsys.readouterr()
    assert main(["analyze", str(out), "--person", "Bob", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"glutefire: No person named 'Bob' in {db}." and "Traceback" not in err


def test_analyze_person_without_reference_for_these_channels_warns_and_uses_uv(tmp_path, capsys):
    db = _store_with_ann(tmp_path)
    out = record(tmp_path, "bridges", 6.0, "hamstring_L")
    capsys.readouterr()
    assert main(["analyze", str(out), "--json", "--person", "Ann Example", "--db", str(db)]) == 0
    cap = capsys.readouterr()
    assert "no %MVIC reference for these channels" in cap.err
    j = json.loads(cap.out)
    assert j["mvic_source"] is None and j["channels"][0]["unit"] == "µV"


def test_unknown_muscle_in_channels_is_rejected_with_the_valid_names(tmp_path, capsys):
    assert main(["record", "--seconds", "1", "--out", str(tmp_path / "x.csv"), "--channels", "glute_L"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("glutefire: --channels: Unknown channel 'glute_L'")
    assert "gluteus_maximus" in err and "hamstring" in err and "_L or _R" in err and "\n" not in err
    assert not (tmp_path / "x.csv").exists()


def test_mains_choices_are_said_as_a_person_types_them(tmp_path, capsys):
    assert main(["record", "--seconds", "1", "--out", str(tmp_path / "x.csv"), "--notch", "55"]) == 2
    err = capsys.readouterr().err
    assert "must be 0 (off), 50 or 60 Hz, not '55'" in err and "50.0" not in err
    out = record(tmp_path, "holds", 1.0, "gluteus_maximus_L")
    capsys.readouterr()
    assert main(["analyze", str(out), "--mains", "70"]) == 2
    assert "must be 50 or 60 Hz, not '70'" in capsys.readouterr().err
    help_text = build_parser().format_help() + " ".join(
        p.format_help() for p in build_parser()._subparsers._group_actions[0].choices.values()  # type: ignore[union-attr]
    )
    assert "0.0, 50.0" not in help_text


def test_out_into_a_missing_folder_says_it_created_it(tmp_path, capsys):
    out = tmp_path / "new" / "deeper" / "x.csv"
    assert main(["record", "--seconds", "0.5", "--out", str(out), "--speed", "20", "--quiet"]) == 0
    assert out.exists()
    assert f"created the folder {out.parent}" in capsys.readouterr().err


def test_readme_command_lines_work_as_written():
    """Every command the README shows is runnable after ``python3 dev.py demo|test`` as written:
    the CLI lines start with ``.venv/bin/glutefire`` (on PATH or not) and their subcommands exist."""
    import re
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    lines = [ln.split("#")[0].strip() for b in blocks for ln in b.splitlines()]
    cli = [ln for ln in lines if ln and "glutefire" in ln.split()[0]]
    assert cli, "the README shows command lines"
    subcommands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for line in cli:
        words = shlex.split(line)
        assert words[0] in (".venv/bin/glutefire", r".venv\Scripts\glutefire"), line
        assert len(words) == 1 or words[1] in subcommands or words[1].startswith("-"), line
        if len(words) > 1 and words[1] in subcommands:
            with pytest.raises(SystemExit) as ok:
                build_parser().parse_args([words[1], "--help"])
            assert ok.value.code == 0


def test_analyze_says_which_reps_triggered_the_stopping_rule(tmp_path, capsys):
    """Regression: on a fatiguing recording analyze said "Done for today: the last 0 reps stayed
    below 90% of your best (rep 24)" where rep 24 was the best: reps after the trigger (a new set,
    a new best) rewrote the sentence."""
    out = record(tmp_path, "fatigue", 125.0, "gluteus_maximus_L")  # two 12-rep sets
    capsys.readouterr()
    assert main(["analyze", str(out), "--json"]) == 0
    (msg,) = json.loads(capsys.readouterr().out)["stopping_rule"]
    assert "last 0" not in msg and "Done for today: reps " in msg
    first, last = (int(x) for x in msg.split("Done for today: reps ")[1].split(" all stayed")[0].split(" to "))
    best = int(msg.split("of your best (rep ")[1].split(")")[0])
    assert last - first == 2 and best < first


def test_exercises_lists_the_library_as_json(capsys):
    assert main(["exercises", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    ids = [e["id"] for e in j["exercises"]]
    assert {"glute_squeeze_hold", "glute_bridge", "single_leg_bridge", "hip_thrust", "frog_pump", "clamshell",
            "side_lying_hip_abduction", "quadruped_hip_extension", "rkc_plank", "band_walk", "hourly_squeeze"} <= set(ids)
    for e in j["exercises"]:
        assert {"id", "name", "targets", "compensators", "mvic_range", "citation", "cues", "protocol"} <= set(e)
        assert {"sets", "reps", "hold_s", "rest_s", "goal_mvic_pct"} <= set(e["protocol"])
    assert main(["exercises"]) == 0
    assert "glute_bridge: Glute bridge" in capsys.readouterr().out


def test_practice_on_the_amnesia_person_prints_scores_as_json(tmp_path, capsys):
    out = tmp_path / "bridge.csv"
    assert main(["practice", "--device", "sim", "--persona", "amnesia", "--exercise", "glute_bridge", "--sets", "1",
                 "--reps", "4", "--speed", "8", "--json", "--out", str(out), "--db", str(tmp_path / "r.sqlite3")]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["exercise"] == "glute_bridge" and j["unit"] == "µV" and len(j["reps"]) == 4
    for r in j["reps"]:
        assert {"set", "rep", "glute_led", "lead_ms", "peak", "unit", "time_above_goal_s", "compensation_share",
                "good"} <= set(r)
    late = [r for r in j["reps"] if r["glute_led"] is False]
    assert len(late) >= 3 and all(-200 <= r["lead_ms"] <= -110 for r in late)
    assert j["done_for_today"] is False and out.exists()
    from app.storage.store import Store

    store = Store(tmp_path / "r.sqlite3")
    (session,) = store.all_sessions()  # the recording's session, with the protocol's scores in it
    assert session.exercise == "Glute bridge" and session.csv_path == str(out)
    assert len(session.summary["practice"][0]["reps"]) == 4
    store.close()


def test_quiet_practice_still_says_how_each_set_went(tmp_path, capsys):
    assert main(["practice", "--persona", "healthy", "--exercise", "glute_bridge", "--sets", "2", "--reps", "2",
                 "--hold", "1", "--rest", "1", "--speed", "8", "--quiet", "--db", str(tmp_path / "r.sqlite3")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split(":")[0] for ln in lines] == ["Set 1", "Set 2"]  # no line per rep, one per set
    assert all("good reps" in ln for ln in lines)


def test_screen_finds_the_weak_medius_and_says_the_rule(tmp_path, capsys):
    assert main(["screen", "--device", "sim", "--persona", "weak-medius", "--test", "trendelenburg", "--speed", "8",
                 "--db", str(tmp_path / "r.sqlite3")]) == 0
    text = capsys.readouterr().out
    assert "Trendelenburg" in text and "Rule: A symmetry index (R − L) / mean beyond ±35% in µV (±15% in % MVIC)" in text
    share = int(text.split("The right gluteus medius reaches ")[1].split("%")[0])
    assert 30 <= share <= 55, share  # ~38 of ~93 µV (the simulated weak side is at 50 %; no seed: a range)
    assert main(["screen", "--test", "hip_drive", "--persona", "healthy", "--speed", "8", "--json",
                 "--db", str(tmp_path / "r.sqlite3")]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["test"] == "hip_drive" and j["flagged"] is False and j["caveat"]


@pytest.mark.parametrize("argv, words", [
    (["practice", "--exercise", "squats"], "Unknown exercise 'squats'; choose one of: glute_squeeze_hold"),
    (["practice", "--exercise", "glute_bridge", "--persona", "lazy"], "Unknown persona 'lazy'; choose one of: healthy"),
    (["screen", "--test", "plank"], "Unknown screening test 'plank'; choose one of: single_leg_bridge"),
    (["practice", "--exercise", "glute_bridge", "--reps", "0"], "must be 1 or more"),
])
def test_unknown_exercise_persona_or_test_is_one_sentence(argv, words, capsys, tmp_path):
    assert main([*argv, "--db", str(tmp_path / "r.sqlite3")]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err and "Traceback" not in err


def test_sigterm_ends_a_recording_with_a_message_and_keeps_it(tmp_path):
    """Regression (issue 12): SIGTERM ended a CLI recording with no message."""
    import signal
    import time

    from app.storage.reader import load_recording

    out = tmp_path / "t.csv"
    proc = subprocess.Popen([sys.executable, "-m", "app", "record", "--device", "sim", "--seconds", "60",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")})
    deadline = time.monotonic() + 60
    while (not out.exists() or out.stat().st_size < 20_000) and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "Stopped early by a stop signal (SIGTERM); what was recorded is saved." in stdout
    assert "Traceback" not in stderr and load_recording(out).data.shape[1] > 100


def test_a_simulated_session_faster_than_the_machine_completes_and_says_so(tmp_path, capsys):
    """Regression (issue 12): --speed beyond what the machine generates stopped the recording with
    "the patch stopped sending data" (a wrong reason)."""
    from app.storage.reader import load_recording

    out = tmp_path / "f.csv"
    assert main(["record", "--device", "sim", "--seconds", "20", "--speed", "1000000", "--out", str(out)]) == 0
    assert "as fast as this machine generates it (the recording is complete)" in capsys.readouterr().err
    assert load_recording(out).data.shape[1] == 20_000
