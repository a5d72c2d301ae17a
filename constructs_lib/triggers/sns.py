"""TopicTrigger: invoke a function for the messages of an SNS topic, losing none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs

from ..defaults import EventDefaults
from ..queues import dead_letter_queue
from ..rules import sns as rules
from ..rules.props import check_props
from .base import Trigger, TriggerTarget, scope_of, where_created


class TopicTrigger(Trigger):
    """Invoke the function for each message of `topic` (a new encrypted topic when not given), fanned out with
    whatever else subscribes to it.

    SNS invokes Lambda asynchronously: a failed invoke is retried by Lambda and then lands in the function's
    on-failure queue. A message SNS itself cannot deliver (the function throttled past SNS's retries, a permission
    gone) goes to the subscription's own dead-letter queue. Both queues are on the function's alarm.
    """

    defaults: ClassVar[EventDefaults] = EventDefaults()

    def __init__(
        self,
        topic: sns.ITopic | None = None,
        *,
        filter_policy: Mapping[str, object] | None = None,
        filter_policy_scope: str = "MessageAttributes",
    ) -> None:
        """The function subscribes to `topic`, with a dead-letter queue of its own.

        Args:
            topic: a topic of yours. Default: None (one made: encrypted with SNS's AWS-managed key, TLS-only).
            filter_policy: SNS filter policy syntax as a dict (`{"kind": ["order"], "total": [{"numeric": [">",
                100]}]}`): only matching messages invoke the function. Checked: operators, numbers, at most 5 keys
                and 150 combinations, 256 KB. Default: None (every message).
            filter_policy_scope: "MessageAttributes" (the message's attributes; a flat policy) or "MessageBody"
                (its JSON body; nested objects allowed). Default: "MessageAttributes".
        """
        check_props(TopicTrigger.__init__, locals(), where_created(self))
        super().__init__()
        rules.check_filter_policy(self.where, filter_policy, filter_policy_scope)
        if filter_policy is not None:
            rules.check_filter_keys(self.where, filter_policy)
            rules.check_filter_combinations(self.where, filter_policy)
        self._given_topic = topic
        self.filter_policy = dict(filter_policy) if filter_policy is not None else None
        self.filter_policy_scope = filter_policy_scope
        self.subscription: sns.Subscription | None = None
        self.dead_letter_queue: sqs.IQueue | None = None

    @property
    def topic(self) -> sns.ITopic:
        if self._given_topic is None:
            raise RuntimeError("TopicTrigger creates its topic when bound to a function")
        return self._given_topic

    def _bind(self, function: TriggerTarget) -> None:
        scope = scope_of(function)
        owned = self._given_topic is None
        if self._given_topic is None:
            self._given_topic = self.make_topic(function)
        self.dead_letter_queue = dead_letter_queue(
            scope, self.scoped_id(function, "TopicDeadLetters"), retention=self.defaults.dead_letter_retention,
            reason="DLQ of the topic subscription: messages SNS could not deliver to the function.")
        self.subscription = self.topic.add_subscription(subscriptions.LambdaSubscription(
            function.invoke_target, dead_letter_queue=self.dead_letter_queue))
        if self.filter_policy is not None:
            cfn = self.subscription.node.default_child
            assert isinstance(cfn, sns.CfnSubscription)
            cfn.add_property_override("FilterPolicy", self.filter_policy)
            cfn.add_property_override("FilterPolicyScope", self.filter_policy_scope)
        function.health.watch_topic(self.topic.topic_name if owned else None, self.dead_letter_queue,
                                    f"topic {self.scoped_id(function, 'Topic')}")

    def make_topic(self, function: TriggerTarget) -> sns.ITopic:
        """The topic when none is given: encrypted with SNS's AWS-managed key (publishers in the same account need
        nothing more), TLS-only."""
        scope = scope_of(function)
        topic_id = self.scoped_id(function, "Topic")
        key = kms.Alias.from_alias_name(scope, f"{topic_id}Key", "alias/aws/sns")
        topic = sns.Topic(scope, topic_id, master_key=key, enforce_ssl=True,
                          display_name=f"Messages for {function.node.path}"[:100])
        return topic  # pyright: ignore[reportReturnType]
