"""The catalogue of synth-time rules.

Each rule is a small named function over construct props or a synthesized template fragment, registered
here with the AWS limit it enforces and where that limit is documented. Fixed AWS limits are errors
(`ConfigError`); adjustable quotas and recommendations are warnings on the construct whose setting is the fix,
acknowledged with the id CDK prints under them:
`Validations.of(construct).acknowledge(Acknowledgment(id="Annotation::RULE_ID", reason=...))`.
The rule table of docs/rules.md is generated from
`RULES` (`python -m constructs_lib.docs_tables`) and checked by a test, so the two cannot drift apart.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, NoReturn, TypeVar

from aws_cdk import Annotations
from constructs import Construct, IConstruct

from ..errors import ConfigError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str  # what is checked, in a few words
    limit: str  # the AWS limit or recommendation, quoted in every message
    source: str  # where AWS documents it
    severity: Severity = "error"


RULES: dict[str, Rule] = {}
_WARNING_METADATA = "aws:cdk:warning"  # cloud_assembly_schema.ArtifactMetadataEntryType.WARN

F = TypeVar("F", bound=Callable[..., object])


def rule(rule_id: str, summary: str, *, limit: str, source: str, severity: Severity = "error") -> Callable[[F], F]:
    """Register a check function under `rule_id`."""
    if rule_id in RULES:
        raise RuntimeError(f"rule {rule_id} is registered twice")
    RULES[rule_id] = Rule(rule_id, summary, limit, source, severity)

    def register(check: F) -> F:
        check.rule = RULES[rule_id]  # type: ignore[attr-defined]
        return check

    return register


def fail(construct: IConstruct | str | Callable[[], str], rule_id: str, problem: str, fix: str) -> NoReturn:
    """Raise the `ConfigError` of an error rule (`construct` may be a function giving the path, when it costs)."""
    if isinstance(construct, str):
        path = construct
    elif callable(construct):
        path = construct()
    else:
        path = construct.node.path
    raise ConfigError(path, rule_id, problem, limit=RULES[rule_id].limit, fix=fix)


def warn(construct: IConstruct, rule_id: str, problem: str, fix: str) -> None:
    """Attach an acknowledgeable warning of a warning rule to `construct` (the one whose setting is the fix).

    CDK prints the acknowledgement id under it ("Acknowledge with 'Annotation::RULE_ID'"): one format. The
    warning is written as `add_warning_v2` writes it, minus the stack trace: from Python that trace points into
    jsii's `program.js`, which the CLI would print above every warning.
    """
    if _acknowledged(construct, rule_id):
        return
    text = f"{problem} [{rule_id}: {RULES[rule_id].limit}] Fix: {fix} [ack: {rule_id}]"
    if not any(entry.data == text for entry in construct.node.metadata):
        construct.node.add_metadata(_WARNING_METADATA, text)


def _acknowledged(construct: IConstruct, rule_id: str) -> bool:
    """Whether `rule_id` is acknowledged at `construct` or above, asked of CDK itself through a probe child."""
    probe = Construct(construct, f"ConstructsLibAckProbe{rule_id}")  # pyright: ignore[reportArgumentType]
    try:
        Annotations.of(probe).add_warning_v2(rule_id, "probe")
        return not probe.node.metadata
    finally:
        construct.node.try_remove_child(probe.node.id)


# Every module of the catalogue, as cdk-nag's packs list their rules: a new module is added here.
RULE_MODULES = ("alarms", "alerting", "api", "cors", "deployment", "events", "fargate", "function", "packaging",
                "props", "s3", "sns", "sqs", "stack", "streams")


def load_all() -> dict[str, Rule]:
    """Import every module of the catalogue, so that `RULES` holds every rule."""
    for name in RULE_MODULES:
        importlib.import_module(f".{name}", __name__)
    return RULES


def rules_table() -> str:
    """The rule table of docs/rules.md, generated from RULES (`python -m constructs_lib.rules` prints it)."""
    load_all()
    rows = ["| rule | checks | limit | severity |", "|---|---|---|---|"]
    for item in sorted(RULES.values(), key=lambda r: r.id):
        rows.append(f"| `{item.id}` | {item.summary} | [{item.limit}]({item.source}) | {item.severity} |")
    return "\n".join(rows)
