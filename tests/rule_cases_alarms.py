"""Rule cases for the health alarms and Alerting (registered into tests.rulecases.CASES)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations

from constructs_lib import Alerting, ServerlessApi, ServerlessFunction
from constructs_lib.testing import new_stack, synth

from .rulecases import assert_error, assert_warning, case


@case("ALARMS_NOT_ROUTED")
def _() -> None:
    stack = new_stack()
    ServerlessFunction(stack, "Fn", source="tests/handler")
    assert_warning(stack, "ALARMS_NOT_ROUTED", "1 alarm(s) notify nobody (FnHealth", "Alerting(stack, 'Alerts'")
    routed = new_stack()
    ServerlessFunction(routed, "Fn", source="tests/handler")
    Alerting(routed, "Alerts", emails=["ops@example.com"])  # declared after the function: found at synth
    assert not [w for w in synth(routed).warnings if "ALARMS_NOT_ROUTED" in w]


@case("ALARMS_OFF")
def _() -> None:
    stack = new_stack()
    ServerlessFunction(stack, "Fn", source="tests/handler", alarms=False)
    assert_warning(stack, "ALARMS_OFF", "alarms=False: nothing tells anyone when this fails")
    quiet = new_stack()
    api = ServerlessApi(quiet, "Api", alarms=False)
    Validations.of(api).acknowledge(Acknowledgment(id="Annotation::ALARMS_OFF", reason="watched by the edge team"))
    assert not [w for w in synth(quiet).warnings if "ALARMS_OFF" in w]
    assert synth(quiet).count("AWS::CloudWatch::Alarm") == 0


@case("ALERTING_EMAIL")
def _() -> None:
    assert_error("ALERTING_EMAIL", lambda: Alerting(new_stack(), "Alerts", emails=["ops@example.com", "ops"]),
                 "Test/Alerts: 'ops' is not an email address", "topic=")


@case("ALERTING_ONE_PER_STACK")
def _() -> None:
    stack = new_stack()
    Alerting(stack, "Alerts")
    assert_error("ALERTING_ONE_PER_STACK", lambda: Alerting(stack, "More"),
                 "Test already has an Alerting (Test/Alerts)", "alerting.topic")


@case("ALARM_SIGNAL")
def _() -> None:
    from aws_cdk import aws_cloudwatch as cloudwatch

    from constructs_lib.health import Signal

    function = ServerlessFunction(new_stack(), "Fn", source="tests/handler")
    math = cloudwatch.MathExpression(expression="e * 2", using_metrics={"e": function.function.metric_errors()})
    assert_error("ALARM_SIGNAL", lambda: function.add_health_signals(Signal("double", math, 1, "twice the errors")),
                 "Test/Fn/Health: signal 'double' uses a metric-math expression", "per= for a rate")
    function.add_health_signals(Signal("invocations", function.function.metric_invocations(), 1000, "busy"))
