"""The Bach chorale melodies build.py reads out of music21's corpus for the melody_rnn
example: the reader (tools/chorales.py) on small scores, and the file the build made, in
pyapp/_data/ and in the pyapp wheel of dist/ (pyapp.datasets.load_bach_chorales)."""

import json
import subprocess
import sys
import zipfile
from fractions import Fraction
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402
from pyapp import datasets  # noqa: E402
from tools import chorales  # noqa: E402

MADE = ROOT / "pyapp" / "_data" / "bach_chorales.json"
needs_build = pytest.mark.skipif(not MADE.exists(), reason="needs `python3 build.py`, which makes pyapp/_data/bach_chorales.json")


def score(soprano: str, first_part: str = "Horn 1", fifths: int = -1) -> bytes:
    """A partwise MusicXML score: an instrument first, then a soprano part with `soprano`'s
    notes after the attributes (4 divisions per quarter)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<score-partwise version="3.0"><part-list>
  <score-part id="P1"><part-name>{first_part}</part-name></score-part>
  <score-part id="P2"><part-name>Soprano</part-name></score-part>
</part-list>
<part id="P1"><measure number="1"><attributes><divisions>1</divisions></attributes>
  <note><pitch><step>C</step><octave>3</octave></pitch><duration>4</duration></note></measure></part>
<part id="P2"><measure number="1">
  <attributes><divisions>4</divisions><key><fifths>{fifths}</fifths><mode>major</mode></key></attributes>
  {soprano}</measure></part></score-partwise>""".encode()


def note(step: str, octave: int, duration: int, alter: int = 0, extra: str = "") -> str:
    alter_tag = f"<alter>{alter}</alter>" if alter else ""
    return f"<note><pitch><step>{step}</step>{alter_tag}<octave>{octave}</octave></pitch><duration>{duration}</duration>{extra}</note>"


def test_the_soprano_part_is_read_with_ties_merged_and_rests_left_out():
    notes = "".join([
        note("F", 4, 4),
        note("B", 4, 2, alter=-1, extra='<tie type="start"/>'),
        note("B", 4, 4, alter=-1, extra='<tie type="stop"/><tie type="start"/>'),
        note("B", 4, 2, alter=-1, extra='<tie type="stop"/>'),
        "<note><rest/><duration>4</duration></note>",
        "<note><grace/><pitch><step>D</step><octave>5</octave></pitch></note>",
        note("C", 5, 1),
        note("C", 5, 1),  # repeated, not tied: two notes
        "<forward><duration>2</duration></forward>",
    ])
    melody, fifths = chorales.soprano_line(score(notes), "test")
    assert fifths == -1  # F major's signature, not the horn's
    assert melody == [[65, 1], [70, 2], [72, Fraction(1, 4)], [72, Fraction(1, 4)]]


def test_a_score_without_a_soprano_part_is_skipped_and_chords_are_refused():
    assert chorales.soprano_line(score(note("C", 4, 4)).replace(b"Soprano", b"Piano"), "test") is None
    chord = note("C", 5, 4) + "<note><chord/><pitch><step>E</step><octave>5</octave></pitch><duration>4</duration></note>"
    with pytest.raises(ValueError, match="chord"):
        chorales.soprano_line(score(chord), "test")


@needs_build
def test_the_built_file_has_the_chorales_in_c_major_a_minor():
    data = json.loads(MADE.read_bytes())
    assert set(data) == {"source", "license", "key", "names", "transposed", "melodies"}
    assert build.MUSIC21_WHEEL[3] in data["source"] and "music21" in data["source"]
    assert "Margaret Greentree" in data["license"] and "license.txt" in data["license"]
    assert "C major / A minor" in data["key"]
    melodies = data["melodies"]
    assert 380 <= len(melodies) == len(data["names"]) == len(data["transposed"])
    assert len(set(data["names"])) == len(melodies) and "bwv66.6.mxl" in data["names"]
    lengths = set()
    for melody in melodies:
        assert len(melody) >= 10
        for pitch, length in melody:
            assert isinstance(pitch, int) and 55 <= pitch <= 84, pitch  # a soprano's range
            assert length > 0 and length * 8 == int(length * 8) and length <= 16
            lengths.add(length)
    assert {0.5, 1.0, 1.5, 2.0, 3.0, 4.0} <= lengths and len(lengths) <= 20
    assert sum(map(len, melodies)) > 15000
    # The key signature's major key went to C: the tonic C and the dominant G are common.
    pitch_classes = [pitch % 12 for melody in melodies for pitch, _ in melody]
    assert pitch_classes.count(1) + pitch_classes.count(6) < 0.05 * len(pitch_classes)  # C#, F#: rare


@needs_build
def test_bwv66_6_is_its_soprano_line_moved_from_f_sharp_minor_to_a_minor():
    data = json.loads(MADE.read_bytes())
    index = data["names"].index("bwv66.6.mxl")
    melody, shift = data["melodies"][index], data["transposed"][index]
    assert shift == 3  # three sharps: A major / F# minor, up a minor third
    # Its first notes as music21 10.5.1 reads them: C#5 B4 A4 B4 C#5 E5 C#5 B4.
    assert [pitch - shift for pitch, _ in melody[:8]] == [73, 71, 69, 71, 73, 76, 73, 71]
    assert [length for _, length in melody[:3]] == [0.5, 0.5, 1.0]


@needs_build
def test_load_bach_chorales_reads_the_file_and_the_wheel_carries_it():
    melodies = datasets.load_bach_chorales()
    assert melodies == [[tuple(n) for n in m] for m in json.loads(MADE.read_bytes())["melodies"]]
    assert all(isinstance(p, int) and isinstance(q, float) for m in melodies for p, q in m)
    lock_path = build.DIST / "pyodide" / "pyodide-lock.json"
    if not lock_path.exists():
        pytest.skip("dist/ is not built")
    lock = json.loads(lock_path.read_text())
    with zipfile.ZipFile(build.DIST / "pyodide" / lock["packages"]["pyapp"]["file_name"]) as wheel:
        assert wheel.read("pyapp/_data/bach_chorales.json") == MADE.read_bytes()


@needs_build
def test_an_example_run_under_cpython_from_the_repo_finds_the_melodies(tmp_path):
    """As tests/unit/test_native_examples.py runs the examples: `python example.py` in a
    folder of its own, with the repo on PYTHONPATH."""
    program = tmp_path / "melodies.py"
    program.write_text("import pyapp\nprint(len(pyapp.datasets.load_bach_chorales()))\n")
    run = subprocess.run([sys.executable, str(program)], cwd=tmp_path, env={"PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout) == len(json.loads(MADE.read_bytes())["melodies"])


def test_a_missing_file_says_how_to_make_it(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "files", lambda package: tmp_path)
    with pytest.raises(FileNotFoundError, match="python3 build.py"):
        datasets.load_bach_chorales()
