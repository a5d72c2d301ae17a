"""Operations by default: every failure the library routes somewhere has an alarm that reaches a person."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match

from constructs_lib import (
    Alerting,
    ApiTrigger,
    ConfigError,
    Deployment,
    EventTrigger,
    FargateQueueWorker,
    FargateScheduledTask,
    FargateWebService,
    QueueTrigger,
    S3Trigger,
    ScheduleTrigger,
    ServerlessApi,
    ServerlessFunction,
)
from constructs_lib.health import MetricSpec
from constructs_lib.health.dashboard import joined
from constructs_lib.testing import new_stack, synth

IMAGE = "example/worker"


def metric_names(alarm: dict[str, Any]) -> list[str]:
    return [q["MetricStat"]["Metric"]["MetricName"] for q in alarm["Properties"]["Metrics"] if "MetricStat" in q]


def expression(alarm: dict[str, Any]) -> str:
    return next(q["Expression"] for q in alarm["Properties"]["Metrics"] if "Expression" in q)


def test_a_queue_triggered_function_has_one_alarm_over_all_its_signals(snapshot):
    stack = new_stack()
    ServerlessFunction(stack, "Fn", source="tests/handler", timeout=Duration.seconds(30), triggers=[QueueTrigger()])
    alerting = Alerting(stack, "Alerts", emails=["ops@example.com"])
    result = synth(stack)
    assert result.template == snapshot
    (alarm,) = result.resources("AWS::CloudWatch::Alarm").values()  # one alarm resource per wired function
    # Invoked only by its queue (synchronously): no failed-invocations queue to watch, its queue and DLQ instead.
    assert metric_names(alarm) == ["Errors", "Throttles", "Duration", "ApproximateAgeOfOldestMessage",
                                   "ApproximateNumberOfMessagesVisible"]
    assert "IF(m_duration >= 24000, 1, 0)" in expression(alarm)  # p99 at 80% of the 30 s timeout
    assert "IF(m_age >= 172800, 1, 0)" in expression(alarm)  # half the queue's 4-day retention
    topic = {"Ref": result.template["Resources"] and next(iter(result.resources("AWS::SNS::Topic")))}
    assert alarm["Properties"]["AlarmActions"] == [topic] and alarm["Properties"]["OKActions"] == [topic]
    result.assertions.has_resource_properties("AWS::SNS::Subscription", {
        "Protocol": "email", "Endpoint": "ops@example.com", "RedrivePolicy": Match.any_value()})
    assert alerting.topic is not None and result.warnings == []


def test_an_alarm_keeps_your_own_overrides_and_is_written_as_cloudformation():
    # Alarms are raw CfnResources whose metrics are written at synth: an override of yours made before that stays.
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[QueueTrigger()])
    Alerting(stack, "Alerts")
    (health,) = fn.health_alarms
    assert health.alarm is not None
    health.alarm.add_property_override("AlarmName", "team-fn-health")
    (alarm,) = synth(stack).resources("AWS::CloudWatch::Alarm").values()
    assert alarm["Properties"]["AlarmName"] == "team-fn-health"
    assert "MAX([IF(m_errors >= 1, 1, 0)" in expression(alarm)
    assert alarm["Properties"]["AlarmDescription"].startswith("Function Test/Fn needs a look when any of: errors")
    assert len(health.arns) == 1 and "${Token[" in health.arns[0]


def test_signals_added_after_the_function_is_made_reach_its_alarm():
    # Made in the constructor, the alarm is created whole; a trigger added later is written into it before synth.
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", source="tests/handler")  # no trigger yet: direct invokes, an on-failure queue
    Alerting(stack, "Alerts")
    fn.add_trigger(QueueTrigger())
    (alarm,) = synth(stack).resources("AWS::CloudWatch::Alarm").values()
    assert metric_names(alarm) == ["Errors", "Throttles", "Duration", "ApproximateNumberOfMessagesVisible",
                                   "ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible"]
    assert "IF(m_dlq2 >= 1, 1, 0)" in expression(alarm)
    assert "queue Queue's oldest message" in alarm["Properties"]["AlarmDescription"]


def test_every_construct_alarms_on_what_it_routes_somewhere():
    stack = new_stack()
    api = ServerlessApi(stack, "Api")
    ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[
        QueueTrigger(), S3Trigger(delivery="eventbridge"), EventTrigger({"source": ["my.app"]}),
        ScheduleTrigger("rate(1 hour)"), ApiTrigger(api, "GET /x")])
    FargateQueueWorker(stack, "Worker", image_source=IMAGE)
    FargateScheduledTask(stack, "Nightly", image_source=IMAGE, schedule="rate(1 day)")
    FargateWebService(stack, "Web", image_source=IMAGE)
    Alerting(stack, "Alerts", topic=sns.Topic(stack, "Pager", enforce_ssl=True))
    result = synth(stack, lint=False)
    alarms = result.resources("AWS::CloudWatch::Alarm")
    ours = {k: v for k, v in alarms.items() if "needs a look" in str(v["Properties"].get("AlarmDescription"))}
    # The function: its own signals, then each trigger's (9 metrics per alarm: the rest in Health2)
    assert {"Errors", "Throttles", "Duration", "FailedInvocations", "ApproximateAgeOfOldestMessage"} <= set(
        sum((metric_names(v) for k, v in ours.items() if k.startswith("FnHealth")), []))
    assert set(metric_names(next(v for k, v in ours.items() if k.startswith("ApiHealth")))) == {
        "5xx", "Count", "Latency"}
    assert {"RunningTaskCount", "DesiredTaskCount", "ApproximateAgeOfOldestMessage"} <= set(
        metric_names(next(v for k, v in ours.items() if k.startswith("WorkerHealth"))))
    assert {"MatchedEvents", "ApproximateNumberOfMessagesVisible"} <= set(
        metric_names(next(v for k, v in ours.items() if k.startswith("NightlyHealth"))))
    assert {"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "UnHealthyHostCount", "RequestCount"} <= set(
        metric_names(next(v for k, v in ours.items() if k.startswith("WebHealth"))))
    pager = {"Ref": next(k for k in result.resources("AWS::SNS::Topic") if k.startswith("Pager"))}
    for name, alarm in ours.items():
        assert alarm["Properties"]["AlarmActions"] == [pager], name
        assert len(alarm["Properties"]["Metrics"]) <= 10, name  # CloudWatch's limit per alarm
    assert result.count("AWS::CloudWatch::Dashboard") == 1


def test_the_dashboard_has_a_row_per_function_worker_and_api():
    stack = new_stack()
    api = ServerlessApi(stack, "Api")
    ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[QueueTrigger(), ApiTrigger(api, "GET /x")])
    FargateQueueWorker(stack, "Worker", image_source=IMAGE)
    body = json.dumps(synth(stack, lint=False).resources("AWS::CloudWatch::Dashboard"))
    for title in ("Fn: invocations, errors, throttles", "Fn: duration", "queue Queue", "DLQ QueueDeadLetters",
                  "Api: requests, 5xx", "Worker: tasks, CPU, memory", "Worker: queue"):
        assert title in body, title


@pytest.mark.parametrize("kind", ["http", "rest"])
def test_metrics_written_as_data_are_the_ones_aws_cdk_lib_makes(kind: str):
    """The API's and a release alias's metrics are built as data (no round trips to Node): the same namespace,
    name, dimensions and statistic as aws-cdk-lib's own `metric_*()` of the API (an HTTP API's by id, a REST
    API's by name) and of the alias."""
    stack = new_stack()

    def data(metric: Any) -> tuple[Any, ...]:
        spec = metric if isinstance(metric, MetricSpec) else MetricSpec.from_metric(metric)
        assert spec is not None
        return (spec.namespace, spec.metric_name, stack.resolve(dict(spec.dimensions)), spec.statistic)

    api = ServerlessApi(stack, "Api", kind=kind, api_name="Orders" if kind == "rest" else None)
    fn = ServerlessFunction(stack, "Fn", source="tests/handler", deployment=Deployment.all_at_once(),
                            triggers=[ApiTrigger(api, "GET /x")])
    cdk_api = api.http_api or api.rest_api
    assert cdk_api is not None and fn.alias is not None
    assert [data(m) for m in api._metrics()] == [data(m) for m in (
        cdk_api.metric_server_error(statistic="Sum"), cdk_api.metric_count(statistic="Sum"),
        cdk_api.metric_latency(statistic="p99"))]
    rollback = fn.node.find_child("RollbackAlarm")
    assert [data(s.metric) for s in rollback.signals] == [data(m) for m in (
        fn.alias.metric_errors(statistic="Sum"), fn.alias.metric_duration(statistic="p99"))]


def test_the_dashboard_body_is_one_join_of_its_pieces():
    """A body with a thousand tokens is handed to CDK as one Fn::Join (CDK joins a tokenized string pairwise,
    copying everything before each piece), and renders the same JSON. No env, as `cdk init` makes a stack."""
    stack = new_stack(env=None)
    for i in range(3):
        ServerlessFunction(stack, f"Fn{i}", source="tests/handler", triggers=[QueueTrigger()])
    (dashboard,) = synth(stack, lint=False).resources("AWS::CloudWatch::Dashboard").values()
    separator, pieces = dashboard["Properties"]["DashboardBody"]["Fn::Join"]
    assert separator == ""
    assert not any(isinstance(p, str) and "${Token[" in p for p in pieces)
    refs = [p for p in pieces if not isinstance(p, str)]
    assert {"Ref": "AWS::Region"} in refs and all(set(r) <= {"Ref", "Fn::GetAtt"} for r in refs)
    rendered = json.loads("".join(p if isinstance(p, str) else "X" for p in pieces))
    assert len(rendered["widgets"]) >= 3 * 3
    assert joined("no tokens") == "no tokens"
    one = joined(f'{{"region":"{stack.region}"}}')
    assert re.fullmatch(r"\$\{Token\[[^\]]+\]\}", one)  # one intrinsic, not a string of pieces
    assert stack.resolve(one) == {"Fn::Join": ["", ['{"region":"', {"Ref": "AWS::Region"}, '"}']]}


def test_powertools_names_are_set_and_yours_win():
    stack = new_stack()
    ServerlessFunction(stack, "Orders", source="tests/handler")
    ServerlessFunction(stack, "Mine", source="tests/handler", environment={"POWERTOOLS_SERVICE_NAME": "orders-api"})
    ServerlessFunction(stack, "Full", source="tests/handler", environment={"BIG": "x" * 4086})  # no room: left out
    functions = {k[:4]: v["Properties"].get("Environment", {}).get("Variables", {})
                 for k, v in synth(stack).resources("AWS::Lambda::Function").items()}
    assert functions["Orde"] == {"POWERTOOLS_SERVICE_NAME": "Orders", "POWERTOOLS_METRICS_NAMESPACE": "Test"}
    assert functions["Mine"]["POWERTOOLS_SERVICE_NAME"] == "orders-api"
    assert "POWERTOOLS_SERVICE_NAME" not in functions["Full"]
    # the Powertools names count toward the 4 KB when variables are added later
    near_full = ServerlessFunction(new_stack(), "Fn", source="tests/handler", environment={"BIG": "x" * 4000})
    with pytest.raises(ConfigError, match="FN_ENV_SIZE"):
        near_full.add_environment("MORE", "y" * 20)


def test_thresholds_are_defaults_a_subclass_changes():
    """Each construct family has its own thresholds (`alarm_defaults`), changed like any other default."""
    from dataclasses import replace

    class Tolerant(ServerlessFunction):
        alarm_defaults = replace(ServerlessFunction.alarm_defaults, errors=5)

    class SlowApi(ServerlessApi):
        alarm_defaults = replace(ServerlessApi.alarm_defaults, server_error_rate=0.2)

    stack = new_stack()
    Tolerant(stack, "Fn", source="tests/handler")
    ServerlessFunction(stack, "Strict", source="tests/handler")
    SlowApi(stack, "Api")
    alarms = synth(stack, lint=False).resources("AWS::CloudWatch::Alarm")
    by_owner = {name[:3]: expression(alarm) for name, alarm in alarms.items()}
    assert "IF(m_errors >= 5, 1, 0)" in by_owner["FnH"]
    assert "IF(m_errors >= 1, 1, 0)" in by_owner["Str"]  # the base class keeps its own
    assert "IF(m_5xx_per > 0, m_5xx / m_5xx_per, 0) >= 0.2" in by_owner["Api"]


def test_a_local_aws_gets_single_metric_alarms():
    """MiniStack evaluates single-metric alarms only: per signal there, rates and gaps left out."""
    from constructs_lib.context import ALARMS_PER_SIGNAL

    stack = new_stack(context={ALARMS_PER_SIGNAL: "true"})
    api = ServerlessApi(stack, "Api")
    ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[QueueTrigger(), ApiTrigger(api, "GET /x")])
    Alerting(stack, "Alerts")
    alarms = synth(stack).resources("AWS::CloudWatch::Alarm")
    assert all("Metrics" not in a["Properties"] and a["Properties"]["AlarmActions"] for a in alarms.values())
    assert sorted(a["Properties"]["MetricName"] for a in alarms.values()) == [
        "ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible",
        "Duration", "Errors", "Latency", "Throttles"]  # the API's 5xx rate needs metric math: left out
