"""FargateWebService: a long-lived HTTP service behind an Application Load Balancer."""

from __future__ import annotations

from typing import Unpack

from aws_cdk import Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from ..buckets import secure_bucket
from ..defaults import BucketDefaults
from ..health import Row, Signal
from ..health.signals import load_balancer_graph, load_balancer_signals
from ..nag import acknowledge, skip_checkov
from ..rules import fargate as rules
from ..rules.props import check_props
from .base import FargateBase, FargateProps


class FargateWebService(FargateBase):
    """`desired_count` tasks (2) behind an ALB: health checks on `health_check_path`, ALB access logs in an
    encrypted bucket, and rolling deploys with a circuit breaker that rolls back a deploy whose tasks do
    not become healthy. HTTPS with redirect when a `certificate` is given, else HTTP on port 80.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        container_port: int | None = None,
        desired_count: int | None = None,
        health_check_path: str = "/health",
        certificate: acm.ICertificate | None = None,
        public: bool = True,
        **props: Unpack[FargateProps],
    ) -> None:
        """A load-balanced service.

        Args:
            container_port: Default: 8080.
            desired_count: tasks running (two for a rolling deploy without downtime). Default: 2.
            health_check_path: Default: "/health".
            certificate: an ACM certificate: HTTPS on 443 (HTTP redirects to it). Default: None (HTTP on 80).
            public: an internet-facing load balancer. Default: True.
            props: `FargateBase`'s keywords (`FargateProps`: image_source, cpu, memory_mib, environment, ...).
        """
        check_props(FargateWebService.__init__, locals())
        self.container_port = container_port if container_port is not None else self.defaults.container_port
        desired_count = desired_count if desired_count is not None else self.defaults.desired_count
        super().__init__(scope, id, port=self.container_port, **props)
        rules.check_web_service(self, desired_count, self.container_port, health_check_path)
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self, "LoadBalancer", vpc=self.cluster.vpc, internet_facing=public, drop_invalid_header_fields=True)
        rules.check_region_known(self, Stack.of(self).region)
        self.access_logs = secure_bucket(self, "AccessLogs", defaults=BucketDefaults(), holds_logs=True)
        self.load_balancer.log_access_logs(self.access_logs, prefix="alb")
        self.service = ecs.FargateService(
            self, "Service", cluster=self.cluster, task_definition=self.task_definition,
            desired_count=desired_count,
            assign_public_ip=False, vpc_subnets=self.vpc_subnets,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            min_healthy_percent=100, max_healthy_percent=200, health_check_grace_period=Duration.seconds(60),
        )
        if certificate is not None:
            listener = self.load_balancer.add_listener("Https", port=443, certificates=[certificate],
                                                       ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS)
            self.load_balancer.add_redirect()
        else:
            listener = self.load_balancer.add_listener("Http", port=80)
            skip_checkov(listener, "No certificate was given, so the service answers HTTP; pass certificate= for "
                         "HTTPS (TLS 1.2+) with a redirect from HTTP.", "CKV_AWS_2", "CKV_AWS_103")
        self.listener = listener
        self.target_group = listener.add_targets(
                             "Service", port=self.container_port, protocol=elbv2.ApplicationProtocol.HTTP,
                             targets=[self.service],
                             health_check=elbv2.HealthCheck(path=health_check_path, healthy_threshold_count=2,
                                                            interval=Duration.seconds(15)))
        if public:
            reason = ("An internet-facing load balancer accepts traffic from anywhere by design; the tasks accept "
                      "traffic only from it.")
            acknowledge(self.load_balancer, reason, "AwsSolutions-EC23")
            for group in self.load_balancer.connections.security_groups:
                skip_checkov(group, reason + (" Port 80 only redirects to HTTPS." if certificate else ""),
                             "CKV_AWS_260")
        self.url = f"{'https' if certificate else 'http'}://{self.load_balancer.load_balancer_dns_name}"
        self.add_health_signals(*self.service_signals(self.service), *self.load_balancer_signals())
        self.health.show(Row(*self.service_widgets(self.service),
                             load_balancer_graph(self.node.id, self.load_balancer, self.alarm_defaults.period)))

    def load_balancer_signals(self) -> list[Signal]:
        """5xx answers (the app's, or the load balancer's own when no target answers) and unhealthy targets."""
        return load_balancer_signals(self.load_balancer, self.target_group, self.alarm_defaults)
