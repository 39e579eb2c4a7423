"""pyapp.audio under CPython: spectrograms against direct numpy and scipy computations, WAV
files in and out (written by the stdlib's wave), and play/play_notes writing WAV files
where there is no page. The page side is tested in tests/browser/test_audio.py."""

from __future__ import annotations

import io
import math
import struct
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from pyapp import audio

ROOT = Path(__file__).resolve().parents[2]


def tone(frequency, seconds=1.0, rate=16000, amplitude=1.0):
    t = np.arange(int(seconds * rate)) / rate
    return amplitude * np.sin(2 * np.pi * frequency * t)


def direct_log_spectrogram(x, frame, step, fft_length):
    """The spectrogram written out frame by frame: periodic Hann, rfft, log(|.| + 1e-6)."""
    n = np.arange(frame)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / frame)
    rows = [np.abs(np.fft.rfft(x[start:start + frame] * window, n=fft_length))
            for start in range(0, len(x) - frame + 1, step)]
    return np.log(np.array(rows) + 1e-6)


# ------------------------------------------------------------------ spectrogram


def test_spectrogram_of_a_pure_tone_peaks_at_its_frequency():
    spec = audio.spectrogram(tone(1000), 16000)
    # 25 ms = 400 samples, 10 ms = 160: 1 + (16000 - 400) // 160 frames; FFT 512 -> 257 bins
    assert spec.shape == (98, 257)
    assert spec.dtype == np.float32
    assert np.isfinite(spec).all()
    assert set(spec.argmax(axis=1)) == {32}          # bin 32 * 16000 / 512 = 1000 Hz
    # A sine of amplitude A on a bin: A * frame / 4 after a Hann window
    assert spec[:, 32] == pytest.approx(np.full(98, math.log(100 + 1e-6)), abs=1e-5)


@pytest.mark.parametrize("frequency", [440.0, 3000.0, 7000.0])
def test_spectrogram_equals_a_direct_numpy_computation(frequency):
    x = tone(frequency, seconds=0.5, rate=16000, amplitude=0.5) + 0.01 * np.random.default_rng(0).normal(size=8000)
    spec = audio.spectrogram(x, 16000)
    expected = direct_log_spectrogram(x, 400, 160, 512)
    np.testing.assert_allclose(spec, expected, rtol=1e-6, atol=1e-5)
    assert np.bincount(spec.argmax(axis=1)).argmax() == round(frequency / (16000 / 512))


def test_spectrogram_agrees_with_scipy_stft():
    signal = pytest.importorskip("scipy.signal")
    x = tone(1234.5, seconds=0.3, rate=22050) * 0.7
    frame, step = round(0.025 * 22050), round(0.010 * 22050)    # 551 and 220 samples -> FFT 1024
    spec = audio.spectrogram(x, 22050)
    _, _, z = signal.stft(x, window="hann", nperseg=frame, noverlap=frame - step, nfft=1024,
                          boundary=None, padded=False)
    window_sum = signal.get_window("hann", frame).sum()      # scipy scales by 1 / sum(window)
    np.testing.assert_allclose(spec, np.log(np.abs(z.T) * window_sum + 1e-6), rtol=1e-5, atol=1e-4)


def test_frames_and_steps_are_seconds_rounded_to_samples():
    x = tone(500, seconds=0.1, rate=8000)                    # 800 samples
    assert audio.spectrogram(x, 8000, frame_length=0.1, frame_step=0.05).shape == (1, 513)   # 800 -> FFT 1024
    assert audio.spectrogram(x, 8000, frame_length=0.016, frame_step=0.008).shape == (1 + (800 - 128) // 64, 65)
    assert audio.spectrogram(x[:200], 8000).shape == (1, 129)   # exactly one 200-sample frame, FFT 256
    assert audio.spectrogram(x[:300], 8000, frame_step=400).shape == (1, 129)   # a step beyond the wave: one frame
    assert audio.spectrogram(x.astype(np.float32), 8000.0).shape == audio.spectrogram(x, 8000).shape
    silence = audio.spectrogram(np.zeros(400), 16000)
    assert silence == pytest.approx(np.full((1, 257), math.log(1e-6)))


def test_mel_filterbank_follows_the_htk_scale():
    bank = audio.mel_filterbank(40, 512, 16000)
    assert bank.shape == (257, 40)
    assert (bank >= 0).all() and bank.max() <= 1.0
    corners = 700 * (10 ** (np.linspace(0, 2595 * np.log10(1 + 8000 / 700), 42) / 2595) - 1)
    bins = np.arange(257) * 16000 / 512
    for k in (0, 10, 39):     # each filter is a triangle on its corners (in Hz)
        lower, center, upper = corners[k:k + 3]
        expected = np.clip(np.minimum((bins - lower) / (center - lower), (upper - bins) / (upper - center)), 0, None)
        np.testing.assert_allclose(bank[:, k], expected, atol=1e-12)
    assert (bank.sum(axis=0) > 0).all()
    assert audio.mel_filterbank(10, 256, 8000, fmin=300, fmax=3400)[: int(300 / (8000 / 256)), :].sum() == 0


def test_mel_spectrogram_sums_magnitudes_into_bands():
    x = tone(1000, seconds=0.5, rate=16000) * 0.5
    mel = audio.spectrogram(x, 16000, n_mels=40)
    assert mel.shape == (48, 40) and mel.dtype == np.float32
    magnitude = np.exp(direct_log_spectrogram(x, 400, 160, 512)) - 1e-6
    np.testing.assert_allclose(mel, np.log(magnitude @ audio.mel_filterbank(40, 512, 16000) + 1e-6),
                               rtol=1e-5, atol=1e-4)
    centers = 700 * (10 ** (np.linspace(0, 2595 * np.log10(1 + 8000 / 700), 42)[1:-1] / 2595) - 1)
    loudest = set(mel.argmax(axis=1))
    assert loudest <= set(np.argsort(np.abs(centers - 1000))[:2])   # the bands around 1 kHz


@pytest.mark.parametrize("wave_, rate, kwargs, message", [
    (np.zeros((2, 800)), 16000, {}, "must be 1-D"),
    (np.array(["a"] * 800), 16000, {}, "1-D array of float samples"),
    (np.array([0.0] * 799 + [np.nan]), 16000, {}, "sample 799 is nan"),
    (np.array([np.inf] * 800), 16000, {}, "finite"),
    (np.zeros(399), 16000, {}, "399 samples, fewer than one frame of 400"),
    (np.zeros(800), 0, {}, "positive whole number"),
    (np.zeros(800), 16000.5, {}, "positive whole number"),
    (np.zeros(800), "16k", {}, "sample_rate must be a number"),
    (np.zeros(800), 16000, {"frame_length": 0}, "frame_length must be a positive number of seconds"),
    (np.zeros(800), 16000, {"frame_step": 1e-6}, "less than one sample"),
    (np.zeros(800), 16000, {"n_mels": 0}, "n_mels must be None or a positive int"),
    (np.zeros(800), 16000, {"frame_length": "25ms"}, "in seconds"),
])
def test_spectrogram_says_what_it_expected(wave_, rate, kwargs, message):
    with pytest.raises(ValueError, match=message):
        audio.spectrogram(wave_, rate, **kwargs)


# ------------------------------------------------------------------ WAV files


def write_with_wave(path_or_stream, frames: bytes, width: int, channels: int = 1, rate: int = 8000):
    with wave.open(path_or_stream, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(frames)


def pcm(values: np.ndarray, width: int) -> bytes:
    """Integer samples as little-endian PCM bytes of `width` bytes (8-bit is unsigned)."""
    if width == 1:
        return (values + 128).astype(np.uint8).tobytes()
    if width == 3:
        v = values.astype(np.int64) & 0xFFFFFF
        return np.stack([v & 0xFF, (v >> 8) & 0xFF, v >> 16], axis=1).astype(np.uint8).tobytes()
    return values.astype({2: "<i2", 4: "<i4"}[width]).tobytes()


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_load_wav_reads_pcm_written_by_the_stdlib(tmp_path, width):
    full = 2 ** (8 * width - 1)
    values = np.array([0, 1, -1, full - 1, -full, full // 2, -full // 3], dtype=np.int64)
    path = tmp_path / f"{width * 8}bit.wav"
    write_with_wave(str(path), pcm(values, width), width, rate=11025)
    wave_, rate = audio.load_wav(path)
    assert rate == 11025
    assert wave_.dtype == np.float32 and wave_.ndim == 1
    np.testing.assert_allclose(wave_, values / full, atol=1e-7)
    assert wave_.min() >= -1 and wave_.max() <= 1


@pytest.mark.parametrize("width", [1, 2, 4])
def test_load_wav_mixes_stereo_to_mono(width):
    full = 2 ** (8 * width - 1)
    left = np.array([0, full // 2, -full, full - 1], dtype=np.int64)
    right = np.array([0, -full // 2, -full, 1 - full], dtype=np.int64)
    interleaved = np.stack([left, right], axis=1).ravel()
    stream = io.BytesIO()
    write_with_wave(stream, pcm(interleaved, width), width, channels=2, rate=44100)
    wave_, rate = audio.load_wav(stream.getvalue())
    assert rate == 44100 and wave_.shape == (4,)
    np.testing.assert_allclose(wave_, (left + right) / 2 / full, atol=1e-6)


def test_load_wav_takes_bytes_paths_and_binary_files(tmp_path):
    path = tmp_path / "a.wav"
    write_with_wave(str(path), pcm(np.arange(-50, 50), 2), 2)
    from_path, _ = audio.load_wav(str(path))
    from_bytes, _ = audio.load_wav(path.read_bytes())
    with open(path, "rb") as stream:
        from_file, _ = audio.load_wav(stream)
    np.testing.assert_array_equal(from_path, from_bytes)
    np.testing.assert_array_equal(from_path, from_file)
    with open(path) as text, pytest.raises(ValueError, match="binary mode"):
        audio.load_wav(text)
    with pytest.raises(ValueError, match="expected a path, bytes or a binary file"):
        audio.load_wav(42)


def extensible(data: bytes, subformat: int = 1) -> bytes:
    """A plain PCM WAV rewritten with a WAVE_FORMAT_EXTENSIBLE fmt chunk (40 bytes)."""
    fmt = data.index(b"fmt ")
    tag, channels, rate, byte_rate, align, bits = struct.unpack_from("<HHIIHH", data, fmt + 8)
    guid = struct.pack("<H", subformat) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    body = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, byte_rate, align, bits, 22, bits, 0) + guid
    rest = data[fmt + 8 + 16:]
    riff = b"WAVE" + b"fmt " + struct.pack("<I", len(body)) + body + rest
    return b"RIFF" + struct.pack("<I", len(riff)) + riff


def test_load_wav_reads_wave_format_extensible():
    stream = io.BytesIO()
    values = np.array([0, 1000, -1000, 2 ** 23 - 1], dtype=np.int64)
    write_with_wave(stream, pcm(values, 3), 3, rate=48000)
    wave_, rate = audio.load_wav(extensible(stream.getvalue()))
    assert rate == 48000
    np.testing.assert_allclose(wave_, values / 2 ** 23, atol=1e-7)
    with pytest.raises(ValueError, match=r"IEEE float.*integer PCM"):
        audio.load_wav(extensible(stream.getvalue(), subformat=3))


def test_load_wav_names_what_it_cannot_read():
    stream = io.BytesIO()
    write_with_wave(stream, pcm(np.zeros(10, dtype=np.int64), 2), 2)
    data = bytearray(stream.getvalue())
    fmt = data.index(b"fmt ")
    for tag, label in [(3, "IEEE float"), (7, "mu-law"), (2, "Microsoft ADPCM"), (0x55, "MP3"), (0x1234, "format 0x1234")]:
        struct.pack_into("<H", data, fmt + 8, tag)
        with pytest.raises(ValueError, match=rf"compressed or non-integer WAV \({label}"):
            audio.load_wav(bytes(data))
    with pytest.raises(ValueError, match="not a WAV file.*an MP3 file"):
        audio.load_wav(b"ID3\x03\x00" + bytes(100))
    with pytest.raises(ValueError, match="not a WAV file.*starts with"):
        audio.load_wav(b"hello, world, this is text")
    with pytest.raises(ValueError, match="not a WAV file"):
        audio.load_wav(b"")
    with pytest.raises(ValueError, match="no fmt chunk"):
        audio.load_wav(b"RIFF\x04\x00\x00\x00WAVE")


def test_write_wav_round_trips_through_load_wav(tmp_path):
    x = tone(440, seconds=0.2, rate=8000, amplitude=0.9)
    target = audio.write_wav(tmp_path / "t.wav", np.concatenate([x, [1.5, -2.0]]), 8000)
    assert target == str(tmp_path / "t.wav")
    with wave.open(target) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 8000)
    back, rate = audio.load_wav(target)
    assert rate == 8000
    np.testing.assert_allclose(back[:-2], x, atol=0.5 / 32768)
    assert back[-2:].tolist() == [32767 / 32768, -1.0]                     # clipped to 16 bits
    audio.write_wav(tmp_path / "again.wav", back, rate)
    assert (tmp_path / "again.wav").read_bytes() == Path(target).read_bytes()   # exactly


# ------------------------------------------------------------------ sound out, natively


def test_play_writes_numbered_wav_files_here(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    x = tone(440, seconds=0.5, rate=16000, amplitude=0.3)
    assert audio.play(x, 16000) == 0.5
    assert audio.play(x.astype(np.float32), 16000) == 0.5
    first, second = tmp_path / "pyapp-sound-1.wav", tmp_path / "pyapp-sound-2.wav"
    assert first.exists() and second.exists()
    out = capsys.readouterr().out
    assert f"wrote 0.50 s of sound to {first}" in out and str(second) in out
    back, rate = audio.load_wav(first)
    assert rate == 16000
    np.testing.assert_allclose(back, x, atol=0.5 / 32768)
    assert audio.stop() is None          # nothing to stop without a page


def test_play_notes_writes_the_rendered_notes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    notes = [(69, 0.0, 0.5, 127), (76, 0.5, 0.25, 64), (81, 1.0, 0.5, 100)]
    assert audio.play_notes(notes) == 1.5
    assert "play_notes: wrote 1.50 s of sound" in capsys.readouterr().out
    back, rate = audio.load_wav(tmp_path / "pyapp-sound-1.wav")
    assert rate == 44100 and len(back) == round(1.5 * 44100)
    np.testing.assert_allclose(back, audio.render_notes(notes, 44100), atol=0.5 / 32768 + 1e-7)
    spectrum = np.abs(np.fft.rfft(back[:22050]))
    assert spectrum.argmax() * 44100 / 22050 == pytest.approx(440, abs=2)     # A4
    quiet = back[int(0.76 * 44100):int(0.99 * 44100)]
    assert np.abs(quiet).max() == 0                                           # the gap between notes
    assert audio.play_notes(np.array(notes)) == 1.5                           # an (n, 4) array too
    assert (tmp_path / "pyapp-sound-2.wav").exists()


def test_render_notes_envelope_and_loudness():
    wave_ = audio.render_notes([(69, 0.1, 1.0, 127)], sample_rate=8000)
    assert wave_.shape == (8800,) and wave_.dtype == np.float32
    assert np.abs(wave_[:800]).max() == 0                                 # nothing before the start
    assert np.abs(wave_).max() == pytest.approx(0.2, abs=0.01)            # peak of velocity 127
    assert np.abs(wave_[-40:]).max() < 0.02                               # released to 0 at the end
    late = np.abs(wave_[int(0.9 * 8000):int(1.0 * 8000)]).max()
    assert 0.1 < late < 0.15                                             # decayed towards half
    assert np.abs(audio.render_notes([(60, 0, 1, 64)], 8000)).max() == pytest.approx(0.2 * 64 / 127, abs=0.01)
    chord = audio.render_notes([(p, 0, 1, 127) for p in range(60, 72)], 8000)
    assert np.abs(chord).max() <= 1.0
    assert np.abs(audio.render_notes([(60, 0, 1, 0)], 8000)).max() == 0    # velocity 0 is silent


@pytest.mark.parametrize("notes, message", [
    ([(128, 0, 1, 100)], "note 0 has pitch 128; expected a whole MIDI note number 0..127"),
    ([(60, 0, 1, 100), (-1, 0, 1, 100)], "note 1 has pitch -1"),
    ([(60.5, 0, 1, 100)], "pitch 60.5"),
    ([(60, -0.1, 1, 100)], "start -0.1; expected seconds >= 0"),
    ([(60, 0, 0, 100)], "duration 0; expected seconds > 0"),
    ([(60, 0, float("nan"), 100)], "duration nan"),
    ([(60, 0, 1, 128)], "velocity 128; expected 0..127"),
    ([(60, 0, 1)], r"shape \(1, 3\)"),
    ((60, 0, 1, 100), "for one note give"),
    ([], "no notes"),
    ([("C4", 0, 1, 100)], "tuples of numbers"),
    ([(60, 3600, 1, 100)], "expected at most 3600 s"),
])
def test_play_notes_checks_its_notes(notes, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=message):
        audio.play_notes(notes)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    ((np.zeros(0), 16000), "empty"),
    ((np.zeros((10, 2)), 16000), r"mix it to mono first"),
    ((np.zeros(10), 1000), "3000..768000"),
    ((np.zeros(10), True), "sample_rate must be a number"),
    (([0.0, float("nan")], 16000), "sample 1 is nan"),
])
def test_play_checks_its_wave(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=message):
        audio.play(*args)
    assert list(tmp_path.iterdir()) == []


def test_import_pyapp_stays_light():
    code = ("import sys, pyapp; assert 'audio' in pyapp.__all__ and pyapp.audio.spectrogram; "
            "print(sorted(m for m in ('scipy', 'wave') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "scipy" not in out
