"""A grid-bucket index: which points lie within a radius of a query point.

Points are bucketed into cells of `cell_deg` degrees; a query visits only the cells under the
circle's bounding box and computes exact great-circle distances for the points found there, so
its answer is identical to a full scan. Pure Python, built once per registry load.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from bot.routing.geo import EARTH_RADIUS_KM, haversine_term, haversine_to_km

# 0.05 degrees is about 5.5 km north-south: close to the half-hour radius, so a query
# touches a handful of cells.
DEFAULT_CELL_DEG = 0.05

# Stored per point so a query does no trigonometry on it: id, lat and lon in radians, cos(lat).
_Entry = tuple[str, float, float, float]


class SpatialIndex:
    def __init__(self, points: Iterable[tuple[str, float, float]], cell_deg: float = DEFAULT_CELL_DEG) -> None:
        self._cell_deg = cell_deg
        self._rows = math.ceil(180 / cell_deg)
        self._cols = math.ceil(360 / cell_deg)
        cells: defaultdict[int, list[_Entry]] = defaultdict(list)
        self._size = 0
        for point_id, lat, lon in points:
            lat_rad = math.radians(lat)
            cells[self._key(self._row(lat), self._col(lon))].append(
                (point_id, lat_rad, math.radians(lon), math.cos(lat_rad))
            )
            self._size += 1
        self._cells = {key: tuple(entries) for key, entries in cells.items()}

    def __len__(self) -> int:
        return self._size

    def within(self, lat: float, lon: float, radius_km: float) -> list[tuple[str, float]]:
        """(id, distance_km) of every point at most `radius_km` away, in no particular order."""
        lat_rad, lon_rad = math.radians(lat), math.radians(lon)
        cos_lat = math.cos(lat_rad)
        found: list[tuple[str, float]] = []
        cells = self._cells
        for key in self._keys_under_circle(lat, lat_rad, lon, radius_km):
            for point_id, p_lat_rad, p_lon_rad, p_cos_lat in cells.get(key, ()):
                distance = haversine_to_km(haversine_term(lat_rad, lon_rad, cos_lat, p_lat_rad, p_lon_rad, p_cos_lat))
                if distance <= radius_km:
                    found.append((point_id, distance))
        return found

    def _row(self, lat: float) -> int:
        return min(self._rows - 1, int((lat + 90) // self._cell_deg))

    def _col(self, lon: float) -> int:
        return int((lon + 180) // self._cell_deg) % self._cols

    def _key(self, row: int, col: int) -> int:
        return row * self._cols + col

    def _keys_under_circle(self, lat: float, lat_rad: float, lon: float, radius_km: float) -> list[int]:
        angle = radius_km / EARTH_RADIUS_KM
        lat_span = math.degrees(angle)
        first_row = self._row(max(-90.0, lat - lat_span))
        last_row = self._row(min(90.0, lat + lat_span))
        # The circle's widest longitude span (it touches the meridians at a latitude nearer the
        # pole than its centre); a circle over a pole spans every longitude.
        cos_lat = math.cos(lat_rad)
        if lat + lat_span >= 90 or lat - lat_span <= -90 or math.sin(angle) >= cos_lat:
            cols = range(self._cols)
        else:
            lon_span = math.degrees(math.asin(math.sin(angle) / cos_lat))
            first_col = int((lon - lon_span + 180) // self._cell_deg)
            last_col = int((lon + lon_span + 180) // self._cell_deg)
            if last_col - first_col + 1 >= self._cols:
                cols = range(self._cols)
            else:
                cols = [col % self._cols for col in range(first_col, last_col + 1)]
        return [self._key(row, col) for row in range(first_row, last_row + 1) for col in cols]
