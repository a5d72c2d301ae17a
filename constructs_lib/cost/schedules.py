"""How often a schedule expression fires in a month (730 hours), for pricing what it triggers."""

from __future__ import annotations

import datetime as dt
import re

from .prices import HOURS_PER_MONTH

_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86_400, "days": 86_400}
_MONTHS = {m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
                                       "NOV", "DEC"], start=1)}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
_START = dt.datetime(2026, 1, 5)  # a Monday; a month of 730 hours is counted from here


def runs_per_month(expression: str) -> float:
    """`rate(5 minutes)` -> 8,760; `cron(0 3 * * ? *)` -> 30 or 31; `at(...)` -> 1 (it runs once)."""
    expression = expression.strip()
    if expression.startswith("rate("):
        amount, unit = expression[5:-1].split()
        return HOURS_PER_MONTH * 3600 / (int(amount) * _UNITS[unit])
    if expression.startswith("at("):
        return 1
    if expression.startswith("cron("):
        return _count_cron(expression[5:-1].split())
    raise ValueError(f"not a schedule expression: {expression!r}")


def _count_cron(fields: list[str]) -> int:
    minute, hour, day, month, weekday = (fields + ["*"] * 6)[:5]
    minutes = _values(minute, 0, 59)
    hours = _values(hour, 0, 23)
    days = _values(day, 1, 31)
    months = _values(month, 1, 12, _MONTHS)
    weekdays = _values(weekday, 1, 7, _DAYS)
    count = 0
    when = _START
    end = _START + dt.timedelta(hours=HOURS_PER_MONTH)
    while when < end:  # minute by minute: 43,800 steps, only where the hour matches
        if when.hour in hours and when.month in months and when.day in days and (when.isoweekday() % 7 + 1) in weekdays:
            count += sum(1 for m in minutes if when.replace(minute=m) < end)
        when += dt.timedelta(hours=1)
    return count


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """The values a cron field allows; L, W and # (last day, weekday, nth weekday) count as one value."""
    if field in ("*", "?"):
        return set(range(low, high + 1))
    result: set[int] = set()
    for part in field.split(","):
        for name, number in (names or {}).items():
            part = re.sub(name, str(number), part, flags=re.IGNORECASE)
        if re.search(r"[LW#]", part):
            result.add(low if not part[0].isdigit() else int(re.match(r"\d+", part).group()))  # type: ignore[union-attr]
            continue
        step = 1
        if "/" in part:
            part, step_text = part.split("/")
            step = int(step_text)
        if part in ("*", ""):
            start, stop = low, high
        elif "-" in part:
            start, stop = (int(x) for x in part.split("-"))
        else:
            start = int(part)
            stop = high if step > 1 else start
        result.update(range(start, stop + 1, step))
    return result
