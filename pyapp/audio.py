"""Sound: spectrograms for models, WAV files in and out, and sound out of the page.

    wave, rate = pyapp.audio.load_wav("clap.wav")              # float32 1-D in [-1, 1], Hz
    spec = pyapp.audio.spectrogram(wave, rate)                 # (frames, 257): log magnitude
    mels = pyapp.audio.spectrogram(wave, rate, n_mels=40)      # (frames, 40): log mel
    pyapp.audio.play(wave, rate)                               # through the speakers
    pyapp.audio.play_notes([(60, 0.0, 0.5, 100), (64, 0.5, 0.5, 100), (67, 1.0, 1.0, 90)])
    pyapp.audio.stop()

`spectrogram`, `mel_filterbank`, `load_wav`, `write_wav` and `render_notes` are plain
numpy, so they give the same numbers in the page and under CPython. `play` and
`play_notes` send the sound to the page, which plays it with WebAudio on the main thread
(static/app/audio.js) and returns at once: the program goes on while the sound plays, and
each returns the sound's length in seconds for a program that wants to wait for it. The
page's Stop button, a restart, and `stop()` silence it.

Under CPython (no page) `play` and `play_notes` write the sound to a WAV file in the
current directory, `pyapp-sound-<n>.wav` (the first n not taken), and print where;
`stop()` does nothing there.
"""

from __future__ import annotations

import io
import math
import os
import struct
import sys
import wave as _wave

import numpy as np

__all__ = ["spectrogram", "mel_filterbank", "load_wav", "write_wav", "render_notes", "play", "play_notes", "stop"]

#: Added to the magnitude before the natural log, so that silence gives log(1e-6), not -inf.
LOG_OFFSET = 1e-6

# The synthesizer of play_notes, the same here (render_notes) and in the page (audio.js):
# a triangle wave per note whose gain rises linearly to its peak in _ATTACK seconds, falls
# from there towards _SUSTAIN of its peak with time constant _DECAY, and in its last
# _RELEASE seconds falls linearly to 0 (attack and release take at most half the note).
_PEAK = 0.2          # the gain of velocity 127: five such notes at once reach 1.0
_ATTACK = 0.01
_DECAY = 0.3
_SUSTAIN = 0.5
_RELEASE = 0.05
_NOTES_SAMPLE_RATE = 44100   # what play_notes renders at under CPython
_LONGEST_PIECE = 3600.0      # seconds: notes must end before this
_PAGE_RATES = (3000, 768000)  # sample rates WebAudio's AudioBuffer takes (Chromium)

_WAV_FORMATS = {0x0002: "Microsoft ADPCM", 0x0003: "IEEE float", 0x0006: "A-law", 0x0007: "mu-law",
                0x0011: "IMA ADPCM", 0x0031: "GSM 6.10", 0x0050: "MPEG", 0x0055: "MP3"}
_PCM_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"  # KSDATAFORMAT_SUBTYPE_*
_OTHER_FILES = {b"ID3": "an MP3 file", b"\xff\xfb": "an MP3 file", b"fLaC": "a FLAC file",
                b"OggS": "an Ogg file (Vorbis or Opus)", b"\x1aE\xdf\xa3": "a WebM/Matroska file"}


# ------------------------------------------------------------------ checks


def _sample_rate(sample_rate, what: str) -> int:
    """`sample_rate` as a positive int (an integral float such as 16000.0 is taken too)."""
    if isinstance(sample_rate, (bool, np.bool_)) or not isinstance(sample_rate, (int, float, np.integer,
                                                                                 np.floating)):
        raise ValueError(f"{what}: sample_rate must be a number of samples per second (e.g. 16000), "
                         f"got {sample_rate!r}")
    if not (math.isfinite(sample_rate) and sample_rate > 0 and float(sample_rate).is_integer()):
        raise ValueError(f"{what}: sample_rate must be a positive whole number of samples per second "
                         f"(e.g. 16000), got {sample_rate!r}")
    return int(sample_rate)


def _wave_array(wave, what: str) -> np.ndarray:
    """`wave` as a 1-D float64 array of finite numbers, or the ValueError saying what is wrong."""
    array = np.asarray(wave)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.floating)
                                     or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{what}: wave must be a 1-D array of float samples (e.g. float32 in [-1, 1]), "
                         f"got dtype {array.dtype}")
    if array.ndim != 1:
        hint = " (stereo? mix it to mono first: wave.mean(axis=1))" if array.ndim == 2 else ""
        raise ValueError(f"{what}: wave must be 1-D (one channel of samples), got shape {array.shape}{hint}")
    array = array.astype(np.float64, copy=False)
    if not np.isfinite(array).all():
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ValueError(f"{what}: wave must hold finite numbers, but sample {bad} is {array[bad]}")
    return array


def _seconds_to_samples(seconds, sample_rate: int, name: str, what: str) -> int:
    if isinstance(seconds, (bool, np.bool_)) or not isinstance(seconds, (int, float, np.integer, np.floating)):
        raise ValueError(f"{what}: {name} is in seconds (e.g. 0.025), got {seconds!r}")
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{what}: {name} must be a positive number of seconds, got {seconds!r}")
    samples = int(round(seconds * sample_rate))
    if samples < 1:
        raise ValueError(f"{what}: {name}={seconds} s is less than one sample at {sample_rate} Hz")
    return samples


# ------------------------------------------------------------------ spectrograms


def _hz_to_mel(hz):
    """The HTK mel scale: 2595 * log10(1 + f / 700)."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def _mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(n_mels: int, n_fft: int, sample_rate, fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """The matrix that turns the magnitudes of an FFT's bins into mel bands.

    `n_mels` triangular filters whose corners are evenly spaced on the HTK mel scale,
    mel = 2595 * log10(1 + hz / 700), from `fmin` to `fmax`: filter k rises linearly (in Hz)
    from corner k to 1 at corner k + 1 and falls back to 0 at corner k + 2. The filters are
    not normalised (each peaks at 1). A filter narrower than the bins' spacing may catch no
    bin and be all zeros (many mels with a short frame): its band is then log(1e-6) in a
    spectrogram.

    Args:
        n_mels: the number of mel bands.
        n_fft: the FFT's length; its bins are n_fft // 2 + 1 frequencies, 0 to sample_rate / 2.
        sample_rate: samples per second.
        fmin: the lowest frequency, in Hz.
        fmax: the highest, in Hz; sample_rate / 2 if None.

    Returns:
        float64 array of shape (n_fft // 2 + 1, n_mels): `magnitudes @ bank` gives the bands.

    Example:
        >>> pyapp.audio.mel_filterbank(40, 512, 16000).shape
        (257, 40)
    """
    what = "mel_filterbank"
    sample_rate = _sample_rate(sample_rate, what)
    for name, value in (("n_mels", n_mels), ("n_fft", n_fft)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{what}: {name} must be a positive int, got {value!r}")
    if n_fft < 2:
        raise ValueError(f"{what}: n_fft must be at least 2, got {n_fft}")
    nyquist = sample_rate / 2
    fmax = nyquist if fmax is None else float(fmax)
    fmin = float(fmin)
    if not 0 <= fmin < fmax <= nyquist:
        raise ValueError(f"{what}: expected 0 <= fmin < fmax <= sample_rate / 2 = {nyquist:g} Hz, "
                         f"got fmin={fmin:g}, fmax={fmax:g}")
    corners = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), int(n_mels) + 2))
    bins = np.arange(int(n_fft) // 2 + 1) * (sample_rate / int(n_fft))
    lower, center, upper = corners[:-2], corners[1:-1], corners[2:]
    rising = (bins[:, None] - lower) / (center - lower)
    falling = (upper - bins[:, None]) / (upper - center)
    return np.maximum(0.0, np.minimum(rising, falling))


def spectrogram(wave, sample_rate, frame_length: float = 0.025, frame_step: float = 0.010,
                n_mels: int | None = None) -> np.ndarray:
    """The log-magnitude spectrogram of a sound: what a model of sound looks at.

    The wave is cut into frames of `frame_length` seconds, one every `frame_step` seconds
    (only whole frames: frames = 1 + (len(wave) - frame) // step, in samples); each frame is
    multiplied by a periodic Hann window and transformed by a real FFT whose length is the
    frame's, rounded up to a power of two (400 samples -> 512: 257 bins from 0 Hz to
    sample_rate / 2). The result is the natural log of the magnitude plus 1e-6,
    `log(|FFT| + 1e-6)`, so silence gives about -13.8 and not -inf. With `n_mels` the
    magnitudes are first summed into mel bands (`mel_filterbank`, HTK mel scale, 0 Hz to
    sample_rate / 2): `log(|FFT| @ bank + 1e-6)`. The magnitudes are not scaled: a sine of
    amplitude A at a bin's frequency gives A * frame / 4 in that bin.

    It is numpy alone (no TensorFlow.js), so it gives the same numbers in the page and
    under CPython.

    Args:
        wave: 1-D array of samples (float, e.g. float32 in [-1, 1] from `load_wav` or the
            microphone; integers are taken as they are), all finite, at least one frame long.
        sample_rate: the wave's samples per second.
        frame_length: seconds per frame (rounded to whole samples); 25 ms by default.
        frame_step: seconds from one frame's start to the next; 10 ms by default.
        n_mels: None for the FFT's bins, or the number of mel bands.

    Returns:
        float32 array of shape (frames, bins) with bins = fft_length // 2 + 1, or
        (frames, n_mels): time down, frequency across (low to high).

    Raises:
        ValueError: for a wave that is not 1-D, not numbers, not finite, or shorter than one
            frame, and for a sample rate, frame length or step that is not positive.

    Example:
        >>> t = np.arange(16000) / 16000
        >>> spec = pyapp.audio.spectrogram(np.sin(2 * np.pi * 1000 * t), 16000)
        >>> spec.shape                       # 1 s: 98 frames of 400 samples, 512-point FFT
        (98, 257)
        >>> int(spec[0].argmax()) * 16000 / 512   # the peak bin is the tone's frequency
        1000.0
    """
    what = "spectrogram"
    sample_rate = _sample_rate(sample_rate, what)
    samples = _wave_array(wave, what)
    frame = _seconds_to_samples(frame_length, sample_rate, "frame_length", what)
    step = _seconds_to_samples(frame_step, sample_rate, "frame_step", what)
    if len(samples) < frame:
        raise ValueError(f"{what}: the wave has {len(samples)} samples, fewer than one frame of {frame} "
                         f"(frame_length={frame_length} s at {sample_rate} Hz); give a longer wave or a "
                         "shorter frame_length")
    if n_mels is not None and (isinstance(n_mels, (bool, np.bool_)) or not isinstance(n_mels, (int, np.integer))
                               or n_mels < 1):
        raise ValueError(f"{what}: n_mels must be None or a positive int, got {n_mels!r}")
    fft_length = 1 << max(frame - 1, 1).bit_length()
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(frame) / frame)   # periodic Hann
    frames = np.lib.stride_tricks.sliding_window_view(samples, frame)[::step]
    magnitude = np.abs(np.fft.rfft(frames * window, n=fft_length, axis=-1))
    if n_mels is not None:
        magnitude = magnitude @ mel_filterbank(int(n_mels), fft_length, sample_rate)
    return np.log(magnitude + LOG_OFFSET).astype(np.float32)


# ------------------------------------------------------------------ WAV files


def _wav_bytes(path_or_bytes) -> tuple[bytes, str]:
    """The file's bytes and how to name it in messages."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes), "the data given"
    if isinstance(path_or_bytes, io.TextIOBase):
        raise ValueError("load_wav: a file object must be opened in binary mode ('rb')")
    if hasattr(path_or_bytes, "read"):
        data = path_or_bytes.read()
        if not isinstance(data, (bytes, bytearray)):
            raise ValueError("load_wav: a file object must be opened in binary mode ('rb')")
        return bytes(data), getattr(path_or_bytes, "name", "the file")
    if isinstance(path_or_bytes, (str, os.PathLike)):
        with open(path_or_bytes, "rb") as stream:
            return stream.read(), os.fspath(path_or_bytes)
    raise ValueError(f"load_wav: expected a path, bytes or a binary file, got {type(path_or_bytes).__name__}")


def _fmt_chunk(data: bytes) -> tuple[int, int, bool] | None:
    """(offset of the fmt chunk's body, its format tag (for WAVE_FORMAT_EXTENSIBLE the
    subformat's, -1 if it is not a known one), whether it is EXTENSIBLE), or None."""
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = data[offset:offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        if chunk_id == b"fmt " and offset + 8 + 2 <= len(data):
            body = offset + 8
            tag = struct.unpack_from("<H", data, body)[0]
            if tag == 0xFFFE and size >= 40 and body + 40 <= len(data):
                tag = struct.unpack_from("<H", data, body + 24)[0]   # WAVE_FORMAT_EXTENSIBLE's subformat
                if data[body + 26:body + 40] != _PCM_GUID_TAIL:
                    tag = -1
                return body, tag, True
            return body, tag, False
        offset += 8 + size + (size & 1)
    return None


def _readable_by_wave(data: bytes, name: str) -> bytes:
    """`data`, checked to be integer PCM in a RIFF/WAVE file, and made readable by the
    stdlib's wave (whose Python 3.11 takes no WAVE_FORMAT_EXTENSIBLE: its header is then
    given the plain PCM tag, which describes the same samples)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        kind = next((label for magic, label in _OTHER_FILES.items() if data.startswith(magic)), None)
        if data[:4] == b"RIFX":
            kind = "a big-endian WAV (RIFX)"
        found = f"it looks like {kind}" if kind else f"it starts with {data[:12]!r}"
        raise ValueError(f"load_wav: {name} is not a WAV file (expected a RIFF/WAVE header; {found}); "
                         "convert it to WAV (PCM), e.g. ffmpeg -i in.mp3 out.wav")
    fmt = _fmt_chunk(data)
    if fmt is None:
        raise ValueError(f"load_wav: {name} is a broken WAV file: it has no fmt chunk")
    body, tag, extensible = fmt
    if tag != 0x0001:
        label = _WAV_FORMATS.get(tag, "an unknown format" if tag < 0 else f"format {tag:#06x}")
        raise ValueError(f"load_wav: {name} is a compressed or non-integer WAV ({label}); load_wav reads "
                         "integer PCM (8, 16, 24 or 32 bits): convert it, e.g. "
                         "ffmpeg -i in.wav -c:a pcm_s16le out.wav")
    if extensible:
        data = bytearray(data)
        struct.pack_into("<H", data, body, 0x0001)
        data = bytes(data)
    return data


def _pcm_to_float(frames: bytes, width: int) -> np.ndarray:
    """Little-endian PCM samples of `width` bytes as float32 in [-1, 1]."""
    raw = np.frombuffer(frames, dtype=np.uint8)
    if width == 1:   # 8-bit WAV is unsigned, 128 is silence
        return ((raw.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    if width == 2:
        return (np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)
    if width == 3:
        triples = raw[:len(raw) // 3 * 3].reshape(-1, 3).astype(np.int32)
        values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        values = np.where(values >= 1 << 23, values - (1 << 24), values)
        return (values.astype(np.float64) / float(1 << 23)).astype(np.float32)
    if width == 4:
        return (np.frombuffer(frames, dtype="<i4").astype(np.float64) / float(1 << 31)).astype(np.float32)
    raise ValueError(f"load_wav: {width * 8}-bit samples are not read; expected 8, 16, 24 or 32-bit PCM")


def load_wav(path_or_bytes) -> tuple[np.ndarray, int]:
    """Reads a WAV file: the samples as float32 mono in [-1, 1], and the sample rate.

    Integer PCM of 8, 16, 24 or 32 bits (plain or WAVE_FORMAT_EXTENSIBLE), any number of
    channels: more than one are mixed to mono by their mean. Compressed WAVs (ADPCM, A-law,
    mu-law, MP3 in WAV) and 32-bit float WAVs are not read: convert them to integer PCM.

    Args:
        path_or_bytes: a path (str or os.PathLike) in Python's file system (in the page,
            the files given with Open… are there), the file's bytes, or a file object
            opened with "rb".

    Returns:
        (wave, sample_rate): float32 1-D array, and samples per second as an int.

    Raises:
        ValueError: the data is not a WAV file, or not one of the formats above.

    Example:
        >>> wave, rate = pyapp.audio.load_wav("clap.wav")
        >>> wave.dtype, wave.ndim, rate
        (dtype('float32'), 1, 16000)
    """
    data, name = _wav_bytes(path_or_bytes)
    data = _readable_by_wave(data, name)
    try:
        with _wave.open(io.BytesIO(data), "rb") as reader:
            channels, width, rate = reader.getnchannels(), reader.getsampwidth(), reader.getframerate()
            frames = reader.readframes(reader.getnframes())
    except (_wave.Error, EOFError, struct.error) as error:
        raise ValueError(f"load_wav: {name} is not a readable WAV file ({error})") from None
    samples = _pcm_to_float(frames, width)
    samples = samples[:len(samples) // channels * channels]
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1, dtype=np.float64).astype(np.float32)
    return samples, int(rate)


def write_wav(path, wave, sample_rate) -> str:
    """Writes a mono wave as a 16-bit PCM WAV file (what `load_wav` reads back).

    Samples are scaled by 32768 (as `load_wav` divides) and clipped to 16 bits, so 1.0 is
    written as 32767 and a wave read by `load_wav` from a 16-bit file is written back exactly.
    Returns the file's absolute path.

    Example:
        >>> pyapp.audio.write_wav("tone.wav", np.sin(np.arange(8000) / 8000 * 2 * np.pi * 440), 8000)
        '/home/me/tone.wav'
    """
    what = "write_wav"
    sample_rate = _sample_rate(sample_rate, what)
    samples = _wave_array(wave, what)
    pcm = np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2")
    target = os.path.abspath(os.fspath(path))
    with _wave.open(target, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm.tobytes())
    return target


# ------------------------------------------------------------------ notes


def _notes_array(notes, what: str) -> np.ndarray:
    """`notes` as a float64 (n, 4) array [pitch, start, duration, velocity], checked."""
    try:
        array = np.asarray(notes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: notes must be (pitch, start, duration, velocity) tuples of numbers "
                         "or an array of shape (n, 4)") from None
    if array.size == 0:
        raise ValueError(f"{what}: there are no notes to play")
    if array.ndim == 1 and array.shape == (4,):
        raise ValueError(f"{what}: notes is a sequence of notes; for one note give [(pitch, start, duration, "
                         "velocity)]")
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"{what}: notes must be (pitch, start, duration, velocity) tuples or an array of "
                         f"shape (n, 4), got shape {array.shape}")
    pitch, start, duration, velocity = array.T
    checks = [
        ("pitch", pitch, np.isfinite(pitch) & (pitch == np.round(pitch)) & (pitch >= 0) & (pitch <= 127),
         "a whole MIDI note number 0..127 (60 is middle C)"),
        ("start", start, np.isfinite(start) & (start >= 0), "seconds >= 0"),
        ("duration", duration, np.isfinite(duration) & (duration > 0), "seconds > 0"),
        ("velocity", velocity, np.isfinite(velocity) & (velocity >= 0) & (velocity <= 127), "0..127"),
    ]
    for name, values, good, expected in checks:
        if not good.all():
            index = int(np.flatnonzero(~good)[0])
            raise ValueError(f"{what}: note {index} has {name} {values[index]:g}; expected {expected}")
    end = float((start + duration).max())
    if end > _LONGEST_PIECE:
        raise ValueError(f"{what}: the notes end at {end:g} s; expected at most {_LONGEST_PIECE:g} s")
    return array


def _envelope(t: np.ndarray, duration: float, peak: float) -> np.ndarray:
    """The gain of a note at times `t` (seconds from its start, 0 <= t <= duration)."""
    attack, release = min(_ATTACK, duration / 2), min(_RELEASE, duration / 2)
    sustain = _SUSTAIN * peak

    def decayed(at):
        return sustain + (peak - sustain) * np.exp(-(at - attack) / _DECAY)

    held = decayed(duration - release)
    return np.where(t < attack, peak * t / attack,
                    np.where(t < duration - release, decayed(t), held * (duration - t) / release))


def render_notes(notes, sample_rate=_NOTES_SAMPLE_RATE) -> np.ndarray:
    """The wave that `play_notes` plays: the notes rendered by its small synthesizer.

    Each note is a triangle wave at its pitch's frequency, 440 * 2 ** ((pitch - 69) / 12)
    Hz, with a gain envelope: up linearly to 0.2 * velocity / 127 in 10 ms, then falling
    towards half of that (time constant 0.3 s), and down linearly to 0 in the note's last
    50 ms (attack and release take at most half of a short note). Notes add up; if the sum
    leaves [-1, 1] the whole wave is scaled into it (the page's output clips instead). The
    page's synthesizer plays the same envelope on a WebAudio triangle oscillator (which is
    band-limited: it sounds alike).

    Args:
        notes: (pitch, start, duration, velocity) tuples, or an array of shape (n, 4):
            pitch a MIDI note number 0..127, start and duration in seconds, velocity 0..127.
        sample_rate: samples per second of the result.

    Returns:
        float32 1-D array, as long as the last note's end.

    Example:
        >>> wave = pyapp.audio.render_notes([(69, 0, 1, 127)], sample_rate=8000)
        >>> wave.shape
        (8000,)
    """
    what = "render_notes"
    sample_rate = _sample_rate(sample_rate, what)
    array = _notes_array(notes, what)
    end = float((array[:, 1] + array[:, 2]).max())
    out = np.zeros(max(1, int(math.ceil(end * sample_rate))), dtype=np.float64)
    for pitch, start, duration, velocity in array:
        first = int(math.ceil(start * sample_rate))
        last = min(len(out), int(math.ceil((start + duration) * sample_rate)))
        if last <= first:
            continue
        t = np.arange(first, last) / sample_rate - start
        phase = (440.0 * 2.0 ** ((pitch - 69) / 12.0)) * t
        triangle = 1.0 - 4.0 * np.abs((phase + 0.25) % 1.0 - 0.5)   # 0 at t=0, rising, period 1/f
        out[first:last] += triangle * _envelope(t, duration, _PEAK * velocity / 127.0)
    loudest = float(np.abs(out).max())
    if loudest > 1.0:
        out /= loudest
    return out.astype(np.float32)


# ------------------------------------------------------------------ sound out


def _page():
    """pyapp's channel to the page (pyapp.backend._page), or None outside a browser (CPython),
    where there is no page."""
    if sys.platform != "emscripten":  # as pyapp.backend.engine_name() tells the browser apart
        return None
    from .backend import _page

    return _page


def _keep_here(wave: np.ndarray, sample_rate: int, what: str) -> None:
    """Sound without a page: the next free pyapp-sound-<n>.wav in the current directory."""
    n = 1
    while os.path.exists(f"pyapp-sound-{n}.wav"):
        n += 1
    target = write_wav(f"pyapp-sound-{n}.wav", wave, sample_rate)
    print(f"pyapp.audio.{what}: wrote {len(wave) / sample_rate:.2f} s of sound to {target} "
          "(in the browser page it is played)")


def play(wave, sample_rate) -> float:
    """Plays a mono wave through the page's speakers (WebAudio), and returns at once.

    The samples go to the page as float32 (values beyond [-1, 1] are clipped by the
    output). Sounds played one after another overlap; `stop()`, the page's Stop and a
    restart silence them. Under CPython the wave is written to pyapp-sound-<n>.wav in the
    current directory instead (16-bit PCM), and a line says where.

    Args:
        wave: 1-D array of finite samples, nominally in [-1, 1].
        sample_rate: its samples per second, 3000..768000 (what WebAudio takes).

    Returns:
        the sound's length in seconds: `await asyncio.sleep(pyapp.audio.play(w, 16000))`
        waits until it has played.

    Example:
        >>> t = np.arange(16000) / 16000
        >>> pyapp.audio.play(0.3 * np.sin(2 * np.pi * 440 * t), 16000)
        1.0
    """
    what = "play"
    sample_rate = _sample_rate(sample_rate, what)
    if not _PAGE_RATES[0] <= sample_rate <= _PAGE_RATES[1]:
        raise ValueError(f"{what}: sample_rate must be {_PAGE_RATES[0]}..{_PAGE_RATES[1]} Hz (what WebAudio "
                         f"plays), got {sample_rate}")
    samples = _wave_array(wave, what)
    if len(samples) == 0:
        raise ValueError(f"{what}: the wave is empty (0 samples); there is nothing to play")
    seconds = len(samples) / sample_rate
    page = _page()
    if page is None:
        _keep_here(samples, sample_rate, what)
        return seconds
    data = np.ascontiguousarray(samples, dtype=np.float32)
    buffer = page.buffer_of(memoryview(data).cast("B"))
    page.send("audio.play", {"sampleRate": sample_rate, "samples": buffer}, transfer=[buffer],
              what="pyapp.audio.play()")
    return seconds


def play_notes(notes) -> float:
    """Plays notes on a small synthesizer in the page (WebAudio), and returns at once.

    The notes are scheduled on the page's audio clock from the moment they arrive, so
    their timing does not depend on Python. Each is a triangle wave with a short attack,
    a gentle decay and a release (`render_notes` renders the same synthesizer with numpy).
    Under CPython the notes are rendered at 44100 Hz and written to pyapp-sound-<n>.wav in
    the current directory instead, and a line says where.

    Args:
        notes: (pitch, start, duration, velocity) tuples, or a numpy array of shape (n, 4):
            pitch a whole MIDI note number 0..127 (60 is middle C, 69 the A at 440 Hz),
            start >= 0 and duration > 0 in seconds, velocity 0..127 (loudness; 0 is
            silent). The notes must end within an hour.

    Returns:
        the piece's length in seconds (the last note's end).

    Example:
        >>> pyapp.audio.play_notes([(60, 0.0, 0.4, 100), (64, 0.4, 0.4, 100), (67, 0.8, 0.8, 100)])
        1.6
    """
    what = "play_notes"
    array = _notes_array(notes, what)
    seconds = float((array[:, 1] + array[:, 2]).max())
    page = _page()
    if page is None:
        _keep_here(render_notes(array, _NOTES_SAMPLE_RATE).astype(np.float64), _NOTES_SAMPLE_RATE, what)
        return seconds
    data = np.ascontiguousarray(array, dtype=np.float64)
    buffer = page.buffer_of(memoryview(data).cast("B"))
    page.send("audio.notes", {"notes": buffer}, transfer=[buffer], what="pyapp.audio.play_notes()")
    return seconds


def stop() -> None:
    """Silences every sound that `play` and `play_notes` started in the page, including
    notes not yet begun. Under CPython (no page) it does nothing."""
    page = _page()
    if page is not None and page.has_page():
        page.send("audio.stop", {}, what="pyapp.audio.stop()")
