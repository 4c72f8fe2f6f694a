"""How another tool's text export is laid out: where the numbers start, what separates them,
whether the decimal mark is a comma, which line names the columns.

Other tools write one or more title or comment lines first (a title may itself contain commas),
then maybe a header row, then the numbers; the separator may be a comma, semicolon, tab or spaces,
and European exports write ``1,5`` for 1.5 with ``;`` or tab between values. So the layout is
read from the numeric body, not from the first line: every (separator, decimal mark) pair is
tried on the file's last lines, and the one that reads them as a table of numbers with one field
count wins. When two readings both work and disagree (``1,5`` as two values or as one decimal
number) the file is ambiguous and says so, rather than being guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.errors import UserError

#: separator None = runs of whitespace
SEPARATORS: tuple[str | None, ...] = (",", ";", "\t", None)
SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", None: "spaces"}
#: how many lines from the end of the file decide the layout
SAMPLE_LINES = 200
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?i:nan|inf|infinity)$")
#: "Channel 1: 'RF', 13480 values, engineering units: mV" (Biometrics DataLOG and similar exports)
_CHANNEL_LINE = re.compile(r"^\s*channel\s*(\d+)\s*:\s*['\"]?([^'\",]+?)['\"]?\s*(?:,|$)", re.IGNORECASE)
#: "Digitals combined (event=16, d=8, c=4, b=2, a=1): 22896 values" — DataLOG's digital inputs,
#: one more column after the analogue channels
_DIGITALS_LINE = re.compile(r"^\s*digitals?\b[^:]*:\s*\d+\s+values", re.IGNORECASE)


@dataclass(frozen=True)
class TextLayout:
    separator: str | None
    decimal_comma: bool
    n_fields: int
    body_start: int  # index of the first numeric line
    header: tuple[str, ...] | None  # the column names, when a header row sits just above the body
    title_lines: tuple[str, ...]  # what came before (titles, comments), kept for the metadata

    def describe(self) -> str:
        dec = "decimal commas" if self.decimal_comma else "decimal points"
        return f"{self.n_fields} columns separated by {SEPARATOR_NAMES[self.separator]}, {dec}"


def split(line: str, separator: str | None) -> list[str]:
    """Cells without their quotes ("1.5" as some tools write numbers)."""
    return [c.strip().strip('"') for c in (line.split(separator) if separator is not None else line.split())]


def _numeric(cells: Sequence[str], decimal_comma: bool, separator: str | None) -> bool:
    """All cells numbers (empty cells allowed between separators: a gap)."""
    if not cells:
        return False
    for c in cells:
        if c == "":
            if separator is None:
                return False
            continue
        if decimal_comma:
            if "." in c:  # "1.234,5" thousands marks are not supported: not a number here
                return False
            c = c.replace(",", ".")
        if not _NUMBER.match(c):
            return False
    return any(c != "" for c in cells)


def _score(lines: Sequence[str], separator: str | None, decimal_comma: bool) -> tuple[int, int]:
    """(field count, lines that read as that many numbers): the most common count wins, the
    larger on a tie (a short last row is a broken row, not the table's width)."""
    counts: Counter[int] = Counter()
    for line in lines:
        cells = split(line, separator)
        if _numeric(cells, decimal_comma, separator):
            counts[len(cells)] += 1
    if not counts:
        return 0, 0
    n, k = max(counts.items(), key=lambda nk: (nk[1], nk[0]))
    return n, k


def _layout(lines: Sequence[str], content: Sequence[int], sep: str | None, dec: bool, n: int) -> TextLayout:
    """The body starts at the first line that, with the next few, reads as ``n`` numbers."""
    def ok(k: int) -> bool:
        cells = split(lines[content[k]], sep)
        return len(cells) == n and _numeric(cells, dec, sep)

    good = [k for k in range(len(content)) if ok(k)] if len(content) < 8 else []
    start = next((k for k in range(len(content)) if ok(k) and (k + 1 == len(content) or ok(k + 1))),
                 good[0] if good else len(content) - 1)
    body_start = content[start]
    before = [lines[i] for i in range(body_start) if lines[i].strip()]
    header = _header(before, sep, n, dec)
    titles = tuple(before[:-1] if header is not None else before)
    return TextLayout(sep, dec, n, body_start, header or _channel_names(before, n), titles)


def sniff(lines: Sequence[str], what: str) -> TextLayout:
    """The layout of a text table (comment lines starting with '#' are skipped)."""
    content = [i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if not content:
        raise UserError(f"{what} contains no samples.")
    sample = [lines[i] for i in content[-SAMPLE_LINES:]]
    runs: dict[tuple[str | None, bool], tuple[int, int]] = {}
    for sep in SEPARATORS:
        for dec in (False, True):
            if not (dec and sep == ","):  # a comma cannot be both
                runs[(sep, dec)] = _score(sample, sep, dec)
    best = max(run for _, run in runs.values())
    if best == 0:
        raise UserError(f"The last lines of {what} are not a table of numbers (tried commas, semicolons, tabs and "
                        "spaces between values, with decimal points or commas).")
    tied = [(sep, dec) for (sep, dec), (_n, run) in runs.items() if run == best]
    def used(sep: str | None, dec: bool) -> bool:  # a reading whose separator (or decimal comma) is in the lines
        if dec:  # the comma is its decimal mark in a line it reads
            return any("," in ln and _numeric(split(ln, sep), True, sep) for ln in sample)
        return any(sep in ln for ln in sample) if sep is not None else any(len(ln.split()) > 1 for ln in sample)

    tied = [k for k in tied if used(*k)] or tied
    layouts = [_layout(lines, content, sep, dec, runs[(sep, dec)][0]) for sep, dec in tied]
    if len({x.n_fields for x in layouts}) > 1 and _zero_led(sample):  # "0,0015": a decimal comma
        layouts = [x for x in layouts if x.decimal_comma] or layouts
    if len({x.n_fields for x in layouts}) > 1:  # "1,5": two values, or one decimal number?
        named = [x for x in layouts if x.header is not None]  # a header row that fits one reading decides
        if len({x.n_fields for x in named}) != 1:
            example = next((ln.strip() for ln in sample if "," in ln), sample[0].strip())
            options = " or ".join(f"{x.n_fields} value{'s' if x.n_fields > 1 else ''} per line" for x in layouts[:2])
            raise UserError(f"{what} is ambiguous: a line such as {example[:40]!r} reads as {options}; export it "
                            "with ';' or tabs between values, or with a '.' decimal point.")
        layouts = named
    return layouts[0]  # SEPARATORS' order: the plainest reading that fits


def _zero_led(sample: Sequence[str]) -> bool:
    """Digits after a comma that start with 0 ("0,0015"): a decimal comma, not a column of
    integers (which are not written with leading zeros)."""
    return any(re.search(r",0\d", ln) for ln in sample)


def _header(before: Sequence[str], sep: str | None, n: int, decimal_comma: bool = False) -> tuple[str, ...] | None:
    """The line just above the numbers names the columns when it has as many fields (and is not
    a sentence: a title with commas rarely has exactly the body's field count of short names)."""
    if not before:
        return None
    cells = [c.strip().strip('"').strip("'") for c in split(before[-1], sep)]
    if len(cells) != n and sep is not None:
        cells = [c.strip('"') for c in before[-1].split()]  # "time  RF  BF" above comma-free numbers
    if len(cells) != n or not all(cells) or all(_NUMBER.match(c) for c in cells):
        return None
    if any(len(c) > 40 or any(ch in c for ch in ",;\t") for c in cells):
        return None  # a sentence, or a line split by another separator than the numbers
    return tuple(cells)


def _channel_names(before: Sequence[str], n: int) -> tuple[str, ...] | None:
    names: dict[int, str] = {}
    digitals = 0
    for line in before:
        m = _CHANNEL_LINE.match(line)
        if m:
            names[int(m.group(1))] = m.group(2).strip()
        elif _DIGITALS_LINE.match(line):
            digitals += 1
    ordered = [names[k] for k in sorted(names)] + ["Digitals"] * digitals
    if names and len(ordered) >= n:
        return tuple(ordered[:n])
    return None
