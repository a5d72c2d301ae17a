"""Rules for EventBridge rules and EventBridge Scheduler schedules."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import math
import re
import zoneinfo
from typing import Any

from aws_cdk import Duration
from constructs import IConstruct

from .. import limits as L
from . import fail, rule

PATTERN_FIELDS = frozenset({"source", "detail-type", "detail", "account", "region", "resources", "time", "id",
                            "version"})
MATCHERS = frozenset({"prefix", "suffix", "anything-but", "numeric", "exists", "cidr", "wildcard",
                      "equals-ignore-case"})
PATTERN_URL = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html"


@rule("EVENT_PATTERN", "event pattern structure",
      limit="a non-empty object of known top-level fields; every leaf a non-empty list of values or matchers",
      source=PATTERN_URL)
def check_event_pattern(construct: IConstruct | str, pattern: Any) -> None:
    fix = ("write patterns like {'source': ['my.app'], 'detail-type': ['Job Finished'], "
           "'detail': {'status': ['FAILED']}}.")
    if not isinstance(pattern, dict) or not pattern:
        fail(construct, "EVENT_PATTERN", f"event_pattern={pattern!r} is not a non-empty dict", fix)
    unknown = sorted(str(k) for k in set(pattern) - PATTERN_FIELDS - {"$or"})
    if unknown:
        fail(construct, "EVENT_PATTERN", f"event_pattern has unknown top-level field(s) {', '.join(unknown)}",
             f"use only {', '.join(sorted(PATTERN_FIELDS))}; event data goes under 'detail'.")
    problem = pattern_problem(pattern, "")
    if problem:
        fail(construct, "EVENT_PATTERN", f"event_pattern {problem}", fix)
    check_event_pattern_size(construct, pattern)


def pattern_problem(node: Any, where: str, depth: int = 0) -> str:
    """What AWS would refuse in an event (or SQS filter) pattern, or "" (one value-type check per matcher)."""
    if depth > L.PROP_NESTING_MAX:
        return f"is nested more than {L.PROP_NESTING_MAX} levels deep at {where}"
    if isinstance(node, dict):
        if not node:
            return f"has an empty object at {where or 'the top'}"
        for key, value in node.items():
            if not isinstance(key, str):
                return f"has the key {key!r} at {where or 'the top'}: keys are strings"
            inner = f"{where}.{key}" if where else key
            if key == "$or":
                if not isinstance(value, list) or len(value) < 2 or not all(isinstance(v, dict) for v in value):
                    return f"has '$or' at {inner}: it takes a list of at least two patterns (objects)"
                problem = next((p for v in value if (p := pattern_problem(v, inner, depth + 1))), "")
            else:
                problem = pattern_problem(value, inner, depth + 1)
            if problem:
                return problem
        return ""
    if isinstance(node, list):
        if not node:
            return f"has an empty list at {where} (it would match nothing)"
        for value in node:
            if isinstance(value, dict):
                problem = _matcher_problem(value, where)
                if problem:
                    return problem
            elif not _is_scalar(value):
                return (f"has {_short(value)} at {where}: a list holds values (text, numbers, true/false, null) "
                        "or matchers")
        return ""
    return f"has the bare value {_short(node)} at {where}: leaves must be lists, e.g. [{_short(node)}]"


def _matcher_problem(matcher: dict[Any, Any], where: str) -> str:
    """One content-filter matcher, e.g. {"prefix": "img/"}, {"numeric": [">", 0, "<=", 5]}, {"exists": True}."""
    name = next(iter(matcher)) if len(matcher) == 1 else None
    if name not in MATCHERS:
        return f"has {_short(matcher)} at {where}, which is not a matcher ({', '.join(sorted(MATCHERS))})"
    value = matcher[name]
    expected = {
        "prefix": "text or {'equals-ignore-case': text}", "suffix": "text or {'equals-ignore-case': text}",
        "exists": "true or false", "cidr": "a CIDR block such as '10.0.0.0/24'", "wildcard": "text",
        "equals-ignore-case": "text", "numeric": "a list such as ['>', 0, '<=', 5]",
        "anything-but": "a value, a list of values, or {'prefix'|'suffix'|'wildcard'|'equals-ignore-case': ...}",
    }[name]
    if not _matcher_value_ok(name, value):
        return f"has {{{name!r}: {_short(value)}}} at {where}: {name} takes {expected}"
    return ""


def _matcher_value_ok(name: str, value: Any) -> bool:
    if name in ("prefix", "suffix"):
        return isinstance(value, str) or (isinstance(value, dict) and list(value) == ["equals-ignore-case"]
                                          and isinstance(value["equals-ignore-case"], str))
    if name == "exists":
        return isinstance(value, bool)
    if name in ("wildcard", "equals-ignore-case"):
        return isinstance(value, str)
    if name == "cidr":
        try:
            ipaddress.ip_network(value, strict=False)
            return isinstance(value, str)
        except ValueError:
            return False
    if name == "numeric":
        if not isinstance(value, list) or len(value) not in (2, 4):
            return False
        pairs = list(zip(value[::2], value[1::2], strict=True))
        return all(op in NUMERIC_OPERATORS and _is_number(n) for op, n in pairs) and (
            len(pairs) == 1 or (pairs[0][0] in (">", ">=") and pairs[1][0] in ("<", "<=")))
    # anything-but
    if isinstance(value, dict):
        ((key, inner),) = value.items() if len(value) == 1 else (("", None),)
        texts = isinstance(inner, list) and bool(inner) and all(isinstance(v, str) for v in inner)
        return key in ("prefix", "suffix", "wildcard", "equals-ignore-case") and (isinstance(inner, str) or texts)
    if isinstance(value, list):
        return bool(value) and (all(isinstance(v, str) for v in value) or all(_is_number(v) for v in value))
    return isinstance(value, str) or _is_number(value)


NUMERIC_OPERATORS = frozenset({"=", "<", "<=", ">", ">="})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool) or _is_number(value)


def _short(value: Any) -> str:
    text = json.dumps(value) if _is_scalar(value) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@rule("EVENT_PATTERN_SIZE", "event pattern size", limit=f"{L.EVENTS_PATTERN_MAX_CHARS:,} characters",
      source=L.EVENTS_QUOTAS_URL)
def check_event_pattern_size(construct: IConstruct | str, pattern: dict[str, Any]) -> None:
    size = len(json.dumps(pattern, separators=(",", ":")))
    if size > L.EVENTS_PATTERN_MAX_CHARS:
        fail(construct, "EVENT_PATTERN_SIZE", f"event_pattern is {size:,} characters",
             "match on fewer values (prefix matchers, or a detail field that groups them), or split the rule.")


@rule("EVENT_DESCRIPTION", "rule and schedule description length",
      limit=f"at most {L.EVENTS_DESCRIPTION_MAX} characters", source=L.EVENTS_PUT_RULE_URL)
def check_description(where: IConstruct | str, description: str) -> None:
    if len(description) > L.EVENTS_DESCRIPTION_MAX:
        fail(where, "EVENT_DESCRIPTION", f"description is {len(description):,} characters",
             f"shorten it to {L.EVENTS_DESCRIPTION_MAX} characters.")


@rule("EVENT_RETRY_POLICY", "target retry policy",
      limit=f"retry_attempts 0..{L.EVENTS_RETRY_ATTEMPTS_MAX}, max_event_age {L.EVENTS_EVENT_AGE_MIN_S}.."
            f"{L.EVENTS_EVENT_AGE_MAX_S:,} s", source=L.EVENTS_QUOTAS_URL)
def check_retry_policy(construct: IConstruct | str, retry_attempts: int, max_event_age: Duration) -> None:
    age = max_event_age.to_seconds()
    if not 0 <= retry_attempts <= L.EVENTS_RETRY_ATTEMPTS_MAX:
        fail(construct, "EVENT_RETRY_POLICY", f"retry_attempts={retry_attempts}", "use 0..185 retry attempts.")
    if not L.EVENTS_EVENT_AGE_MIN_S <= age <= L.EVENTS_EVENT_AGE_MAX_S:
        fail(construct, "EVENT_RETRY_POLICY", f"max_event_age={age} s",
             "use between Duration.minutes(1) and Duration.hours(24).")


@rule("EVENT_DLQ_FIFO", "target dead-letter queue is a standard queue",
      limit="EventBridge and EventBridge Scheduler cannot send to a FIFO dead-letter queue",
      source="https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html")
def check_dead_letter_queue_not_fifo(construct: IConstruct | str, fifo: bool) -> None:
    if fifo:
        fail(construct, "EVENT_DLQ_FIFO", "dead_letter_queue is a FIFO queue",
             "pass a standard queue, or none (one is created, encrypted with SSE-SQS).")


# --- schedules ----------------------------------------------------------------------------------------------

_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")
_CRON = re.compile(r"cron\((.*)\)")
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# (name, lowest, highest, names for 1.., extra single tokens allowed)
_CRON_FIELDS = (
    ("minutes", 0, 59, None),
    ("hours", 0, 23, None),
    ("day-of-month", 1, 31, None),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, None),
)


@rule("SCHEDULE_EXPRESSION", "schedule expression syntax and field ranges",
      limit="rate(N unit) with N >= 1 and a singular unit only for 1; cron(min hour dom month dow year) with "
            "in-range fields and '?' in exactly one of dom/dow; at(yyyy-mm-ddThh:mm:ss)", source=L.SCHEDULER_URL)
def check_schedule_expression(construct: IConstruct | str, expression: str) -> None:
    problem = _schedule_problem(expression.strip())
    if problem:
        fail(construct, "SCHEDULE_EXPRESSION", f"schedule {expression!r}: {problem}",
             "use e.g. 'rate(5 minutes)', 'rate(1 hour)', 'cron(0 3 * * ? *)' (03:00 daily) or "
             "'at(2027-01-31T09:00:00)'.")


def _schedule_problem(expression: str) -> str:
    if expression.startswith("rate("):
        match = _RATE.fullmatch(expression)
        if not match:
            return "rate() takes a whole number and minute(s), hour(s) or day(s)"
        value, unit = int(match.group(1)), match.group(2)
        if value < 1:
            return "the rate must be at least 1"
        if (value == 1) != (not unit.endswith("s")):
            return f"use '{unit.rstrip('s')}' for 1 and '{unit.rstrip('s')}s' otherwise"
        return ""
    if expression.startswith("at("):
        match = _AT.fullmatch(expression)
        if not match:
            return "at() takes yyyy-mm-ddThh:mm:ss"
        try:
            dt.datetime.fromisoformat(match.group(1))
        except ValueError as error:
            return f"at() date is invalid ({error})"
        return ""
    match = _CRON.fullmatch(expression)
    if not match:
        return "it is neither rate(...), cron(...) nor at(...)"
    fields = match.group(1).split()
    if len(fields) != 6:
        return f"cron() needs 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
    for (name, low, high, names), value in zip(_CRON_FIELDS, fields, strict=True):
        problem = _cron_field_problem(name, value, low, high, names)
        if problem:
            return problem
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        return "exactly one of day-of-month and day-of-week must be '?'"
    return ""


def _cron_field_problem(name: str, value: str, low: int, high: int, names: list[str] | None) -> str:
    def number(token: str) -> int | None:
        if names and token.upper() in names:
            return names.index(token.upper()) + 1
        return int(token) if token.isdigit() else None

    def in_range(token: str) -> bool:
        n = number(token)
        return n is not None and low <= n <= high

    if value in ("*",) or (value == "?" and name in ("day-of-month", "day-of-week")):
        return ""
    for item in value.split(","):
        base, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) < 1):
            return f"{name} step {step!r} must be a positive number"
        if name == "day-of-month" and (base == "L" or base == "LW" or (base.endswith("W") and in_range(base[:-1]))):
            continue
        if name == "day-of-week" and (base == "L" or (base.endswith("L") and in_range(base[:-1]))):
            continue
        if name == "day-of-week" and "#" in base:
            day, _, nth = base.partition("#")
            if in_range(day) and nth.isdigit() and 1 <= int(nth) <= 5:
                continue
            return f"{name} {base!r} must be day#n with n in 1..5"
        if base == "*":
            continue
        start, _, end = base.partition("-")
        if not in_range(start) or (end and not in_range(end)):
            return f"{name} value {item!r} is outside {low}..{high}"
    return ""


def schedule_parts(where: IConstruct | str, expression: Any, timezone: str | None) -> tuple[str, str | None]:
    """A schedule given as text, `events.Schedule` or `scheduler.ScheduleExpression`, as (text, time zone).

    A time zone carried by a ScheduleExpression is used unless `timezone` names another (an error).
    """
    if isinstance(expression, str):
        return expression.strip(), timezone
    zone = getattr(getattr(expression, "time_zone", None), "timezone_name", None)
    zone = None if zone == "UTC" else zone
    if zone and timezone and zone != timezone:
        fail(where, "SCHEDULE_TIMEZONE", f"the schedule carries time zone {zone!r} and timezone={timezone!r}",
             "name the time zone once: in the schedule expression or in timezone=.")
    return expression.expression_string, timezone or zone


@rule("SCHEDULE_TIMEZONE", "schedule time zone", limit="an IANA time zone name such as 'Europe/Berlin'",
      source=L.SCHEDULER_URL)
def check_timezone(construct: IConstruct | str, timezone: str) -> None:
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        fail(construct, "SCHEDULE_TIMEZONE", f"timezone={timezone!r} is not an IANA time zone",
             "use a name like 'Europe/Berlin', 'America/New_York' or 'UTC'.")


@rule("SCHEDULE_FLEXIBLE_WINDOW", "schedule flexible time window",
      limit=f"1..{L.SCHEDULER_FLEXIBLE_WINDOW_MAX_MIN:,} whole minutes", source=L.SCHEDULER_URL)
def check_flexible_window(construct: IConstruct | str, window: Duration) -> None:
    minutes = window.to_milliseconds() / 60_000
    if not 1 <= minutes <= L.SCHEDULER_FLEXIBLE_WINDOW_MAX_MIN or minutes != int(minutes):
        fail(construct, "SCHEDULE_FLEXIBLE_WINDOW", f"flexible_window={minutes:g} min",
             "use whole minutes between Duration.minutes(1) and Duration.hours(24), or None to run at the exact time.")
