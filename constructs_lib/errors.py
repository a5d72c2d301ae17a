"""The one exception users see for bad input."""

from __future__ import annotations


class ConfigError(ValueError):
    """Bad construct input, caught at `cdk synth` instead of failing `cdk deploy`.

    The message names the construct path, the value, the AWS limit and the fix, so the user can act on it
    without opening the AWS documentation.
    """

    def __init__(self, construct_path: str, rule_id: str, problem: str, *, limit: str, fix: str) -> None:
        """Raised by the library's rules (`rules.fail`); users catch it, they do not make it.

        Args:
            construct_path: the construct whose input is wrong. Required.
            rule_id: the rule of the catalogue that refused it. Required.
            problem: what is wrong, with the value. Required.
            limit: the AWS limit, as the catalogue quotes it. Required.
            fix: what to change. Required.
        """
        self.construct_path = construct_path
        self.rule_id = rule_id
        self.problem = problem
        self.limit = limit
        self.fix = fix
        super().__init__(f"{construct_path}: {problem} [{rule_id}: {limit}] Fix: {fix}")
