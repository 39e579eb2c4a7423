"""Benchmark cases: each is `run(harness, runs, quick) -> list of figures`.

A figure is {"case", "name", "variant", "unit", "values": [one value per run]}; run.py
adds min/median/max. Ratios between variants are computed by chart.py.
"""

from . import apps, bridge, inference, melody, memory, native, scale, sensors, startup, training

ALL = {
    "startup": startup.run,
    "training": training.run,
    "bridge": bridge.run,
    "inference": inference.run,
    "memory": memory.run,
    "sensors": sensors.run,
    "native": native.run,
    "apps": apps.run,
    "melody": melody.run,
    "scale": scale.run,
}
