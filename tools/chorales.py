"""The Bach chorales in music21's corpus as melodies: the soprano line of each score, read
from the music21 wheel (which build.py fetches, pinned by sha256, and never ships) for
pyapp/_data/bach_chorales.json and `pyapp.datasets.load_bach_chorales()`.

    melodies = chorales_from_wheel(Path("music21-10.5.1-py3-none-any.whl"))
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from fractions import Fraction
from pathlib import Path

__all__ = ["LICENSE", "soprano_line", "mxl_score", "chorales_from_wheel"]

# Each melody goes to the octave whose mean pitch is nearest this: B4, about the mean of the
# soprano lines as written (70.7). It keeps all of them within MIDI 57..84.
MEAN_PITCH = 71
LICENSE = (
    "J. S. Bach's chorale harmonisations (soprano lines: the chorale tunes as he set them; he died in 1750). "
    "Encoded by Margaret Greentree (jsbchorales.net; most files credit 'PDF (c) 2003/2004 Margaret Greentree'), "
    "distributed in music21's corpus, whose corpus/license.txt says: the music21 creators assume no copyright "
    "or change in licensing for the corpus; it is distributed with the permission of the encoders and where "
    "permitted under United States copyright law; some encodings may carry restrictions such as no commercial "
    "use, stated in the licenses embedded in compositions or directories. The Bach chorales state none: no "
    "licence in corpus/bach/ and no <rights> in any file. Only pitches and durations ship, transposed.")
STEP_SEMITONES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


# The scores are read with the standard library, not with music21's parser (the project's
# habit is a maintained library; here it does not pay). Measured on this 2-core machine:
# music21 10.5.1 is a 20 MB wheel, 114 MB installed, and adds ten pins to requirements.lock
# (music21, requests, urllib3, certifi, idna, charset-normalizer, chardet, jsonpickle,
# more-itertools, webcolors; `uv pip compile` takes 3 s, but a changed lock remakes the
# whole 1.1 GB .venv); installing it with its dependencies into a fresh venv took 40 s. It
# took 99 s to parse the 407 .mxl chorales and strip their ties (converter.parse,
# stripTies); chorales_from_wheel() reads all 410 scores out of the wheel in 4-7 s. Their
# soprano parts hold only plain notes, ties, rests, <forward> gaps and two grace notes (no
# chords, no second voice), and this reader refuses a chord or a second voice by name. For
# all 409 soprano lines its notes equal music21's part.stripTies().flatten().notes
# (pitch.midi, quarterLength; grace notes left out) and its key signatures music21's:
# checked once against music21 10.5.1.
def soprano_line(score: bytes, name: str = "score") -> tuple[list[list], int] | None:
    """The soprano part of a MusicXML score (partwise, uncompressed) as notes
    [[midi_pitch, quarter_length (a Fraction)], ...], with its first key signature as sharps
    (> 0) or flats (< 0); None when no part is named "Soprano..." (in 37 of the 409
    chorales the first part is an instrument, so the first part will not do).

    Tied notes are merged into one. Rests, <forward> gaps and grace notes are left out: the
    line is the sung notes one after another. Repeats are read as written, not unrolled."""
    root = ET.fromstring(score)
    ids = [p.get("id") for p in root.iter("score-part") if (p.findtext("part-name") or "").strip().startswith("Soprano")]
    if not ids:
        return None
    part = next((p for p in root.iter("part") if p.get("id") == ids[0]), None)
    if part is None:
        raise ValueError(f"{name}: the part list names a soprano part {ids[0]!r}, but the score has no such part")
    divisions, fifths, notes, tied = 1, None, [], False
    for element in (e for measure in part.iter("measure") for e in measure):
        if element.tag == "backup" or element.find("chord") is not None:
            raise ValueError(f"{name}: the soprano part has a second voice or a chord, which soprano_line() "
                             "does not read; see its comment (music21's parser reads them)")
        if element.tag == "attributes":
            divisions = int(element.findtext("divisions") or divisions)
            if fifths is None and element.find("key/fifths") is not None:
                fifths = int(element.findtext("key/fifths"))
        if element.tag != "note" or element.find("grace") is not None:
            continue
        pitch = element.find("pitch")
        if pitch is None:  # a rest
            tied = False
            continue
        midi = (12 * (int(pitch.findtext("octave")) + 1) + STEP_SEMITONES[pitch.findtext("step")]
                + round(float(pitch.findtext("alter") or 0)))
        length = Fraction(int(element.findtext("duration")), divisions)
        ties = {tie.get("type") for tie in element.findall("tie")}
        if tied and "stop" in ties and notes and notes[-1][0] == midi:
            notes[-1][1] += length
        else:
            notes.append([midi, length])
        tied = "start" in ties
    return notes, fifths or 0


def mxl_score(data: bytes, name: str) -> bytes:
    """The MusicXML score inside a compressed .mxl file (the one its container names)."""
    with zipfile.ZipFile(io.BytesIO(data)) as mxl:
        found = re.search(r'full-path="([^"]+)"', mxl.read("META-INF/container.xml").decode())
        if not found:
            raise ValueError(f"{name}: META-INF/container.xml names no score")
        return mxl.read(found.group(1))


def chorales_from_wheel(wheel: Path) -> dict:
    """{"names": corpus file per melody, "transposed": semitones each was moved by,
    "melodies": [[[midi_pitch, quarter_length], ...], ...]} from the music21 wheel.

    Every line is transposed to the key signature of C major / A minor (no sharps or flats),
    so that a small model learns one key; an exact duplicate of an earlier melody is left
    out. Raises ValueError when the corpus does not look as expected."""
    names, shifts, melodies = [], [], []
    with zipfile.ZipFile(wheel) as archive:
        members = sorted(m for m in archive.namelist() if re.fullmatch(r"music21/corpus/bach/bwv[^/]+\.(mxl|xml)", m))
        for member in members:
            score = archive.read(member)
            found = soprano_line(mxl_score(score, member) if member.endswith(".mxl") else score, member)
            if not found or not found[0]:
                continue  # bwv846.mxl, a prelude for keyboard, has no soprano
            notes, fifths = found
            up = -7 * fifths % 12  # semitones from the signature's major key up to C
            mean = sum(pitch for pitch, _ in notes) / len(notes)
            shift = min((up, up - 12), key=lambda s: (abs(mean + s - MEAN_PITCH), abs(s)))
            melody = [[pitch + shift, float(length)] for pitch, length in notes]
            if melody in melodies:
                continue
            names.append(member.rsplit("/", 1)[1])
            shifts.append(shift)
            melodies.append(melody)
    if len(melodies) < 300:
        raise ValueError(f"{wheel.name} gave {len(melodies)} chorale melodies from {len(members)} files in "
                         "music21/corpus/bach/, expected about 400: has the corpus moved?")
    return {"names": names, "transposed": shifts, "melodies": melodies}
