"""Alerting: where a stack's alarms go, said once per stack."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from . import reads
from .guard import guard
from .health.routing import AlarmRouting
from .nag import acknowledge, skip_checkov
from .queues import dead_letter_queue
from .rules.alerting import check_emails, check_one_per_stack
from .rules.props import check_props

_BY_STACK: weakref.WeakKeyDictionary[Stack, Alerting] = weakref.WeakKeyDictionary()


class Alerting(Construct):
    """Every alarm the library creates in this stack notifies `topic` (given, or created with `emails` subscribed),
    on ALARM and on OK. One per stack; declare it before or after the constructs, it is found at synth.

    Without one, alarms still exist (on the dashboard and in the console) and `cdk synth` warns that nobody is
    notified (`ConstructsLib::ALARMS_NOT_ROUTED`).
    """

    def __init__(self, scope: Construct, id: str, *, topic: sns.ITopic | None = None,
                 emails: Sequence[str] = ()) -> None:
        """One per stack: every alarm of the library in the stack notifies its topic.

        Args:
            topic: an SNS topic of yours (encrypted with your key, say) that every alarm of the stack notifies. Default:
                one made here, TLS-only, display name "Alarms of <stack>".
            emails: addresses subscribed to the topic (each confirms by email); what SNS cannot deliver goes to a
                dead-letter queue. Default: none (subscribe a pager or chat to `topic` yourself).
        """
        check_props(Alerting.__init__, locals())
        stack = Stack.of(scope)
        where = f"{scope.node.path}/{id}".lstrip("/")
        existing = _BY_STACK.get(stack)
        check_one_per_stack(where, stack.node.path, existing and existing.node.path)
        check_emails(where, list(emails))
        super().__init__(scope, id)
        guard(self)
        self.topic: sns.ITopic = topic if topic is not None else self.make_topic(stack)
        self.topic_arn: str = self.topic.topic_arn  # read once for every alarm of the stack
        self.dead_letter_queue = None
        if emails:
            # Notifications SNS cannot deliver (a bounced address) are kept, not dropped.
            self.dead_letter_queue = dead_letter_queue(
                self, "UndeliveredAlerts", retention=Duration.days(14),
                reason="DLQ of the alert email subscriptions: notifications SNS could not deliver.")
        for email in dict.fromkeys(emails):  # an address given twice is subscribed once
            self.topic.add_subscription(subscriptions.EmailSubscription(  # pyright: ignore[reportArgumentType]
                email, dead_letter_queue=self.dead_letter_queue))
        _BY_STACK[stack] = self
        AlarmRouting.of(stack).send_to(self.topic_arn)  # the stack's alarms, made before this or after

    def make_topic(self, stack: Stack) -> sns.ITopic:
        """The alarm topic when none is given: TLS-only, unencrypted (it carries alarm names and states only)."""
        created = sns.Topic(self, "Topic", display_name=f"Alarms of {stack.stack_name}"[:100], enforce_ssl=True)
        reason = ("Carries alarm names and states, no data; server-side encryption would need a customer-managed "
                  "KMS key with a CloudWatch key policy ($1/month per stack). Pass topic= to use an encrypted one.")
        acknowledge(created, reason, "AwsSolutions-SNS2")
        skip_checkov(created, reason, "CKV_AWS_26")
        return created  # pyright: ignore[reportReturnType]

    @staticmethod
    def of(scope: Construct) -> Alerting | None:
        """The `Alerting` of `scope`'s stack, if one was declared."""
        return _BY_STACK.get(reads.stack_of(scope))
