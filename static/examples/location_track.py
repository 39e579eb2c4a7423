# Location track: record where this device goes, a position every few seconds, and plot the track with the distance covered.
# The browser asks whether this page may know your location; the positions stay in the page.
import asyncio
import math

import numpy as np
import pyapp
from pyapp import sensors

POSITIONS = 8
EVERY_SECONDS = 2.0
EARTH_RADIUS_M = 6_371_000


def metres_between(a, b):
    """The great-circle (haversine) distance between two positions, in metres."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat, dlon = lat2 - lat1, math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


geo = sensors.Geolocation(high_accuracy=True)
track = []
try:
    for number in range(POSITIONS):
        geo.show_prompt(f"Position {number + 1} of {POSITIONS}")
        position = await geo.position()
        track.append(position)
        print(f"{number + 1}: {position.latitude:.5f}, {position.longitude:.5f} (within {position.accuracy:.0f} m)")
        await asyncio.sleep(EVERY_SECONDS)
except sensors.SensorError as error:
    # PermissionDeniedError, PositionUnavailableError, PositionTimeoutError, NotSecureContextError
    raise SystemExit(f"No location: {error}")
finally:
    geo.stop()

legs = [metres_between(a, b) for a, b in zip(track, track[1:])]
print(f"{len(track)} positions, {sum(legs):.0f} m covered, the longest step {max(legs, default=0):.0f} m")
pyapp.vis.scatterplot({"track": (np.array([p.longitude for p in track]), np.array([p.latitude for p in track]))},
                      name="Track", x_label="longitude", y_label="latitude")
