# Sound classifier: record a few clips of each sound from the microphone (or give WAV files with Open…), train a small CNN on their spectrograms in this page, and classify live with confidence bars.
# In Teachable Machine's style, and nothing leaves this device: the sound, the training and
# the model stay in the browser. Follow the prompts in the microphone panel (bottom right).
# To train from files instead, give WAV files named after the classes with Open… (for
# example clap_1.wav, clap_2.wav, voice_1.wav, ...): a class with files is not recorded.
import asyncio
import glob

import numpy as np
import pyapp
from pyapp import audio, layers, sensors

CLASSES = ["clap", "voice", "silence"]
CLIPS_PER_CLASS = 8
CLIP_SECONDS = 1.0
SAMPLE_RATE = 16000
LIVE_SECONDS = 20
CLIP_SAMPLES = int(CLIP_SECONDS * SAMPLE_RATE)


def features(wave):
    """A clip as the CNN sees it: its log-mel spectrogram, (frames, 32, 1)."""
    return audio.spectrogram(wave, SAMPLE_RATE, n_mels=32)[..., None]


def from_file(path):
    """A WAV file as one clip at SAMPLE_RATE: resampled, then cut or padded to CLIP_SECONDS."""
    wave, rate = audio.load_wav(path)
    if rate != SAMPLE_RATE:
        wave = np.interp(np.arange(0, len(wave), rate / SAMPLE_RATE), np.arange(len(wave)), wave).astype("float32")
    return np.pad(wave[:CLIP_SAMPLES], (0, max(0, CLIP_SAMPLES - len(wave))))


mic = sensors.Microphone(sample_rate=SAMPLE_RATE)
try:
    await mic.start()
except sensors.SensorError as error:
    # PermissionDeniedError, NoMicrophoneError, MicrophoneInUseError, NotSecureContextError
    raise SystemExit(f"No microphone: {error}")
print(f"microphone: {mic.label}, recording at {SAMPLE_RATE} Hz")

# 1. Clips of each class: from WAV files given with Open…, else recorded.
clips, labels = [], []
for index, name in enumerate(CLASSES):
    files = sorted(glob.glob(f"{name}_*.wav"))
    if files:
        clips += [from_file(path) for path in files]
        labels += [index] * len(files)
        print(f"{len(files)} clips of {name} from WAV files")
        continue
    for left in range(3, 0, -1):
        mic.show_prompt(f"Get ready to make the sound '{name}' in {left}…")
        await asyncio.sleep(1)
    for number in range(CLIPS_PER_CLASS):
        mic.show_prompt(f"'{name}': clip {number + 1} of {CLIPS_PER_CLASS}")
        clips.append(await mic.record(CLIP_SECONDS))
        labels.append(index)
    print(f"recorded {CLIPS_PER_CLASS} clips of {name}")
mic.show_prompt("Training…")

# 2. Train a small CNN on their spectrograms, in this page.
x = np.stack([features(clip) for clip in clips]).astype("float32")
mean, std = x.mean(), x.std() + 1e-6
x = (x - mean) / std
y = np.array(labels)
pyapp.utils.set_random_seed(0)
model = pyapp.Sequential([
    pyapp.Input(shape=x.shape[1:]),
    layers.Conv2D(8, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(16, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dropout(0.3),
    layers.Dense(len(CLASSES), activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, epochs=15, batch_size=8, verbose=0)
print(f"trained on {len(x)} clips of {x.shape[1]} frames x 32 mel bands: loss {history.history['loss'][0]:.3f} -> "
      f"{history.history['loss'][-1]:.3f}, accuracy {history.history['accuracy'][-1]:.2f}")
model.save("indexeddb://sound-classifier")  # load it again with pyapp.models.load_model(...)
print("saved as indexeddb://sound-classifier")

# 3. Live: a second of sound at a time, with confidence bars, until Stop is pressed (or
#    LIVE_SECONDS pass).
mic.show_prompt("Live: make any of the sounds")
heard = []
async for chunk in mic.chunks(CLIP_SECONDS, count=int(LIVE_SECONDS / CLIP_SECONDS)):
    scores = model.predict(((features(chunk) - mean) / std)[None].astype("float32"), verbose=0)[0]
    mic.show_scores(CLASSES, scores)
    heard.append(CLASSES[int(scores.argmax())])
    print(f"{heard[-1]}: {scores.max():.0%}")
mic.stop()
print(f"{len(heard)} live seconds classified")
