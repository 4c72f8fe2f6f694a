"""EDF+ and BDF+ files: a recording exported for other tools, and EDF/EDF+/BDF/BDF+ files read
as recordings (docs/formats.md says what each way keeps and loses).

Specs: EDF (Kemp et al. 1992, Electroencephalogr Clin Neurophysiol 82:391), EDF+ (Kemp & Olivan
2003, Clin Neurophysiol 114:1755; edfplus.info/specs/edfplus.html: local patient/recording
identification subfields, "EDF Annotations" time-stamped annotation lists), BDF/BDF+ (BioSemi:
the same layout with 24-bit samples).

Library: **edfio** rather than pyedflib. Both are maintained and both write EDF+C and BDF+C with
annotations; edfio is pure Python on numpy (no compiled extension to build or freeze, typed with
``py.typed``), handles 24-bit BDF(+) through the same classes as EDF, keeps sub-second start times
(EDF+ timekeeping), and is what MNE-Python itself uses to export EDF, so its files are read by the
tools our users have. pyedflib wraps the C EDFlib, with fixed-size header strings set field by
field and its own error codes. Neither writes EDF+D (discontinuous) files.

Link-loss gaps (empty rows in our CSV) are therefore written as **EDF+C with a gap annotation**:
the samples of a gap hold ``FILL_UV`` (0 µV, inside every channel's physical range, a flat line
any viewer shows as "nothing"), and an annotation ``gap: no samples`` spans them with its duration;
our import turns those samples back into NaN. EDF needs whole data records, so the last record is
filled up the same way and spanned by ``padding: no samples`` (trimmed on import).

Physical min/max are each channel's own range (with the fill value), so the quantisation step is
(max - min) / 65535 for EDF and (max - min) / 16777215 for BDF; a value is off by at most half a
step. Raw samples are stored as the device sent them, so their prefiltering field claims no filter
of ours (a viewer would take ``HP:20Hz`` as applied to the stored signal); the live filter that
made the recording's envelope goes along as the annotation ``# filter: …`` at 0 s, with the other
``# key: value`` lines in ``CARRIED_KEYS``.

Names: the patient field is the EDF+ anonymous ``X X X X`` unless ``with_person`` asks for the
recording's own ``# person:`` (docs/privacy.md); nothing else is ever written about the person.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import numpy as np
from edfio import Bdf, BdfSignal, Edf, EdfAnnotation, EdfSignal, Patient, read_bdf, read_edf
from edfio import Recording as EdfRecording

from app.errors import UserError, os_reason
from app.storage.channels import edf_labels, label_from_foreign, microvolt_factor, our_unit, unique
from app.storage.private import write_private_bytes
from app.storage.reader import MAX_RATE_HZ, MIN_RATE_HZ, Recording

Kind = Literal["edf", "bdf"]
GAP_TEXT = "gap: no samples"
PAD_TEXT = "padding: no samples"
FILL_UV = 0.0
#: metadata lines of our CSV that travel as ``# key: value`` annotations at 0 s (and come back)
CARRIED_KEYS = ("filter", "envelope_delay_ms", "threshold", "mvic", "signal_kind", "mains_hz")
_META = re.compile(r"^# ([a-z_]+): (.*)$")
#: the version field a file starts with (the first 8 bytes)
MAGIC: dict[bytes, Kind] = {b"0       ": "edf", b"\xffBIOSEMI": "bdf"}
#: a data record's length for integer rates (the EDF+ spec suggests about 1 s or less)
_RECORD_S = 1


@dataclass(frozen=True)
class ExportSummary:
    """What was written, for the one line the command prints."""

    path: Path
    kind: Kind
    labels: tuple[str, ...]
    duration_s: float
    gaps: int
    annotations: int
    step_uv: tuple[float, ...]  # the quantisation step of each channel (physical / digital range)


def kind_of(head: bytes) -> Kind | None:
    """``edf`` or ``bdf`` when ``head`` starts like one (its version field), else None."""
    return MAGIC.get(bytes(head[:8]))


# -- export -----------------------------------------------------------------------------------
def _data_record(rate: float) -> tuple[int, float]:
    """Samples per data record and its duration (s): both must be whole in EDF, so 777.5 Hz
    gets 2 s records of 1555 samples."""
    frac = Fraction(rate).limit_denominator(1000)
    if abs(float(frac) - rate) > 1e-9 * rate:
        raise UserError(f"A sample rate of {rate:g} Hz cannot be written to EDF (it needs a whole number of "
                        "samples in a data record of at most 1000 s).")
    if frac.denominator == 1:
        return frac.numerator * _RECORD_S, float(_RECORD_S)
    return frac.numerator, float(frac.denominator)


def _ascii_field(text: str, limit: int) -> str:
    """A header subfield: ASCII without spaces (EDF+ wants ``_`` for them), at most ``limit``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^\x21-\x7e]+", "_", plain.strip())[:limit] or "X"


def _tal_text(text: str) -> str:
    """Annotation text without the bytes that delimit TALs (0x00, 0x14, 0x15) or other controls."""
    return "".join(c if c.isprintable() else " " for c in text)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each run of True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(s), int(e - s)) for s, e in zip(starts, ends)]


def _start(rec: Recording) -> dt.datetime | None:
    """The first sample's local wall-clock time (EDF keeps no time zone)."""
    try:
        return dt.datetime.fromisoformat(rec.metadata["start_time"]).replace(tzinfo=None)
    except (KeyError, ValueError):
        return None


def export(rec: Recording, out: Path, kind: Kind, with_person: bool = False) -> ExportSummary:
    """Write ``rec`` as EDF+C (16-bit) or BDF+C (24-bit) to ``out``, owner-only and whole or not
    at all; one sentence for what cannot be written."""
    fs = rec.sample_rate_hz
    spr, record_s = _data_record(fs)
    n_ch, n = rec.data.shape
    gap = ~np.isfinite(rec.data).all(axis=0)
    total = max(1, math.ceil(n / spr)) * spr
    filled = np.full((n_ch, total), FILL_UV)
    filled[:, :n] = np.where(np.isfinite(rec.data), rec.data, FILL_UV)
    labels = edf_labels(rec.labels)
    device = rec.metadata.get("device", "")
    envelope_device = rec.metadata.get("signal_kind", "raw") == "envelope"
    signal_class = BdfSignal if kind == "bdf" else EdfSignal
    signals: list[EdfSignal | BdfSignal] = []
    steps: list[float] = []
    digital = 2**24 - 1 if kind == "bdf" else 2**16 - 1
    for i in range(n_ch):
        row = filled[i]
        lo, hi = min(float(row.min()), FILL_UV), max(float(row.max()), FILL_UV)
        if hi - lo < 1.0:  # a flat channel: any range holds it; 1 µV keeps the step small
            lo, hi = lo - 0.5, hi + 0.5
        unit = rec.units[i] if i < len(rec.units) else "uV"
        signals.append(signal_class(
            row, fs, label=labels[i], physical_dimension=unit[:8], physical_range=(lo, hi),
            transducer_type=_tal_text(f"surface EMG ({device})" if device else "surface EMG")[:80],
            prefiltering="envelope by the device" if envelope_device else "",
        ))
        steps.append((signals[-1].physical_max - signals[-1].physical_min) / digital)
    annotations = [EdfAnnotation(0.0, None, _tal_text(f"# {k}: {rec.metadata[k]}"))
                   for k in CARRIED_KEYS if rec.metadata.get(k)]
    annotations += [EdfAnnotation(max(0.0, t), None, _tal_text(text)) for t, text in rec.events]
    gaps = _runs(gap)
    annotations += [EdfAnnotation(s / fs, k / fs, GAP_TEXT) for s, k in gaps]
    if total > n:
        annotations.append(EdfAnnotation(n / fs, (total - n) / fs, PAD_TEXT))
    person = rec.person
    if with_person and not person:
        raise UserError(f"{rec.path} names no person (it has no '# person:' line), so --with-person has nothing "
                        "to write.")
    patient = Patient(name=_ascii_field(person, 40)) if with_person else Patient()
    start = _start(rec)
    recording = EdfRecording(startdate=start.date() if start else None,
                             equipment_code=_ascii_field(device, 40) if device else "X")
    cls = Bdf if kind == "bdf" else Edf
    try:
        edf = cls(signals, patient=patient, recording=recording,  # type: ignore[arg-type]  # (one class's signals)
                  starttime=start.time() if start else None, data_record_duration=record_s,
                  annotations=annotations)
        data = edf.to_bytes()
    except ValueError as exc:  # a value no EDF header field can hold (a range past 8 characters)
        raise UserError(f"{rec.path} cannot be written as {kind.upper()}: {exc}.") from None
    try:
        write_private_bytes(out, data)
    except OSError as exc:
        raise UserError(f"Cannot write {out}: {os_reason(exc)}.") from None
    return ExportSummary(out, kind, labels, n / fs, len(gaps), len(annotations), tuple(steps))


def _identification(edf: Edf | Bdf) -> dict[str, str]:
    """Start time, person and device from the header, where the file says them (plain EDF has
    free text in the patient and recording fields: none of it is taken as a name)."""
    out: dict[str, str] = {}
    try:
        out["start_time"] = edf.startdatetime.isoformat(timespec="milliseconds")
    except ValueError:  # an anonymised start date ("X")
        pass
    try:
        name = edf.patient.name
    except ValueError:
        name = "X"
    if name not in ("", "X"):
        out["person"] = name.replace("_", " ")
    try:
        equipment = edf.recording.equipment_code
    except ValueError:
        equipment = "X"
    if equipment not in ("", "X"):
        out["device"] = equipment.replace("_", " ")
    return out


# -- import -----------------------------------------------------------------------------------
def _check_header(p: Path, kind: Kind) -> None:
    """The fixed 256-byte header and the signal headers are all there and say numbers; an
    EDF+D file is refused (its data records do not follow each other in time)."""
    size = p.stat().st_size
    with p.open("rb") as f:
        head = f.read(256)
    name = kind.upper()
    if len(head) < 256:
        raise UserError(f"{p} is cut off inside its {name} header ({len(head)} of at least 256 bytes).")
    try:
        n_signals = int(head[252:256].decode("ascii"))
        header_bytes = int(head[184:192].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise UserError(f"{p} starts like an {name} file but its header does not give the number of signals.") from None
    if n_signals < 1 or header_bytes != 256 * (n_signals + 1):
        raise UserError(f"{p} has an inconsistent {name} header ({n_signals} signals in {header_bytes} header bytes).")
    if size < header_bytes:
        raise UserError(f"{p} is cut off inside its {name} header ({size} of {header_bytes} bytes).")
    if head[192:197] in (b"EDF+D", b"BDF+D"):
        raise UserError(f"{p} is a discontinuous {head[192:197].decode()} file; GluteFire reads continuous EDF/BDF "
                        "files (EDF+C, BDF+C or plain): convert it with EDFbrowser first.")


def _open(p: Path, kind: Kind) -> Edf | Bdf:
    return read_bdf(p) if kind == "bdf" else read_edf(p, lazy_load_data=False)


def _channels(p: Path, signals: list[EdfSignal | BdfSignal]) -> tuple[list[EdfSignal | BdfSignal], list[str]]:
    """The signals read as EMG (a voltage or counts, at the highest such rate) and a word for
    each left out. One rate per recording: slower channels (a temperature, a marker) are left."""
    usable = [s for s in signals if microvolt_factor(s.physical_dimension) is not None]
    if not usable:
        dims = ", ".join(sorted({repr(s.physical_dimension) for s in signals})) or "none"
        raise UserError(f"{p} has no channel in volts (its units: {dims}); GluteFire reads EMG in µV, mV or V.")
    rate = max(s.sampling_frequency for s in usable)
    kept = [s for s in usable if s.sampling_frequency == rate]
    left = [f"{s.label} ({s.physical_dimension or 'no unit'}, {s.sampling_frequency:g} Hz)" for s in signals
            if s not in kept]
    return kept, left


def read(p: Path, kind: Kind, rate: float | None = None) -> Recording:
    """An EDF/EDF+/BDF/BDF+ file as a recording: µV, our labels, annotations as events, our own
    gap annotations back as NaN. Mixed rates: the channels in volts at the highest rate are read
    and the others named in ``import_note``. What edfio warns of (a file cut inside a data
    record) goes into ``import_note`` too; what it cannot parse is one sentence."""
    _check_header(p, kind)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rec = _read(p, kind, rate)
        except (ValueError, IndexError, ArithmeticError) as exc:  # (UnicodeDecodeError is a ValueError)
            raise UserError(f"{p} is not a readable {kind.upper()} file ({exc}).") from None
    said = list(dict.fromkeys(str(w.message).rstrip(".") for w in caught))
    if said:
        rec.metadata["import_note"] = "; ".join(filter(None, [rec.metadata.get("import_note", ""), *said]))
    return rec


def _read(p: Path, kind: Kind, rate: float | None) -> Recording:
    edf = _open(p, kind)
    signals: list[EdfSignal | BdfSignal] = list(edf.signals)
    if not signals:
        raise UserError(f"{p} has annotations but no signals.")
    kept, left = _channels(p, signals)
    fs = float(rate or kept[0].sampling_frequency)
    if not MIN_RATE_HZ <= fs <= MAX_RATE_HZ:
        raise UserError(f"The sample rate in {p} is {fs:g} Hz; a surface-EMG recording has {MIN_RATE_HZ:g} to "
                        f"{MAX_RATE_HZ:g} Hz.")
    data = np.vstack([np.asarray(s.data, dtype=np.float64) * (microvolt_factor(s.physical_dimension) or 1.0)
                      for s in kept])
    if data.shape[1] == 0:
        raise UserError(f"{p} has a header but no samples.")
    meta: dict[str, str] = {"format": f"{kind.upper()} ({edf.reserved or 'plain'})"}
    events: list[tuple[float, str]] = []
    end = data.shape[1]
    for a in edf.annotations:
        i = max(0, int(round(a.onset * fs)))
        k = int(round((a.duration or 0.0) * fs))
        m = _META.match(a.text)
        if a.text == GAP_TEXT and k:
            data[:, i : i + k] = np.nan
        elif a.text == PAD_TEXT:
            end = min(end, i)
        elif m and a.onset == 0.0:
            meta[m.group(1)] = m.group(2)
        else:
            events.append((a.onset, f"{a.text} ({a.duration:g} s)" if a.duration else a.text))
    data = data[:, :end]
    meta.update(_identification(edf))
    notes = []
    if left:
        notes.append(f"left out {len(left)} channel(s) not in volts or at a lower rate: {', '.join(left)}")
    if notes:
        meta["import_note"] = "; ".join(notes)
    labels = unique([label_from_foreign(s.label, i) for i, s in enumerate(kept)])
    return Recording(data=data, sample_rate_hz=fs, labels=labels,
                     units=tuple(our_unit(s.physical_dimension) for s in kept),
                     metadata=meta, events=events, path=p)
