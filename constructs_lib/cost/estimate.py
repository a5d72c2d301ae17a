"""A month of the app's bill: line items per construct from the cloud assembly and a traffic profile.

Every formula is here, one function per service, with its unit price from `prices.py`:

- Lambda: requests x $/M + GB-s x $/GB-s (GB-s = requests x duration s x memory GB), /tmp above 512 MB per GB-s,
  provisioned concurrency per configured GB-s for the whole month (idle: paid with no traffic).
- API Gateway: requests (HTTP: metered in 512 KB steps) x the tiered $/M of HTTP or REST APIs.
- Each trigger's own lines come from its adapter (`constructs_lib/adapters/`): SQS 64 KB chunks x (send + receive +
  delete) per message and the trigger's pollers (5 long polls every 20 s); EventBridge custom events, $/M;
  Scheduler invocations, $/M; S3 one PUT and one GET per triggering object.
- CloudWatch Logs: ingestion per GB, storage per GB-month for the
  group's retention; alarms per metric per month; dashboards per month; X-Ray: traces recorded (1 per second
  plus 5% of the rest, X-Ray's default sampling).
- Fargate: vCPU-hours and GB-hours of running tasks; NAT gateways and load balancers per hour.

Free-tier allowances that never expire are applied once for the whole account, after every stack is priced.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..adapters import ADAPTERS, FoundTrigger
from ..adapters.base import Usage
from .catalogue import classify
from .model import Construct, Function, Stack, months_of
from .prices import HOURS_PER_MONTH, ONE_VCPU_MB, SECONDS_PER_MONTH, FreeTier, Prices, tiered
from .resources import ResourcePricer
from .schedules import runs_per_month

# What the estimate assumes when the profile says nothing (each use is listed under "assumptions").
DEFAULTS = {"requests": 100_000, "duration_ms": 100, "log_kb": 1.0, "request_kb": 1.0, "payload_kb": 1.0,
            "jobs": 1_000, "job_minutes": 10, "run_minutes": 10, "nat_gb": 1.0, "lcu": 1.0,
            # resources priced from their own properties: tables, buckets, keys, user pools, log groups, ...
            "reads": 1_000_000, "writes": 100_000, "storage_gb": 1.0, "users": 1_000, "log_gb": 0.1,
            "api_calls": 10_000, "publishes": 1_000, "ingest_gb": 1.0, "endpoint_gb": 1.0}
ACCOUNT_FREE_TIER = FreeTier()  # pass free=None for an account whose free tier other workloads use up
DERIVED_KEYS = ("messages", "events", "durations_ms")  # profile keys whose default comes from another number


@dataclass
class LineItem:
    stack: str
    construct: str
    service: str
    what: str
    quantity: float
    unit: str
    cost: float
    idle: bool = False  # paid whether or not anything happens


@dataclass
class NotPriced:
    """A resource the price table has no formula for: named, so the total is never read as complete."""

    stack: str
    path: str
    type: str


@dataclass
class Estimate:
    region: str
    items: list[LineItem] = field(default_factory=list)
    free_tier: list[LineItem] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    usage: dict[str, float] = field(default_factory=dict)  # account-wide totals the free tier applies to
    not_priced: list[NotPriced] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(i.cost for i in self.items) + sum(i.cost for i in self.free_tier)

    @property
    def idle_total(self) -> float:
        return sum(i.cost for i in self.items if i.idle)

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "total": round(self.total, 2), "idle_total": round(self.idle_total, 2),
                "items": [asdict(i) for i in self.items], "free_tier": [asdict(i) for i in self.free_tier],
                "not_priced": [asdict(n) for n in self.not_priced], "assumptions": self.assumptions}


class Profile:
    """The traffic profile: per construct path, numbers per month; anything missing is a default, recorded."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.data = dict(data or {})
        self.assumptions: list[str] = []

    def get(self, path: str, key: str, derived: float | None = None, why: str = "") -> float:
        section = self.data.get(path, {})
        if key in section:
            value = section[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"traffic profile [{path!r}]: {key} = {value!r} is not a number >= 0")
            return float(value)
        if derived is not None:
            return derived
        value = DEFAULTS[key]
        note = f"{path}: {key} = {value:,} (default{'; ' + why if why else ''})"
        if note not in self.assumptions:
            self.assumptions.append(note)
        return value

    def table(self, path: str, key: str) -> Mapping[str, float]:
        return self.data.get(path, {}).get(key, {})

    def check(self, paths: set[str]) -> None:
        """Unknown keys are errors (a typo would silently price the default); unknown paths are noted."""
        for path, section in self.data.items():
            if not isinstance(section, Mapping):
                raise ValueError(f"traffic profile: {path!r} is not a table of numbers (write [\"{path}\"] above "
                                 "its keys)")
            known = {*DEFAULTS, *DERIVED_KEYS}
            unknown = sorted(set(section) - known)
            if unknown:
                raise ValueError(f"traffic profile [{path!r}]: unknown key(s) {', '.join(unknown)}; known: "
                                 f"{', '.join(sorted(known))}")
            if path not in paths:
                known = ", ".join(sorted(paths)[:8]) + (", ..." if len(paths) > 8 else "")
                self.assumptions.append(f"traffic profile names {path!r}, which is not a construct of the app "
                                        f"(constructs: {known})")


def estimate(stacks: Iterable[Stack], profile: Profile | None = None, prices: Prices | None = None,
             free: FreeTier | None = ACCOUNT_FREE_TIER, *, overrides: Mapping[str, Any] | None = None) -> Estimate:
    """Price every stack for a month. `overrides`: what-if settings (memory, architecture, api) for `compare`."""
    from .prices import DEFAULT_REGION, PRICES

    stacks = list(stacks)
    profile = profile or Profile()
    region = next((s.region for s in stacks if s.region), None) or DEFAULT_REGION
    if prices is None:
        prices = PRICES.get(region, PRICES[DEFAULT_REGION])
        if region not in PRICES:
            profile.assumptions.append(f"region {region}: priced with {DEFAULT_REGION}'s prices (the table has no "
                                       f"{region}; other regions are usually 0-30% dearer)")
    profile.check({path for stack in stacks for path in stack.constructs})
    result = Estimate(prices.region)
    pricer = _Pricer(prices, profile, dict(overrides or {}), result)
    for stack in stacks:
        pricer.stack_functions = {f.logical_id: (c.path, f) for c in stack.constructs.values() for f in c.functions}
        for construct in stack.constructs.values():
            pricer.construct(stack.name, construct)
    if free is not None:
        pricer.apply_free_tier(free)
    result.assumptions = profile.assumptions
    return result


def duration_s(profile: Profile, path: str, function: Function, memory_mb: int) -> float:
    """The profile's duration at the configured memory; at another memory, measured (`durations_ms`) or scaled
    as CPU-bound work: Lambda's CPU share grows with memory up to one vCPU at 1,769 MB, and one Python thread
    gets no faster beyond it."""
    measured = profile.table(path, "durations_ms")
    if str(memory_mb) in measured:
        return float(measured[str(memory_mb)]) / 1000
    base = profile.get(path, "duration_ms") / 1000
    if memory_mb == function.memory_mb:
        return base
    return base * min(function.memory_mb, ONE_VCPU_MB) / min(memory_mb, ONE_VCPU_MB)


class _Pricer(ResourcePricer):
    def __init__(self, prices: Prices, profile: Profile, overrides: dict[str, Any], result: Estimate) -> None:
        self.p, self.profile, self.overrides, self.result = prices, profile, overrides, result
        self.usage = result.usage
        self.stack_functions: dict[str, tuple[str, Function]] = {}  # logical id -> (construct path, function)
        self.api_requests: dict[tuple[str, str], float | None] = {}  # (construct, API) -> requests its functions get

    def add(self, stack: str, construct: str, service: str, what: str, quantity: float, unit: str, cost: float,
            idle: bool = False) -> None:
        self.result.items.append(LineItem(stack, construct, service, what, quantity, unit, cost, idle))

    def use(self, key: str, amount: float) -> None:
        self.usage[key] = self.usage.get(key, 0.0) + amount

    def construct(self, stack: str, c: Construct) -> None:
        by_properties = self.priced_by_properties()
        for resource in c.resources:
            kind = classify(resource.type)
            if kind == "not priced":
                self.result.not_priced.append(NotPriced(stack, resource.path, resource.type))
            elif (price := by_properties.get(resource.type)) is not None:
                price(stack, c, resource)
        for function in c.functions:
            self.function(stack, c.path, function)
        for api in c.apis:
            self.api(stack, c, api)
        # Queues are priced with what sends to and receives from them (the function or the worker).
        if c.fargate:
            self.fargate(stack, c)
        if c.alarm_metrics:
            cost = c.alarm_metrics * self.p.alarm_metric_month
            self.use("alarm_metrics", c.alarm_metrics)
            self.add(stack, c.path, "CloudWatch", "alarm metrics", c.alarm_metrics, "metric-months", cost, idle=True)
        if c.dashboards:
            self.use("dashboards", c.dashboards)
            self.add(stack, c.path, "CloudWatch", "dashboards", c.dashboards, "dashboard-months",
                     c.dashboards * self.p.dashboard_month, idle=True)
        if c.nat_gateways:
            hours = c.nat_gateways * HOURS_PER_MONTH
            self.add(stack, c.path, "VPC", "NAT gateway hours", hours, "hours", hours * self.p.nat_gateway_hour,
                     idle=True)
            gb = self.profile.get(c.path, "nat_gb")
            self.add(stack, c.path, "VPC", "NAT gateway data processed", gb, "GB", gb * self.p.nat_gateway_gb)
        if c.load_balancers:
            hours = c.load_balancers * HOURS_PER_MONTH
            lcu = self.profile.get(c.path, "lcu")
            self.add(stack, c.path, "ELB", "load balancer hours", hours, "hours", hours * self.p.alb_hour, idle=True)
            self.add(stack, c.path, "ELB", "load balancer capacity units", lcu * hours, "LCU-hours",
                     lcu * hours * self.p.alb_lcu_hour, idle=True)

    # --- Lambda -------------------------------------------------------------------------------------------

    def requests_of(self, path: str, function: Function) -> float:
        """The profile's invocations, else what its triggers cause by themselves (a schedule's runs)."""
        caused = [n for kind, triggers in _by_kind(function.triggers)
                  if (n := ADAPTERS[kind].invocations(triggers)) is not None]
        return self.profile.get(path, "requests", sum(caused) if caused else None)

    def function(self, stack: str, path: str, f: Function) -> None:
        memory = int(self.overrides.get("memory", f.memory_mb))
        architecture = self.overrides.get("architecture", f.architecture)
        requests = self.requests_of(path, f)
        seconds = duration_s(self.profile, path, f, memory)
        gb_s = requests * seconds * memory / 1024
        self.use("lambda_requests", requests)
        self.use(f"lambda_gb_s:{architecture}", gb_s)
        self.add(stack, path, "Lambda", "requests", requests, "requests",
                 requests / 1e6 * self.p.lambda_request_per_million)
        self.add(stack, path, "Lambda", f"compute ({memory} MB, {architecture}, {seconds * 1000:,.0f} ms)", gb_s,
                 "GB-s", gb_s * self.p.lambda_gb_second[architecture])
        if f.ephemeral_mb > 512:
            extra = requests * seconds * (f.ephemeral_mb - 512) / 1024
            self.add(stack, path, "Lambda", "/tmp above 512 MB", extra, "GB-s",
                     extra * self.p.lambda_ephemeral_gb_second)
        if f.provisioned:
            configured = f.provisioned * memory / 1024 * SECONDS_PER_MONTH
            self.add(stack, path, "Lambda", f"provisioned concurrency ({f.provisioned})", configured, "GB-s",
                     configured * self.p.lambda_provisioned_gb_second[architecture], idle=True)
        log_gb = requests * self.profile.get(path, "log_kb") / 1024 / 1024
        self.use("logs_gb", log_gb)
        self.add(stack, path, "CloudWatch Logs", "log ingestion", log_gb, "GB", log_gb * self.p.logs_ingestion_gb)
        kept = months_of(f.log_retention_days)
        if math.isinf(kept):
            kept = 12.0
            self.profile.assumptions.append(f"{path}: logs never expire; storage priced for a year of them")
        stored = log_gb * kept * 0.15  # CloudWatch stores logs compressed (~15% of their ingested size)
        self.add(stack, path, "CloudWatch Logs", "log storage (compressed)", stored, "GB-months",
                 stored * self.p.logs_storage_gb_month)
        traces = min(requests, SECONDS_PER_MONTH) + 0.05 * max(0.0, requests - SECONDS_PER_MONTH)
        self.use("xray_traces", traces)
        self.add(stack, path, "X-Ray", "traces recorded", traces, "traces",
                 traces / 1e6 * self.p.xray_trace_per_million)
        usage = Usage(path, requests, self.profile, self.p)
        for kind, triggers in _by_kind(f.triggers):  # each trigger kind's own lines (constructs_lib/adapters)
            for charge in ADAPTERS[kind].charges(triggers, usage):
                if charge.free_tier:
                    self.use(charge.free_tier, charge.quantity)
                self.add(stack, path, charge.service, charge.what, charge.quantity, charge.unit, charge.cost,
                         charge.idle)

    # --- API Gateway -----------------------------------------------------------------------------------------

    def api(self, stack: str, c: Construct, api: tuple[str, str, list[str]]) -> None:
        logical_id, kind, targets = api
        kind = self.overrides.get("api", kind)
        requests = self.profile.get(c.path, "requests", self._api_requests(c, api), "no function behind it was found")
        if kind == "http":
            metered = requests * math.ceil(self.profile.get(c.path, "request_kb") / 512)
            cost = tiered(metered, self.p.http_api_per_million)
        else:
            metered = requests
            cost = tiered(metered, self.p.rest_api_per_million)
        self.add(stack, c.path, "API Gateway", f"{kind.upper()} API requests", metered, "requests", cost)

    # --- Fargate ----------------------------------------------------------------------------------------------

    def fargate(self, stack: str, c: Construct) -> None:
        task = next(x for x in c.fargate if x["kind"] == "task")
        architecture = self.overrides.get("architecture", task["architecture"])
        hourly = (task["vcpu"] * self.p.fargate_vcpu_hour[architecture]
                  + task["memory_gb"] * self.p.fargate_gb_hour[architecture])
        shape = f"{task['vcpu']:g} vCPU, {task['memory_gb']:g} GB, {architecture}"
        scaling = next((x for x in c.fargate if x["kind"] == "scaling"), None)
        service = next((x for x in c.fargate if x["kind"] == "service"), None)
        schedule = next((x for x in c.fargate if x["kind"] == "schedule"), None)
        if scaling is not None:  # a queue worker: its minimum runs all month, jobs add busy task-hours
            always = scaling["minimum"] * HOURS_PER_MONTH
            if always:
                self.add(stack, c.path, "Fargate", f"minimum tasks ({shape})", always, "task-hours",
                         always * hourly, idle=True)
            busy = self.profile.get(c.path, "jobs") * self.profile.get(c.path, "job_minutes") / 60
            self.add(stack, c.path, "Fargate", f"tasks running jobs ({shape})", busy, "task-hours", busy * hourly)
            messages = self.profile.get(c.path, "jobs") * 3
            self.use("sqs_requests", messages)
            self.add(stack, c.path, "SQS", "send + receive + delete per job", messages, "requests",
                     messages / 1e6 * self.p.sqs_per_million["standard"])
        elif schedule is not None:
            runs = runs_per_month(schedule["expression"])
            hours = runs * self.profile.get(c.path, "run_minutes") / 60
            self.add(stack, c.path, "Fargate", f"scheduled runs ({runs:,.0f} x, {shape})", hours, "task-hours",
                     hours * hourly)
        elif service is not None:
            hours = service["desired"] * HOURS_PER_MONTH
            self.add(stack, c.path, "Fargate", f"tasks ({service['desired']} x {shape})", hours, "task-hours",
                     hours * hourly, idle=True)

    # --- the account's free tier ------------------------------------------------------------------------------

    def apply_free_tier(self, free: FreeTier) -> None:
        u, p = self.usage, self.p

        def credit(service: str, what: str, used: float, allowance: float, unit: str, price: float) -> None:
            covered = min(used, allowance)
            if covered > 0:
                self.result.free_tier.append(LineItem("(account)", "free tier", service, what, covered, unit,
                                                      -covered * price))
        credit("Lambda", "requests", u.get("lambda_requests", 0), free.lambda_requests, "requests",
               p.lambda_request_per_million / 1e6)
        left = free.lambda_gb_seconds
        for architecture in ("x86_64", "arm64"):  # the dearer GB-s first, as the free tier is worth most there
            used = u.get(f"lambda_gb_s:{architecture}", 0)
            credit("Lambda", f"compute ({architecture})", used, left, "GB-s", p.lambda_gb_second[architecture])
            left -= min(used, left)
        credit("SQS", "requests", u.get("sqs_requests", 0), free.sqs_requests, "requests",
               p.sqs_per_million["standard"] / 1e6)
        credit("EventBridge Scheduler", "invocations", u.get("scheduler_invocations", 0),
               free.scheduler_invocations, "invocations", p.scheduler_invocation_per_million / 1e6)
        credit("X-Ray", "traces", u.get("xray_traces", 0), free.xray_traces, "traces", p.xray_trace_per_million / 1e6)
        credit("CloudWatch", "alarm metrics", u.get("alarm_metrics", 0), free.alarm_metrics, "metric-months",
               p.alarm_metric_month)
        credit("CloudWatch", "dashboards", u.get("dashboards", 0), free.dashboards, "dashboard-months",
               p.dashboard_month)
        credit("CloudWatch Logs", "ingestion", u.get("logs_gb", 0), free.logs_gb, "GB", p.logs_ingestion_gb)
        credit("DynamoDB", "storage", u.get("dynamodb_storage_gb", 0), free.dynamodb_storage_gb, "GB-months",
               p.dynamodb_storage_gb_month)
        credit("DynamoDB", "provisioned reads", u.get("dynamodb_rcu_hours", 0), free.dynamodb_rcu * HOURS_PER_MONTH,
               "RCU-hours", p.dynamodb_rcu_hour)
        credit("DynamoDB", "provisioned writes", u.get("dynamodb_wcu_hours", 0), free.dynamodb_wcu * HOURS_PER_MONTH,
               "WCU-hours", p.dynamodb_wcu_hour)
        credit("KMS", "requests", u.get("kms_requests", 0), free.kms_requests, "requests", p.kms_request_per_10k / 1e4)
        credit("SNS", "publishes", u.get("sns_publishes", 0), free.sns_publishes, "requests",
               p.sns_publish_per_million / 1e6)
        credit("Cognito", "monthly active users", u.get("cognito_mau", 0), free.cognito_mau, "MAU",
               p.cognito_mau["ESSENTIALS"])



def _by_kind(triggers: Iterable[FoundTrigger]) -> list[tuple[str, list[FoundTrigger]]]:
    grouped: dict[str, list[FoundTrigger]] = {}
    for trigger in triggers:
        grouped.setdefault(trigger.kind, []).append(trigger)
    return list(grouped.items())
