"""Account-level audience aggregates the Business API reports: demographics and hourly activity."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

COUNTRY_TIME_ZONES = {
    "US": "America/Chicago",
    "CA": "America/Toronto",
    "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo",
    "AR": "America/Argentina/Buenos_Aires",
    "CO": "America/Bogota",
    "CL": "America/Santiago",
    "PE": "America/Lima",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "IT": "Europe/Rome",
    "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw",
    "AU": "Australia/Sydney",
    "NZ": "Pacific/Auckland",
    "IN": "Asia/Kolkata",
    "PH": "Asia/Manila",
    "JP": "Asia/Tokyo",
}
# Share of followers active in each local hour 0..23: quiet nights, lunch and evening peaks.
LOCAL_ACTIVITY = np.array(
    [0.18, 0.10, 0.06, 0.04, 0.03, 0.04, 0.08, 0.16, 0.22, 0.24, 0.25, 0.28,
     0.36, 0.38, 0.30, 0.27, 0.28, 0.33, 0.42, 0.52, 0.60, 0.62, 0.50, 0.32]
)  # fmt: skip
SNAPSHOT_EVERY_DAYS = 7
AGE_BUCKETS_REPORTED = ("18-24", "25-34", "35-44", "45-54", "55+")


def shares_of(column: pa.Array, *, top: int | None = None) -> dict[str, float]:
    """Each value's share of the non-null values, largest first, optionally the top few."""
    counts = pc.value_counts(pc.drop_null(column)).to_pylist()
    total = sum(item["counts"] for item in counts) or 1
    ranked = sorted(counts, key=lambda item: (-item["counts"], item["values"]))
    return {item["values"]: item["counts"] / total for item in ranked[:top]}


def audience_mix(members: pa.Table) -> dict[str, dict[str, float]]:
    """Gender, age, country and city shares of the audience, as TikTok reports them."""
    ages = shares_of(members["age_bucket"])
    adult = {age: share for age, share in ages.items() if age in AGE_BUCKETS_REPORTED}
    adult_total = sum(adult.values()) or 1.0
    return {
        "gender": shares_of(members["gender"]),
        "age": {age: share / adult_total for age, share in adult.items()},
        "country": shares_of(members["country"], top=10),
        "city": shares_of(members["city"], top=10),
    }


def build_audience_snapshots(
    mix: dict[str, dict[str, float]], end: date, days: int, rng: np.random.Generator
) -> pa.Table:
    """Weekly demographic snapshots drifting slowly towards today's mix."""
    rows: dict[str, list[object]] = {"snapshot_date": [], "dimension": [], "value": [], "share": []}
    for back in range(0, days, SNAPSHOT_EVERY_DAYS):
        noise_scale = 0.15 * back / max(days, 1)
        for dimension, shares in mix.items():
            values = np.array(list(shares.values()))
            drifted = values * rng.lognormal(0, noise_scale + 1e-9, len(values))
            drifted = drifted / drifted.sum() * values.sum()
            for value, share in zip(shares, drifted, strict=True):
                rows["snapshot_date"].append(end - timedelta(days=back))
                rows["dimension"].append(dimension)
                rows["value"].append(value)
                # NOTE: rounded down so that the shares of a dimension never add up to over 1.
                rows["share"].append(float(np.floor(min(share, 1.0) * 10_000) / 10_000))
    return pa.table(rows)


def build_follower_activity(
    countries: dict[str, float],
    followers: np.ndarray,
    start: date,
    rng: np.random.Generator,
) -> pa.Table:
    """Active followers per UTC hour of each day, following the audience's local evenings."""
    days = len(followers)
    dates = [start + timedelta(days=index) for index in range(days)]
    total_share = sum(countries.values()) or 1.0
    curve = np.zeros((days, 24))
    for country, share in countries.items():
        zone = ZoneInfo(COUNTRY_TIME_ZONES.get(country, "UTC"))
        offsets = np.array([utc_offset_hours(zone, day) for day in dates])
        local_hour = (np.arange(24)[None, :] + np.round(offsets)[:, None]).astype(int) % 24
        curve += share / total_share * LOCAL_ACTIVITY[local_hour]
    active = followers[:, None] * curve * rng.lognormal(0, 0.05, (days, 24))
    return pa.table(
        {
            "date": np.repeat(np.array(dates, dtype="datetime64[D]"), 24),
            "hour": np.tile(np.arange(24, dtype=np.int16), days),
            "active_followers": np.floor(active).astype(np.int64).ravel(),
        }
    )


def utc_offset_hours(zone: ZoneInfo, day: date) -> float:
    """Hours the zone is ahead of UTC at noon on `day`."""
    offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0.0
