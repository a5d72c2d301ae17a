"""The resources priced from their own properties: tables, keys, secrets, user pools, addresses, endpoints,
topics, streams, zones, parameters, buckets and the log groups no function owns. One method per type, each
writing its line items through the estimate's pricer (`estimate._Pricer`, which this is mixed into)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .model import Construct, Resource, months_of
from .prices import HOURS_PER_MONTH

if TYPE_CHECKING:
    from .prices import Prices


class ResourcePricer:
    """What `estimate._Pricer` prices from a resource's own properties; the pricer gives the price table, the
    profile, `add` (a line item), `use` (free-tier usage) and `requests_of` (a function's invocations)."""

    p: Prices
    profile: Any  # estimate.Profile: `.get(path, key, derived, why)` (it imports this module)
    stack_functions: dict[str, tuple[str, Any]]
    api_requests: dict[tuple[str, str], float | None]
    add: Callable[..., None]
    use: Callable[[str, float], None]
    requests_of: Callable[[str, Any], float]

    def priced_by_properties(self) -> Mapping[str, Callable[[str, Construct, Resource], None]]:
        """Resource type -> its pricer (the other types have theirs per construct, in `estimate.py`)."""
        return {
            "AWS::DynamoDB::Table": self.dynamodb_table, "AWS::DynamoDB::GlobalTable": self.dynamodb_table,
            "AWS::KMS::Key": self.kms_key, "AWS::SecretsManager::Secret": self.secret,
            "AWS::Cognito::UserPool": self.user_pool, "AWS::EC2::EIP": self.public_ip,
            "AWS::EC2::VPCEndpoint": self.vpc_endpoint, "AWS::SNS::Topic": self.topic,
            "AWS::Kinesis::Stream": self.kinesis_stream, "AWS::Route53::HostedZone": self.hosted_zone,
            "AWS::SSM::Parameter": self.parameter, "AWS::S3::Bucket": self.bucket,
            "AWS::Logs::LogGroup": self.log_group,
        }

    def dynamodb_table(self, stack: str, c: Construct, r: Resource) -> None:
        """On demand: request units from the profile (`reads`, `writes`); provisioned: its capacity all month, idle
        (indexes' and, for a global table, every replica's writes too). Storage in both."""
        props, path, p = r.properties, c.path, self.p
        name = r.path.split("/")[-2] if r.path.endswith("/Resource") else r.logical_id
        on_demand = props.get("BillingMode") == "PAY_PER_REQUEST"
        if on_demand:
            reads, writes = self.profile.get(path, "reads"), self.profile.get(path, "writes")
            self.add(stack, path, "DynamoDB", f"{name}: on-demand reads", reads, "read request units",
                 reads / 1e6 * p.dynamodb_read_request_per_million)
            self.add(stack, path, "DynamoDB", f"{name}: on-demand writes", writes, "write request units",
                 writes / 1e6 * p.dynamodb_write_request_per_million)
        else:
            rcu, wcu = _provisioned_capacity(props)
            rcu_hours, wcu_hours = rcu * HOURS_PER_MONTH, wcu * HOURS_PER_MONTH
            self.use("dynamodb_rcu_hours", rcu_hours)
            self.use("dynamodb_wcu_hours", wcu_hours)
            self.add(stack, path, "DynamoDB", f"{name}: provisioned reads ({rcu:g} RCU)", rcu_hours, "RCU-hours",
                 rcu_hours * p.dynamodb_rcu_hour, idle=True)
            self.add(stack, path, "DynamoDB", f"{name}: provisioned writes ({wcu:g} WCU)", wcu_hours, "WCU-hours",
                 wcu_hours * p.dynamodb_wcu_hour, idle=True)
        storage = self.profile.get(path, "storage_gb")
        self.use("dynamodb_storage_gb", storage)
        self.add(stack, path, "DynamoDB", f"{name}: storage", storage, "GB-months",
             storage * p.dynamodb_storage_gb_month, idle=True)

    def kms_key(self, stack: str, c: Construct, r: Resource) -> None:
        self.add(stack, c.path, "KMS", "customer managed key", 1, "key-months", self.p.kms_key_month, idle=True)
        requests = self.profile.get(c.path, "api_calls")
        self.use("kms_requests", requests)
        self.add(stack, c.path, "KMS", "key requests", requests, "requests",
             requests / 10_000 * self.p.kms_request_per_10k)

    def secret(self, stack: str, c: Construct, r: Resource) -> None:
        self.add(stack, c.path, "Secrets Manager", "secret", 1, "secret-months", self.p.secret_month, idle=True)
        calls = self.profile.get(c.path, "api_calls")
        self.add(stack, c.path, "Secrets Manager", "API calls", calls, "calls",
             calls / 10_000 * self.p.secret_api_call_per_10k)

    def user_pool(self, stack: str, c: Construct, r: Resource) -> None:
        """Monthly active users at the pool's feature plan (Essentials unless set); advanced security (threat
        protection) needs the Plus plan."""
        props = r.properties
        plan = str(props.get("UserPoolTier") or "ESSENTIALS").upper()
        if (props.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode") in ("AUDIT", "ENFORCED"):
            plan = "PLUS"
        users = self.profile.get(c.path, "users")
        if plan != "PLUS":
            self.use("cognito_mau", users)
        self.add(stack, c.path, "Cognito", f"monthly active users ({plan.title()} plan)", users, "MAU",
             users * self.p.cognito_mau.get(plan, self.p.cognito_mau["ESSENTIALS"]))

    def public_ip(self, stack: str, c: Construct, r: Resource) -> None:
        self.add(stack, c.path, "VPC", "public IPv4 address", HOURS_PER_MONTH, "hours",
             HOURS_PER_MONTH * self.p.public_ipv4_hour, idle=True)

    def vpc_endpoint(self, stack: str, c: Construct, r: Resource) -> None:
        if r.properties.get("VpcEndpointType") != "Interface":
            return  # gateway endpoints (S3, DynamoDB) are free
        zones = max(1, len(r.properties.get("SubnetIds") or []))
        service = str(r.properties.get("ServiceName", "")).rsplit(".", 1)[-1].strip('"}]')
        hours = zones * HOURS_PER_MONTH
        self.add(stack, c.path, "VPC", f"interface endpoint {service} ({zones} AZ)", hours, "endpoint-hours",
             hours * self.p.interface_endpoint_hour, idle=True)
        data = self.profile.get(c.path, "endpoint_gb")
        self.add(stack, c.path, "VPC", f"interface endpoint {service}: data", data, "GB",
             data * self.p.interface_endpoint_gb)

    def topic(self, stack: str, c: Construct, r: Resource) -> None:
        publishes = self.profile.get(c.path, "publishes")
        self.use("sns_publishes", publishes)
        self.add(stack, c.path, "SNS", "publishes", publishes, "requests",
             publishes / 1e6 * self.p.sns_publish_per_million)

    def kinesis_stream(self, stack: str, c: Construct, r: Resource) -> None:
        props, p = r.properties, self.p
        if (props.get("StreamModeDetails") or {}).get("StreamMode") == "ON_DEMAND":
            self.add(stack, c.path, "Kinesis", "on-demand stream", HOURS_PER_MONTH, "stream-hours",
                 HOURS_PER_MONTH * p.kinesis_on_demand_stream_hour, idle=True)
            data = self.profile.get(c.path, "ingest_gb")
            self.add(stack, c.path, "Kinesis", "data in", data, "GB", data * p.kinesis_on_demand_gb_in)
            return
        shards = int(props.get("ShardCount") or 1)
        hours = shards * HOURS_PER_MONTH
        self.add(stack, c.path, "Kinesis", f"shards ({shards})", hours, "shard-hours", hours * p.kinesis_shard_hour,
             idle=True)
        records = self.profile.get(c.path, "writes")
        self.add(stack, c.path, "Kinesis", "PUT payload units", records, "units",
             records / 1e6 * p.kinesis_put_units_per_million)

    def hosted_zone(self, stack: str, c: Construct, r: Resource) -> None:
        self.add(stack, c.path, "Route 53", "hosted zone", 1, "zone-months", self.p.hosted_zone_month, idle=True)

    def parameter(self, stack: str, c: Construct, r: Resource) -> None:
        if r.properties.get("Tier") == "Advanced":
            self.add(stack, c.path, "Systems Manager", "advanced parameter", 1, "parameter-months",
                 self.p.ssm_advanced_parameter_month, idle=True)

    def bucket(self, stack: str, c: Construct, r: Resource) -> None:
        """Storage (requests are priced with the S3 triggers that read from it)."""
        name = r.path.split("/")[-2] if r.path.endswith("/Resource") else r.logical_id
        storage = self.profile.get(c.path, "storage_gb")
        self.add(stack, c.path, "S3", f"{name}: storage", storage, "GB-months", storage * self.p.s3_storage_gb_month)

    def log_group(self, stack: str, c: Construct, r: Resource) -> None:
        """A log group a function does not own: an API's access logs (per request), or what its construct writes
        (`log_gb`: Fargate containers, VPC flow logs). A function's own is priced with the function."""
        if r.logical_id in c.function_log_groups:
            return
        if c.apis:
            requests = sum(self.profile.get(c.path, "requests", self._api_requests(c, api)) for api in c.apis)
            gb = requests * self.profile.get(c.path, "log_kb") / 1024 / 1024
        else:
            gb = self.profile.get(c.path, "log_gb")
        name = r.path.split("/")[-2] if r.path.endswith("/Resource") else r.logical_id
        self.use("logs_gb", gb)
        self.add(stack, c.path, "CloudWatch Logs", f"{name}: ingestion", gb, "GB", gb * self.p.logs_ingestion_gb)
        retention = r.properties.get("RetentionInDays")
        kept = 12.0 if retention is None else months_of(int(retention))
        stored = gb * kept * 0.15
        self.add(stack, c.path, "CloudWatch Logs", f"{name}: storage (compressed)", stored, "GB-months",
             stored * self.p.logs_storage_gb_month)

    def _api_requests(self, c: Construct, api: tuple[str, str, list[str]]) -> float | None:
        """The requests of the functions behind an API: worked out once, for its request line and its access log."""
        key = (c.path, api[0])
        if key not in self.api_requests:
            behind = sum(self.requests_of(*self.stack_functions[t]) for t in api[2] if t in self.stack_functions)
            self.api_requests[key] = behind or None
        return self.api_requests[key]


def _provisioned_capacity(props: Mapping[str, Any]) -> tuple[float, float]:
    """(RCU, WCU) a table provisions: its own and its indexes'; for a global table, its write capacity on every
    replica and each replica's reads (an auto-scaled capacity at its minimum)."""
    if "Replicas" not in props:
        throughputs = [props.get("ProvisionedThroughput") or {}] + [
            index.get("ProvisionedThroughput") or {} for index in props.get("GlobalSecondaryIndexes") or []]
        return (sum(_number(t.get("ReadCapacityUnits")) for t in throughputs),
            sum(_number(t.get("WriteCapacityUnits")) for t in throughputs))
    writes = (props.get("WriteProvisionedThroughputSettings") or {}).get("WriteCapacityAutoScalingSettings") or {}
    replicas = props.get("Replicas") or [{}]
    reads = 0.0
    for replica in replicas:
        read = replica.get("ReadProvisionedThroughputSettings") or {}
        reads += _number(read.get("ReadCapacityUnits") or (read.get("ReadCapacityAutoScalingSettings") or {})
                     .get("MinCapacity"))
    return reads, _number(writes.get("MinCapacity")) * len(replicas)


def _number(value: Any) -> float:
    """A capacity as written in the template (a deploy-time value counts as none)."""
    try:
        return float(value) if value is not None and not isinstance(value, bool) else 0.0
    except (TypeError, ValueError):
        return 0.0
