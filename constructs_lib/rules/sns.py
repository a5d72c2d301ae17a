"""Rules for SNS topic subscriptions: filter policies, as SNS checks them when the subscription is created."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from constructs import IConstruct

from .. import limits as L
from . import fail, rule

# What a filter policy's value arrays may hold besides plain strings, numbers, true, false and null.
OPERATORS = frozenset({"prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case", "cidr"})
NUMERIC_OPERATORS = frozenset({"=", "<", "<=", ">", ">="})
SCOPES = ("MessageAttributes", "MessageBody")


@rule("TOPIC_FILTER_POLICY", "SNS filter policy structure",
      limit="an object whose leaves are non-empty arrays of strings, numbers (-1e9..1e9), true, false, null or "
            "operators (prefix, suffix, anything-but, numeric, exists, equals-ignore-case, cidr), $or of such "
            "objects; nested objects only with filter_policy_scope='MessageBody'; at most 256 KB",
      source=L.SNS_FILTER_URL)
def check_filter_policy(construct: IConstruct | str, policy: Any, scope: str) -> None:
    """`policy` None: only the scope is checked (it applies to a policy added later through the subscription)."""
    if scope not in SCOPES:
        fail(construct, "TOPIC_FILTER_POLICY", f"filter_policy_scope={scope!r}",
             "use 'MessageAttributes' (the default: the message's attributes) or 'MessageBody' (its JSON body).")
    if policy is None:
        return
    problem = _problem(policy, "filter_policy", nested=scope == "MessageBody", depth=0)
    size = len(json.dumps(policy).encode()) if problem is None else 0
    if size > L.SNS_FILTER_MAX_BYTES:
        problem = f"filter_policy is {size:,} bytes, above 256 KB"
    if problem is not None:
        fail(construct, "TOPIC_FILTER_POLICY", problem,
             "write it like {'kind': ['order'], 'total': [{'numeric': ['>', 100]}]}; nest objects only with "
             "filter_policy_scope='MessageBody'.")


def _problem(node: Any, where: str, *, nested: bool, depth: int) -> str | None:
    if depth > 50:
        return f"{where} nests deeper than a filter policy can be read"
    if not isinstance(node, Mapping) or not node:
        return f"{where} is {type(node).__name__ if not isinstance(node, Mapping) else 'empty'}: an object of keys"
    for key, value in node.items():
        here = f"{where}.{key}"
        if not isinstance(key, str) or not key:
            return f"{where} has a key {key!r}: keys are non-empty strings"
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                return f"{here} must be a list of at least two objects"
            for index, option in enumerate(value):
                problem = _problem(option, f"{here}[{index}]", nested=nested, depth=depth + 1)
                if problem:
                    return problem
        elif isinstance(value, Mapping):
            if not nested:
                return (f"{here} is a nested object: filter_policy_scope='MessageAttributes' (the default) takes a "
                        "flat policy")
            problem = _problem(value, here, nested=nested, depth=depth + 1)
            if problem:
                return problem
        elif not isinstance(value, list) or not value:
            return f"{here} is {value!r}: each key takes a non-empty list of values or operators"
        else:
            for item in value:
                problem = _value_problem(item, here)
                if problem:
                    return problem
    return None


def _value_problem(item: Any, where: str) -> str | None:
    if item is None or isinstance(item, bool | str):
        return None
    if isinstance(item, int | float):
        return _number_problem(item, where)
    if not isinstance(item, Mapping) or len(item) != 1:
        return f"{where} holds {item!r}: a string, a number, true, false, null or one operator object"
    (operator, operand), = item.items()
    if operator not in OPERATORS:
        return f"{where} uses the operator {operator!r}; SNS knows {', '.join(sorted(OPERATORS))}"
    if operator == "exists" and not isinstance(operand, bool):
        return f"{where}: exists takes true or false, not {operand!r}"
    if operator in ("prefix", "suffix", "equals-ignore-case", "cidr") and not (
            isinstance(operand, str) and operand):
        return f"{where}: {operator} takes a non-empty string, not {operand!r}"
    if operator == "numeric":
        return _numeric_problem(operand, where)
    if operator == "anything-but" and not (isinstance(operand, str | int | float | list | Mapping)
                                           and not isinstance(operand, bool)):
        return f"{where}: anything-but takes a value, a list of values or a prefix object, not {operand!r}"
    return None


def _numeric_problem(operand: Any, where: str) -> str | None:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        return f"{where}: numeric takes [op, n] or [op, n, op, n], not {operand!r}"
    for operator, number in zip(operand[::2], operand[1::2], strict=True):
        if operator not in NUMERIC_OPERATORS:
            return f"{where}: numeric operator {operator!r} is not one of {', '.join(sorted(NUMERIC_OPERATORS))}"
        if not isinstance(number, int | float) or isinstance(number, bool):
            return f"{where}: numeric compares with numbers, not {number!r}"
        problem = _number_problem(number, where)
        if problem:
            return problem
    return None


def _number_problem(number: float, where: str) -> str | None:
    if number != number or abs(number) > L.SNS_FILTER_NUMERIC_MAX:  # NaN, or out of SNS's range
        return f"{where} holds {number!r}: SNS matches numbers from -1e9 to 1e9"
    return None


@rule("TOPIC_FILTER_KEYS", "SNS filter policy keys", limit=f"at most {L.SNS_FILTER_MAX_KEYS} keys in a filter policy",
      source=L.SNS_FILTER_URL)
def check_filter_keys(construct: IConstruct | str, policy: Mapping[str, Any]) -> None:
    keys = sorted(_keys(policy))
    if len(keys) > L.SNS_FILTER_MAX_KEYS:
        fail(construct, "TOPIC_FILTER_KEYS", f"filter_policy has {len(keys)} keys ({', '.join(keys)})",
             f"keep at most {L.SNS_FILTER_MAX_KEYS}: move the rest of the filtering into the handler.")


@rule("TOPIC_FILTER_COMBINATIONS", "SNS filter policy complexity",
      limit=f"the product of the number of values of each array at most {L.SNS_FILTER_MAX_COMBINATIONS}",
      source=L.SNS_FILTER_URL)
def check_filter_combinations(construct: IConstruct | str, policy: Mapping[str, Any]) -> None:
    combinations = _combinations(policy)
    if combinations > L.SNS_FILTER_MAX_COMBINATIONS:
        fail(construct, "TOPIC_FILTER_COMBINATIONS", f"filter_policy has {combinations:,} combinations of values",
             f"keep the product of the array sizes at or below {L.SNS_FILTER_MAX_COMBINATIONS}: fewer values per "
             "key, or a prefix operator instead of a list of values.")


def _keys(policy: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Every key path that holds values (a nested key counts once, as SNS counts it; `$or` options merge)."""
    found: set[str] = set()
    for key, value in policy.items():
        if key == "$or" and isinstance(value, list):
            for option in value:
                if isinstance(option, Mapping):
                    found |= _keys(option, prefix)
        elif isinstance(value, Mapping):
            found |= _keys(value, f"{prefix}{key}.")
        else:
            found.add(prefix + key)
    return found


def _combinations(policy: Mapping[str, Any]) -> int:
    total = 1
    for key, value in policy.items():
        if key == "$or" and isinstance(value, list):
            total *= sum(_combinations(o) for o in value if isinstance(o, Mapping)) or 1
        elif isinstance(value, Mapping):
            total *= _combinations(value)
        elif isinstance(value, list):
            total *= max(len(value), 1)
    return total
