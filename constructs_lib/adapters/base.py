"""What every trigger adapter has: how its trigger looks in a synthesized template, the event it sends, how to fire
it on a local AWS, and what it adds to the bill.

An adapter knows one trigger kind and nothing of the commands that use it: `local/` hands it a `LocalCalls` (boto3
clients and HTTP against the local AWS), `cost/` a `Usage` (the profile's numbers and the price table).
"""

from __future__ import annotations

import abc
import copy
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ..assembly import ref

if TYPE_CHECKING:
    from ..cost.prices import Prices

ACCOUNT, REGION = "123456789012", "us-east-1"


@dataclass
class FoundTrigger:
    """One trigger of one function, as its template says it: the adapter's kind and what its event needs."""

    kind: str  # the adapter's: "s3", "sqs", "http", "rest", "events", "schedule", "url", "authorizer", "sns",
    # "stream"
    detail: dict[str, Any] = field(default_factory=dict)  # logical ids and settings

    @property
    def adapter(self) -> TriggerAdapter:
        from . import ADAPTERS

        return ADAPTERS[self.kind]


class TemplateView:
    """One stack's resources, with the functions (and their aliases) a trigger may name."""

    def __init__(self, resources: Mapping[str, Mapping[str, Any]]) -> None:
        self.resources = resources
        self.functions = {k for k, r in resources.items() if r.get("Type") == "AWS::Lambda::Function"}
        self.aliases = {k: ref(r.get("Properties", {}).get("FunctionName")) or "" for k, r in resources.items()
                        if r.get("Type") == "AWS::Lambda::Alias"}

    def of_type(self, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if resource.get("Type") in types:
                yield logical_id, resource.get("Properties", {})

    def functions_named_in(self, value: Any) -> set[str]:
        """The functions `value` refers to (Ref / GetAtt of the function, or of one of its aliases)."""
        text = json.dumps(value)
        named = {f for f in self.functions if f'"{f}"' in text}
        named |= {self.aliases[a] for a in self.aliases if f'"{a}"' in text}
        return named & self.functions


class LocalCalls(Protocol):
    """What an adapter may do on the local AWS (given by `constructs_lib.local`)."""

    endpoint: str

    def client(self, service: str) -> Any: ...

    def http(self, method: str, url: str, *, body: bytes | None, headers: Mapping[str, str],
             signed_for: str | None) -> tuple[int, str]: ...


@dataclass
class Fire:
    """What to send: a body (text or bytes), headers for an HTTP request; `function` (the deployed function's name)
    and `qualifier` (its alias, when it has one) for triggers that invoke it directly."""

    function: str = ""
    qualifier: str | None = None
    body: bytes | None = None
    name: str | None = None  # the body's file name, when it came from a file
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fired:
    """What firing did, in one line; `invoked`: whether the function can have run (a 401 from the API means not)."""

    line: str
    invoked: bool = True
    status: int | None = None  # an HTTP call's status


@dataclass
class Usage:
    """A function's month, for the adapters' charges: its path in the profile, its invocations, the price table."""

    path: str
    requests: float
    profile: Any  # cost.estimate.Profile: `.get(path, key, derived)`
    prices: Prices


@dataclass
class Charge:
    """One line of the bill; `free_tier`: the account-wide allowance it draws on (`sqs_requests`, ...)."""

    service: str
    what: str
    quantity: float
    unit: str
    cost: float
    idle: bool = False
    free_tier: str | None = None


class TriggerAdapter(abc.ABC):
    """One trigger kind. Subclasses set `kind` and the `option` users name it by (`--trigger api`)."""

    kind: ClassVar[str]
    option: ClassVar[str]
    # Fields of its event that AWS sends as text (an API's body): `--set body={...}` keeps them text.
    text_fields: ClassVar[frozenset[str]] = frozenset()
    # Whether the local AWS runs it (MiniStack does not run every service a trigger may use).
    runs_locally: ClassVar[bool] = True

    @abc.abstractmethod
    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        """(function logical id, trigger) for each trigger of this kind in the template."""

    @abc.abstractmethod
    def describe(self, detail: Mapping[str, Any]) -> str:
        """For people: "S3 uploads/*.jpg", "API GET /items/{id} (AWS_IAM)"."""

    @abc.abstractmethod
    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        """The event the trigger sends the function. `names`: logical id -> physical name of the deployed stack."""

    @abc.abstractmethod
    def fire(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str], fire: Fire) -> Fired:
        """Make the trigger happen on the local AWS (put the object, send the message, call the route)."""

    def invocations(self, triggers: Sequence[FoundTrigger]) -> float | None:
        """Invocations a month these triggers cause by themselves (a schedule), or None: the profile says."""
        return None

    def charges(self, triggers: Sequence[FoundTrigger], usage: Usage) -> list[Charge]:
        """What these triggers of one function add to the bill, beyond the function itself."""
        return []


def sample(name: str) -> dict[str, Any]:
    """A real AWS sample event (Powertools' test events), shipped in `constructs_lib/local/events/`."""
    text = resources.files("constructs_lib.local").joinpath("events", name).read_text()
    return copy.deepcopy(json.loads(text))


def example_path(path: str) -> str:
    """`/items/{id}` -> `/items/1`: a path a route's variables match."""
    return "/".join("1" if part.startswith("{") else part for part in path.split("/")) or "/"


def path_parameters(path: str) -> dict[str, str] | None:
    return {part.strip("{}+"): "1" for part in path.split("/") if part.startswith("{")} or None
