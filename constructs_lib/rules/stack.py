"""Whole-template rules, run on every synthesized stack by the guard plugin (constructs_lib.guard).

They cover what no single construct can see, including resources users add by hand beside ours. Each rule
is a pure function over one template returning findings. Sizes of values only known at deploy (Ref,
Fn::GetAtt, ...) are estimated at `TOKEN_CHARS`, the length of a typical ARN.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import limits as L
from . import RULES, rule

Template = dict[str, Any]
TOKEN_CHARS = 100
_INTRINSICS = ("Ref", "Fn::GetAtt", "Fn::Join", "Fn::Sub", "Fn::Select", "Fn::ImportValue", "Fn::If", "Fn::Split")


@dataclass(frozen=True)
class Finding:
    rule_id: str
    logical_id: str  # the resource the finding is about ("" for the template as a whole)
    problem: str
    fix: str

    @property
    def severity(self) -> str:
        return RULES[self.rule_id].severity

    @property
    def message(self) -> str:
        return f"{self.problem} [{self.rule_id}: {RULES[self.rule_id].limit}] Fix: {self.fix}"


StackRule = Callable[[Template], Iterator[Finding]]
STACK_RULES: list[StackRule] = []
STACK_RULE_IDS: list[str] = []


def stack_rule(rule_id: str, summary: str, *, limit: str, source: str, severity: str = "error"):  # type: ignore[no-untyped-def]
    def register(check: StackRule) -> StackRule:
        rule(rule_id, summary, limit=limit, source=source, severity=severity)(check)  # type: ignore[arg-type]
        STACK_RULES.append(check)
        STACK_RULE_IDS.append(rule_id)
        return check

    return register


def resources(template: Template, type_name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == type_name:
            yield logical_id, resource.get("Properties", {})


def estimated_size(value: Any) -> int:
    """Characters of `value` as JSON without whitespace, each deploy-time value counted as TOKEN_CHARS."""
    return len(json.dumps(_placeholders(value), separators=(",", ":")))


def _placeholders(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in _INTRINSICS:
            return "x" * TOKEN_CHARS
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value


def referenced_id(value: Any) -> str | None:
    """The logical id behind {"Ref": X} or {"Fn::GetAtt": [X, ...]}."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            attribute = value["Fn::GetAtt"]
            return attribute[0] if isinstance(attribute, list) else str(attribute).split(".")[0]
    return None


# --- CloudFormation ----------------------------------------------------------------------------------------

@stack_rule("STACK_RESOURCES", "resources per stack", limit=f"{L.CFN_RESOURCES_MAX} resources per stack",
            source=L.CFN_LIMITS_URL)
def check_resource_count(template: Template) -> Iterator[Finding]:
    count = len(template.get("Resources", {}))
    if count > L.CFN_RESOURCES_MAX:
        yield Finding("STACK_RESOURCES", "", f"the stack has {count} resources",
                      "split it: move a group of functions (e.g. one per bounded context) into a stack of its own, "
                      "shared resources passed in from a base stack (docs/many-functions.md).")
    elif count >= L.CFN_RESOURCES_WARN_AT:
        yield Finding("STACK_RESOURCES_NEAR_LIMIT", "", f"the stack has {count} resources",
                      "plan a split now: a queue-triggered function adds 9 resources, so about 55 fit; see "
                      "docs/many-functions.md.")


rule("STACK_RESOURCES_NEAR_LIMIT", "resources per stack, early warning",
     limit=f"warn from {L.CFN_RESOURCES_WARN_AT} of {L.CFN_RESOURCES_MAX} resources", source=L.CFN_LIMITS_URL,
     severity="warning")
STACK_RULE_IDS.append("STACK_RESOURCES_NEAR_LIMIT")


@stack_rule("STACK_OUTPUTS", "outputs per stack", limit=f"{L.CFN_OUTPUTS_MAX} outputs", source=L.CFN_LIMITS_URL)
def check_outputs(template: Template) -> Iterator[Finding]:
    count = len(template.get("Outputs", {}))
    if count > L.CFN_OUTPUTS_MAX:
        yield Finding("STACK_OUTPUTS", "", f"the stack has {count} outputs",
                      "export fewer values, or group them (e.g. one SSM parameter holding a JSON map).")


@stack_rule("STACK_PARAMETERS", "parameters per stack", limit=f"{L.CFN_PARAMETERS_MAX} parameters",
            source=L.CFN_LIMITS_URL)
def check_parameters(template: Template) -> Iterator[Finding]:
    count = len(template.get("Parameters", {}))
    if count > L.CFN_PARAMETERS_MAX:
        yield Finding("STACK_PARAMETERS", "", f"the stack has {count} parameters",
                      "pass configuration as context or SSM parameters instead of CloudFormation parameters.")


@stack_rule("STACK_TEMPLATE_SIZE", "template size", limit=f"{L.CFN_TEMPLATE_MAX_BYTES:,} bytes (uploaded via S3)",
            source=L.CFN_LIMITS_URL)
def check_template_size(template: Template) -> Iterator[Finding]:
    size = template.size_bytes if isinstance(template, TemplateFile) else len(json.dumps(template, indent=1).encode())
    if size > L.CFN_TEMPLATE_MAX_BYTES:
        yield Finding("STACK_TEMPLATE_SIZE", "", f"the template is {size:,} bytes", "split the stack.")


# --- Lambda ------------------------------------------------------------------------------------------------

@stack_rule("FN_RESOURCE_POLICY_SIZE", "Lambda resource-based policy size",
            limit=f"{L.LAMBDA_RESOURCE_POLICY_MAX_BYTES:,} bytes per function", source=L.LAMBDA_LIMITS_URL)
def check_resource_policy_size(template: Template) -> Iterator[Finding]:
    statements: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for logical_id, props in resources(template, "AWS::Lambda::Permission"):
        function = referenced_id(props.get("FunctionName")) or json.dumps(props.get("FunctionName"))
        statement = {"Sid": logical_id, "Effect": "Allow", "Principal": {"Service": props.get("Principal")},
                     "Action": props.get("Action"), "Resource": props.get("FunctionName")}
        conditions = (("ArnLike", props.get("SourceArn")), ("StringEquals", props.get("SourceAccount")))
        condition = {k: v for k, v in conditions if v is not None}
        if condition:
            statement["Condition"] = condition
        statements[function].append(statement)
    for function, items in statements.items():
        size = estimated_size({"Version": "2012-10-17", "Id": "default", "Statement": items})
        if size > L.LAMBDA_RESOURCE_POLICY_MAX_BYTES:
            yield Finding("FN_RESOURCE_POLICY_SIZE", function,
                          f"{function} gets {len(items)} invoke permissions, about {size:,} bytes of resource policy",
                          "grant one permission per source scoped to the whole API or rule set (ApiTrigger does this), "
                          "not one per route or rule.")


# --- IAM ---------------------------------------------------------------------------------------------------

@stack_rule("IAM_INLINE_POLICY_SIZE", "inline policy size per role",
            limit=f"{L.IAM_ROLE_INLINE_POLICIES_MAX_CHARS:,} characters of inline policy per role, all together",
            source=L.IAM_QUOTAS_URL)
def check_inline_policy_size(template: Template) -> Iterator[Finding]:
    per_role: dict[str, int] = defaultdict(int)
    for logical_id, props in resources(template, "AWS::IAM::Role"):
        per_role[logical_id] += sum(estimated_size(p.get("PolicyDocument")) for p in props.get("Policies", []))
    for _, props in resources(template, "AWS::IAM::Policy"):
        for role in props.get("Roles", []):
            per_role[referenced_id(role) or json.dumps(role)] += estimated_size(props.get("PolicyDocument"))
    for role, size in per_role.items():
        if size > L.IAM_ROLE_INLINE_POLICIES_MAX_CHARS:
            yield Finding("IAM_INLINE_POLICY_SIZE", role, f"{role} has about {size:,} characters of inline policy",
                          "grant on fewer, broader resources (e.g. a prefix instead of many keys), or move a group "
                          "of statements into an iam.ManagedPolicy (6,144 characters each).")


@stack_rule("IAM_MANAGED_POLICY_SIZE", "managed policy size", limit=f"{L.IAM_MANAGED_POLICY_MAX_CHARS:,} characters",
            source=L.IAM_QUOTAS_URL)
def check_managed_policy_size(template: Template) -> Iterator[Finding]:
    for logical_id, props in resources(template, "AWS::IAM::ManagedPolicy"):
        size = estimated_size(props.get("PolicyDocument"))
        if size > L.IAM_MANAGED_POLICY_MAX_CHARS:
            yield Finding("IAM_MANAGED_POLICY_SIZE", logical_id, f"{logical_id} is about {size:,} characters",
                          "split the statements over two managed policies.")


@stack_rule("IAM_MANAGED_POLICIES_PER_ROLE", "managed policies per role",
            limit=f"{L.IAM_MANAGED_POLICIES_PER_ROLE} per role by default (adjustable to 20)", source=L.IAM_QUOTAS_URL,
            severity="warning")
def check_managed_policies_per_role(template: Template) -> Iterator[Finding]:
    per_role: dict[str, int] = defaultdict(int)
    for logical_id, props in resources(template, "AWS::IAM::Role"):
        per_role[logical_id] += len(props.get("ManagedPolicyArns", []))
    for _, props in resources(template, "AWS::IAM::ManagedPolicy"):
        for role in props.get("Roles", []):
            per_role[referenced_id(role) or json.dumps(role)] += 1
    for role, count in per_role.items():
        if count > L.IAM_MANAGED_POLICIES_PER_ROLE:
            yield Finding("IAM_MANAGED_POLICIES_PER_ROLE", role, f"{role} has {count} managed policies attached",
                          "merge policies, or raise the 'Managed policies per role' quota (up to 20) first.")


@stack_rule("IAM_TRUST_POLICY_SIZE", "role trust policy size",
            limit=f"{L.IAM_TRUST_POLICY_MAX_CHARS:,} characters by default (adjustable to 4,096)",
            source=L.IAM_QUOTAS_URL, severity="warning")
def check_trust_policy_size(template: Template) -> Iterator[Finding]:
    for logical_id, props in resources(template, "AWS::IAM::Role"):
        size = estimated_size(props.get("AssumeRolePolicyDocument"))
        if size > L.IAM_TRUST_POLICY_MAX_CHARS:
            yield Finding("IAM_TRUST_POLICY_SIZE", logical_id,
                          f"{logical_id}'s trust policy is about {size:,} characters",
                          "trust fewer principals (e.g. an account root with a condition instead of many roles), "
                          "or raise the 'Role trust policy length' quota first.")


# --- EventBridge and API Gateway ---------------------------------------------------------------------------

@stack_rule("EVENTS_TARGETS_PER_RULE", "targets per EventBridge rule",
            limit=f"{L.EVENTS_TARGETS_PER_RULE} targets per rule", source=L.EVENTS_QUOTAS_URL)
def check_targets_per_rule(template: Template) -> Iterator[Finding]:
    for logical_id, props in resources(template, "AWS::Events::Rule"):
        count = len(props.get("Targets", []))
        if count > L.EVENTS_TARGETS_PER_RULE:
            yield Finding("EVENTS_TARGETS_PER_RULE", logical_id, f"{logical_id} has {count} targets",
                          "split the targets over two rules with the same pattern (EventTrigger makes one rule "
                          "per function).")


@stack_rule("APIGW_HTTP_ROUTES", "routes per HTTP API", limit=f"{L.APIGW_HTTP_ROUTES_MAX} routes per API (adjustable)",
            source=L.APIGW_LIMITS_URL, severity="warning")
def check_http_routes(template: Template) -> Iterator[Finding]:
    per_api: dict[str, int] = defaultdict(int)
    for _, props in resources(template, "AWS::ApiGatewayV2::Route"):
        per_api[referenced_id(props.get("ApiId")) or json.dumps(props.get("ApiId"))] += 1
    for api, count in per_api.items():
        if count > L.APIGW_HTTP_ROUTES_MAX:
            yield Finding("APIGW_HTTP_ROUTES", api, f"{api} has {count} routes",
                          "use greedy routes ('ANY /items/{proxy+}') routed in the handler, or raise the quota first.")


# --- queues as destinations --------------------------------------------------------------------------------

def _queues(template: Template) -> dict[str, dict[str, Any]]:
    return dict(resources(template, "AWS::SQS::Queue"))


def _destinations(template: Template) -> Iterator[tuple[str, str, Any]]:
    """(resource, what sends, queue reference) for S3 notifications, Lambda destinations and EventBridge."""
    for logical_id, props in template.get("Resources", {}).items():
        kind, props = props.get("Type"), props.get("Properties", {})
        if kind in ("AWS::S3::Bucket", "Custom::S3BucketNotifications"):
            config = props.get("NotificationConfiguration", {})
            for queue in config.get("QueueConfigurations", []):  # "QueueArn" in CDK's custom resource
                yield logical_id, "an S3 event notification", queue.get("Queue", queue.get("QueueArn"))
        elif kind == "AWS::Lambda::EventInvokeConfig":
            for outcome in ("OnFailure", "OnSuccess"):
                destination = props.get("DestinationConfig", {}).get(outcome, {}).get("Destination")
                if destination is not None:
                    yield logical_id, f"a Lambda {outcome} destination", destination
        elif kind == "AWS::Events::Rule":
            for target in props.get("Targets", []):
                if target.get("DeadLetterConfig"):
                    yield logical_id, "an EventBridge target's DLQ", target["DeadLetterConfig"].get("Arn")
                if target.get("SqsParameters") is None:  # FIFO targets need SqsParameters.MessageGroupId
                    yield logical_id, "an EventBridge target", target.get("Arn")
                else:
                    yield logical_id, "an EventBridge FIFO target (managed key check)", target.get("Arn")
        elif kind == "AWS::Scheduler::Schedule":
            dlq = props.get("Target", {}).get("DeadLetterConfig", {}).get("Arn")
            if dlq is not None:
                yield logical_id, "an EventBridge Scheduler DLQ", dlq


@stack_rule("FIFO_DESTINATION", "no FIFO queue where AWS refuses one",
            limit="S3 notifications, Lambda destinations and EventBridge/Scheduler DLQs take standard queues only",
            source="https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html")
def check_fifo_destinations(template: Template) -> Iterator[Finding]:
    queues = _queues(template)
    for logical_id, sender, reference in _destinations(template):
        queue_id = referenced_id(reference)
        if "FIFO target" in sender or queue_id not in queues:
            continue
        if queues[queue_id].get("FifoQueue"):
            yield Finding("FIFO_DESTINATION", logical_id, f"{queue_id} is a FIFO queue used as {sender}",
                          "use a standard queue there (the library's dead_letter_queue() makes one).")


@stack_rule("MANAGED_KEY_DESTINATION", "no AWS-managed-key queue as an S3 or EventBridge destination",
            limit="S3 and EventBridge cannot use the AWS managed key alias/aws/sqs: deliveries fail or are dropped",
            source="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html")
def check_managed_key_destinations(template: Template) -> Iterator[Finding]:
    queues = _queues(template)
    for logical_id, sender, reference in _destinations(template):
        queue_id = referenced_id(reference)
        if queue_id in queues and queues[queue_id].get("KmsMasterKeyId") == "alias/aws/sqs" \
                and "Lambda" not in sender:
            yield Finding("MANAGED_KEY_DESTINATION", logical_id,
                          f"{queue_id} is encrypted with alias/aws/sqs and used as {sender}",
                          "use SSE-SQS (encryption=QueueEncryption.SQS_MANAGED, the library's default) or a "
                          "customer managed KMS key whose policy lets the service use it.")


@stack_rule("SQS_ESM_VISIBILITY", "queue visibility timeout of every SQS event source mapping",
            limit="AWS refuses an SQS event source mapping whose queue visibility timeout is below the function "
                  "timeout", source=L.SQS_ESM_URL)
def check_event_source_visibility(template: Template) -> Iterator[Finding]:
    queues = _queues(template)
    functions = dict(resources(template, "AWS::Lambda::Function"))
    for logical_id, props in resources(template, "AWS::Lambda::EventSourceMapping"):
        queue_id, function_id = referenced_id(props.get("EventSourceArn")), referenced_id(props.get("FunctionName"))
        if queue_id not in queues or function_id not in functions:
            continue
        visibility = int(queues[queue_id].get("VisibilityTimeout", 30))
        timeout = int(functions[function_id].get("Timeout", 3))
        if visibility < timeout:
            yield Finding("SQS_ESM_VISIBILITY", logical_id,
                          f"{queue_id} has visibility timeout {visibility} s, "
                          f"below {function_id}'s timeout {timeout} s",
                          f"set the queue's visibility timeout to at least {6 * timeout} s (6x the function timeout).")


@stack_rule("SQS_REDRIVE_RECEIVE_COUNT", "every queue's redrive policy moves messages after 1..1,000 receives",
            limit=f"maxReceiveCount 1..{L.SQS_MAX_RECEIVE_COUNT_MAX:,}, on any queue of the stack (ours or yours)",
            source="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html")
def check_redrive_receive_count(template: Template) -> Iterator[Finding]:
    for logical_id, props in resources(template, "AWS::SQS::Queue"):
        redrive = props.get("RedrivePolicy")
        count = redrive.get("maxReceiveCount") if isinstance(redrive, dict) else None
        if isinstance(count, bool) or not isinstance(count, int | float | str):
            continue  # no redrive policy, or a value known only at deploy
        try:
            value = float(count)
        except ValueError:
            value = -1.0
        if not 1 <= value <= L.SQS_MAX_RECEIVE_COUNT_MAX or value != int(value):
            yield Finding("SQS_REDRIVE_RECEIVE_COUNT", logical_id, f"{logical_id} moves messages to its dead-letter "
                          f"queue after maxReceiveCount={count!r} receives",
                          f"set max_receive_count between 1 and {L.SQS_MAX_RECEIVE_COUNT_MAX} on the queue's "
                          "dead_letter_queue (5 is what AWS recommends for a queue Lambda drains).")


# Event sources whose mappings retry a failed batch until its records expire, and take an on-failure destination.
_STREAM_TYPES = {"AWS::Kinesis::Stream": "Kinesis stream", "AWS::DynamoDB::Table": "DynamoDB stream",
                 "AWS::MSK::Cluster": "MSK cluster"}
_STREAM_ARN_PARTS = {":kinesis:": "Kinesis stream", ":dynamodb:": "DynamoDB stream", ":kafka:": "MSK cluster"}


@stack_rule("ESM_STREAM_ON_FAILURE", "stream event source mappings have an on-failure destination", severity="warning",
            limit="a Kinesis, DynamoDB or Kafka mapping without one retries a failing batch until its records expire, "
                  "holding up the shard, then drops them",
            source="https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-errors")
def check_stream_on_failure(template: Template) -> Iterator[Finding]:
    types = {logical_id: str(resource.get("Type")) for logical_id, resource in template.get("Resources", {}).items()}
    for logical_id, props in resources(template, "AWS::Lambda::EventSourceMapping"):
        source = props.get("EventSourceArn")
        kind = _STREAM_TYPES.get(types.get(referenced_id(source) or "", ""), "")
        text = source if isinstance(source, str) else json.dumps(source)
        kind = kind or next((name for part, name in _STREAM_ARN_PARTS.items() if part in text), "")
        if kind and not (props.get("DestinationConfig") or {}).get("OnFailure"):
            yield Finding("ESM_STREAM_ON_FAILURE", logical_id, f"{logical_id} reads a {kind} with no on-failure "
                          "destination", "pass on_failure=SqsDlq(queue) (or an SNS/S3 destination) to the event "
                          "source, with bisect_batch_on_error and a retry limit.")


class TemplateFile(dict):  # type: ignore[type-arg]
    """A template read from the file CDK wrote, with that file's size (serializing it again to measure costs)."""

    def __init__(self, text: bytes) -> None:
        super().__init__(json.loads(text))
        self.size_bytes = len(text)


def check_template(template: Template) -> list[Finding]:
    """Every stack rule over one template."""
    return [finding for check in STACK_RULES for finding in check(template)]


@stack_rule("ALARMS_NOT_ROUTED", "alarms notify someone", severity="warning",
            limit="an alarm without an action changes state in the console and tells nobody",
            source="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html")
def check_alarms_routed(template: Template) -> Iterator[Finding]:
    silent = [logical_id for logical_id, props in resources(template, "AWS::CloudWatch::Alarm")
              if not props.get("AlarmActions")]
    if silent:
        yield Finding("ALARMS_NOT_ROUTED", silent[0], f"{len(silent)} alarm(s) notify nobody ({', '.join(silent[:3])}"
                      f"{', ...' if len(silent) > 3 else ''})",
                      "add Alerting(stack, 'Alerts', emails=[...]) (or topic=...) to the stack: every alarm of the "
                      "library notifies it.")
