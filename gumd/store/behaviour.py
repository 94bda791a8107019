"""What the observations say about the user's habits: apps used, hours at the computer, recurring windows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gumd.store.database import Database

# Each observation since a time with its local day and hour, and how long it lasted: until the next one,
# capped by the first parameter.
_DWELL = (
    "SELECT app, title, started_at, MIN(COALESCE(LEAD(started_at) OVER (ORDER BY started_at, id) - started_at, 0), ?)"
    " AS dwell, date(started_at, 'unixepoch', 'localtime') AS day,"
    " CAST(strftime('%H', started_at, 'unixepoch', 'localtime') AS INTEGER) AS hour"
    " FROM observations WHERE started_at >= ?"
)


@dataclass(frozen=True)
class HourHistogram:
    """Observations per local hour of day (0..23, hours with none left out) over `days` distinct days."""

    hours: dict[int, int]
    days: int


class Behaviour:
    """Usage statistics computed from the observations table."""

    def __init__(self, db: Database):
        self.db = db

    def recent_apps(self, since: float, limit: int = 5) -> list[dict[str, Any]]:
        """Apps seen in observations starting at or after `since`: {app, last_seen, observations}, latest first."""
        return self.db.rows(
            "SELECT app, MAX(ended_at) AS last_seen, COUNT(*) AS observations FROM observations "
            "WHERE started_at >= ? AND app != '' GROUP BY app ORDER BY last_seen DESC LIMIT ?",
            [since, limit],
        )

    def observed_apps(self, limit: int = 100) -> list[dict[str, Any]]:
        """Every app in the observations: {app, last_seen, observations}, latest first."""
        return self.recent_apps(0.0, limit)

    def app_usage(self, since: float, max_gap_s: float = 300.0) -> list[dict[str, Any]]:
        """Per app: observations, seconds of use (gaps capped at max_gap_s) and distinct days, most used first."""
        sql = (f"SELECT app, COUNT(*) AS observations, SUM(dwell) AS seconds, COUNT(DISTINCT day) AS days "
               f"FROM ({_DWELL}) WHERE app != '' GROUP BY app ORDER BY seconds DESC")
        return self.db.rows(sql, [max_gap_s, since])

    def hour_histogram(self, since: float) -> HourHistogram:
        """Observations since `since` per local hour of day, and the number of distinct days they fall on."""
        rows = self.db.rows(f"SELECT hour, COUNT(*) AS n FROM ({_DWELL}) GROUP BY hour", [0, since])
        days = self.db.rows(f"SELECT COUNT(DISTINCT day) AS d FROM ({_DWELL})", [0, since])[0]["d"]
        return HourHistogram(hours={r["hour"]: r["n"] for r in rows}, days=days)

    def recurring_titles(self, since: float, min_observations: int, limit: int = 20) -> list[dict[str, Any]]:
        """Window titles seen at least min_observations times: app, title, observations, days."""
        sql = ("SELECT app, title, COUNT(*) AS observations, COUNT(DISTINCT date(started_at, 'unixepoch', 'localtime'))"
               " AS days FROM observations WHERE started_at >= ? AND title != '' GROUP BY app, title"
               " HAVING COUNT(*) >= ? ORDER BY days DESC, observations DESC LIMIT ?")
        return self.db.rows(sql, [since, min_observations, limit])
