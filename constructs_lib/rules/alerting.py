"""Rules for `Alerting`, where a stack's alarms go."""

from __future__ import annotations

import re

from . import fail, rule

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@rule("ALERTING_ONE_PER_STACK", "one Alerting per stack", limit="one place per stack that alarms notify",
      source="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html")
def check_one_per_stack(where: str, stack_path: str, existing_path: str | None) -> None:
    if existing_path is not None:
        fail(where, "ALERTING_ONE_PER_STACK", f"{stack_path} already has an Alerting ({existing_path})",
             "keep one Alerting per stack and subscribe more endpoints to its topic (alerting.topic).")


@rule("ALERTING_EMAIL", "alert email addresses", limit="addresses of the form name@domain.tld",
      source="https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html")
def check_emails(where: str, emails: list[str]) -> None:
    bad = [email for email in emails if not _EMAIL.fullmatch(email)]
    if bad:
        fail(where, "ALERTING_EMAIL", f"{', '.join(map(repr, bad))} is not an email address",
             "pass addresses like emails=['ops@example.com'], or topic= for other endpoints (chat, pager).")
