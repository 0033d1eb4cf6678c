"""Times are stored as naive UTC; people think in China time (Asia/Shanghai)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


def local_day_start_utc(day: date) -> datetime:
    """The UTC instant at which `day` starts in China (for date-range filters)."""
    return datetime.combine(day, time.min, LOCAL).astimezone(UTC).replace(tzinfo=None)


def local_day_end_utc(day: date) -> datetime:
    """The UTC instant at which `day` ends in China (exclusive upper bound)."""
    return local_day_start_utc(day + timedelta(days=1))


def to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(LOCAL)


def local_to_utc(value: datetime | None) -> datetime | None:
    """A wall-clock time typed in China → naive UTC for storage."""
    if value is None:
        return None
    return value.replace(tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


def utc_to_local_input(value: datetime | None) -> str:
    """Naive UTC → the value of an <input type=datetime-local> in China time."""
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""
