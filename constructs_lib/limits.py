"""Every AWS limit the library checks, with where AWS documents it.

Fixed limits are enforced as errors; the quotas marked *adjustable* are enforced as warnings (an account
can raise them). Constructs, rules, tests and the docs all read from here.
"""

from __future__ import annotations

import datetime as _dt

# How deep a prop's nested lists and dicts may go (an event pattern deeper than this is no pattern).
PROP_NESTING_MAX = 100

# --- Lambda: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html -------------------
LAMBDA_LIMITS_URL = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
LAMBDA_MEMORY_MIN_MB = 128
LAMBDA_MEMORY_MAX_MB = 10_240
LAMBDA_MEMORY_NEW_ACCOUNT_MAX_MB = 3_008  # adjustable: new accounts start here
LAMBDA_TIMEOUT_MAX_S = 900
LAMBDA_EPHEMERAL_MIN_MB = 512
LAMBDA_EPHEMERAL_MAX_MB = 10_240
LAMBDA_ENVIRONMENT_MAX_BYTES = 4_096  # all keys and values together
LAMBDA_RESOURCE_POLICY_MAX_BYTES = 20_480
LAMBDA_ACCOUNT_CONCURRENCY = 1_000  # adjustable; the default per-Region quota
LAMBDA_UNRESERVED_CONCURRENCY_MIN = 100  # AWS keeps this much unreserved
LAMBDA_FUNCTION_NAME_MAX = 64
LAMBDA_DESCRIPTION_MAX = 256  # CreateFunction's Description
LAMBDA_CREATE_FUNCTION_URL = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"
LAMBDA_FUNCTION_NAME_PATTERN = r"[a-zA-Z0-9_-]+"
LAMBDA_HANDLER_MAX = 128
LAMBDA_ASYNC_RETRY_ATTEMPTS_MAX = 2
LAMBDA_ASYNC_EVENT_AGE_MIN_S = 60
LAMBDA_ASYNC_EVENT_AGE_MAX_S = 21_600
LAMBDA_PACKAGE_ZIPPED_MAX_BYTES = 50 * 1024 * 1024  # direct upload; deploys through S3 are not bound by it
LAMBDA_PACKAGE_UNZIPPED_MAX_BYTES = 250 * 1024 * 1024  # the function and all its layers, unzipped
LAMBDA_LAYERS_MAX = 5

# Versions, aliases and traffic shifting
LAMBDA_ALIAS_URL = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html"
LAMBDA_ALIAS_NAME_MAX = 128
LAMBDA_ALIAS_NAME_PATTERN = r"(?!^[0-9]+$)[a-zA-Z0-9_-]+"  # not all digits: those are version numbers
CODEDEPLOY_CONFIG_URL = "https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html"
CODEDEPLOY_PERCENT_MIN, CODEDEPLOY_PERCENT_MAX = 1, 99  # the share of traffic shifted per step, integer
CODEDEPLOY_INTERVAL_MIN_MINUTES = 1  # whole minutes between steps
# CodeDeploy's predefined Lambda configs (no resource needed): (kind, percent, minutes) -> name
CODEDEPLOY_PREDEFINED = {
    ("canary", 10, 5): "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    ("canary", 10, 10): "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    ("canary", 10, 15): "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    ("canary", 10, 30): "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    ("linear", 10, 1): "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    ("linear", 10, 2): "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    ("linear", 10, 3): "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    ("linear", 10, 10): "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    ("all_at_once", 100, 0): "CodeDeployDefault.LambdaAllAtOnce",
}
LAMBDA_PROVISIONED_URL = "https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html"
LAMBDA_PROVISIONED_UTILIZATION_MIN, LAMBDA_PROVISIONED_UTILIZATION_MAX = 0.1, 0.9  # target tracking on utilization
LAMBDA_SNAPSTART_URL = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html"
LAMBDA_SNAPSTART_EPHEMERAL_MAX_MB = 512
LAMBDA_SNAPSTART_PYTHON = frozenset({"python3.12", "python3.13", "python3.14"})

# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
LAMBDA_ENV_URL = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html"
LAMBDA_ENV_KEY_PATTERN = r"[a-zA-Z][a-zA-Z0-9_]+"
LAMBDA_RESERVED_ENV_KEYS = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
# Also set by the Python runtime on every invoke (the same page), which a handler may read.
LAMBDA_RUNTIME_ENV_KEYS = frozenset({
    "LANG", "PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "TZ", "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",  # SnapStart's credentials
})

# Python runtime lifecycle: (deprecated, block function create, block function update), from AWS's table
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (the same dates cfn-lint ships as
# LmbdRuntimeLifecycle.json). Deprecated: no more patches (a warning); create blocked: deploys of new functions fail.
LAMBDA_RUNTIMES_URL = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
PYTHON_RUNTIME_LIFECYCLE: dict[str, tuple[_dt.date, _dt.date, _dt.date]] = {
    "python2.7": (_dt.date(2021, 7, 15), _dt.date(2021, 7, 15), _dt.date(2022, 5, 30)),
    "python3.6": (_dt.date(2022, 7, 18), _dt.date(2022, 7, 18), _dt.date(2022, 8, 29)),
    "python3.7": (_dt.date(2023, 12, 4), _dt.date(2024, 1, 9), _dt.date(2027, 3, 3)),
    "python3.8": (_dt.date(2024, 10, 14), _dt.date(2027, 2, 1), _dt.date(2027, 3, 3)),
    "python3.9": (_dt.date(2025, 12, 15), _dt.date(2027, 2, 1), _dt.date(2027, 3, 3)),
    "python3.10": (_dt.date(2026, 10, 31), _dt.date(2027, 2, 1), _dt.date(2027, 3, 3)),
    "python3.11": (_dt.date(2027, 6, 30), _dt.date(2027, 7, 31), _dt.date(2027, 8, 31)),
    "python3.12": (_dt.date(2028, 10, 31), _dt.date(2028, 11, 30), _dt.date(2029, 1, 10)),
    "python3.13": (_dt.date(2029, 6, 30), _dt.date(2029, 7, 31), _dt.date(2029, 8, 31)),
    "python3.14": (_dt.date(2029, 6, 30), _dt.date(2029, 7, 31), _dt.date(2029, 8, 31)),
}

# --- SQS and the Lambda event source mapping -----------------------------------------------------------
SQS_DLQ_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html"
SQS_QUOTAS_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html"
SQS_VISIBILITY_TIMEOUT_MAX_S = 43_200
SQS_RETENTION_MAX_S = 1_209_600
SQS_MAX_RECEIVE_COUNT_MAX = 1_000
# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
SQS_ESM_URL = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html"
SQS_BATCH_SIZE_MAX = 10_000
SQS_FIFO_BATCH_SIZE_MAX = 10
SQS_BATCH_SIZE_WITHOUT_WINDOW_MAX = 10  # above this AWS requires a batching window of >= 1 s
SQS_BATCHING_WINDOW_MAX_S = 300
SQS_MAX_CONCURRENCY_MIN = 2
SQS_MAX_CONCURRENCY_MAX = 1_000
SQS_FILTERS_DEFAULT_MAX = 5  # adjustable, up to SQS_FILTERS_MAX
SQS_FILTERS_MAX = 10
SQS_FILTER_PATTERN_MAX_CHARS = 4_096
SQS_FILTER_URL = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html"
SQS_VISIBILITY_TO_TIMEOUT_RATIO = 6  # AWS's recommendation, so retries of a throttled batch do not redeliver

# --- S3 notifications: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
S3_FILTER_URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html"
S3_RECURSION_URL = "https://docs.aws.amazon.com/lambda/latest/dg/with-s3-example.html"

# --- API Gateway: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html ---------------
APIGW_LIMITS_URL = "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"
APIGW_INTEGRATION_TIMEOUT_MIN_MS = 50
APIGW_REST_INTEGRATION_TIMEOUT_S = 29  # adjustable for Regional and private REST APIs
APIGW_HTTP_INTEGRATION_TIMEOUT_MAX_S = 30  # fixed for HTTP APIs
APIGW_STAGE_NAME_PATTERN = r"[a-zA-Z0-9_-]{1,128}"
APIGW_ACCOUNT_THROTTLE_RPS = 10_000  # adjustable account-level quota per Region
APIGW_HTTP_ROUTES_MAX = 300  # adjustable
APIGW_REST_RESOURCES_MAX = 300  # adjustable

# --- EventBridge and EventBridge Scheduler ---------------------------------------------------------------
EVENTS_QUOTAS_URL = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html"
EVENTS_PATTERN_MAX_CHARS = 2_048
EVENTS_DESCRIPTION_MAX = 512  # PutRule's and CreateSchedule's Description
EVENTS_PUT_RULE_URL = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html"
EVENTS_TARGETS_PER_RULE = 5
EVENTS_RETRY_ATTEMPTS_MAX = 185
EVENTS_EVENT_AGE_MIN_S = 60
EVENTS_EVENT_AGE_MAX_S = 86_400
SCHEDULER_URL = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html"
SCHEDULER_FLEXIBLE_WINDOW_MAX_MIN = 1_440
SCHEDULE_MIN_RATE_MINUTES = 1

# --- CloudFormation: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
CFN_LIMITS_URL = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"
CFN_RESOURCES_MAX = 500
CFN_RESOURCES_WARN_AT = 400  # warn well before: adding a trigger adds several resources
CFN_OUTPUTS_MAX = 200
CFN_PARAMETERS_MAX = 200
CFN_TEMPLATE_MAX_BYTES = 1_000_000  # via S3, which the CDK bootstrap uses

# --- IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html ----------------------
IAM_QUOTAS_URL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
IAM_POLICY_EVALUATION_URL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
IAM_LEAST_PRIVILEGE_URL = ("https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"
                           "#grant-least-privilege")
IAM_ROLE_INLINE_POLICIES_MAX_CHARS = 10_240  # all inline policies of a role together, whitespace excluded
IAM_MANAGED_POLICY_MAX_CHARS = 6_144
IAM_MANAGED_POLICIES_PER_ROLE = 10  # adjustable up to 20
IAM_TRUST_POLICY_MAX_CHARS = 2_048  # adjustable up to 4,096

# --- Fargate: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html ------
FARGATE_URL = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size"


def _gib(start: int, stop: int, step: int) -> tuple[int, ...]:
    return tuple(range(start * 1024, stop * 1024 + 1, step * 1024))


FARGATE_CPU_MEMORY_MIB: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _gib(1, 4, 1),
    1024: _gib(2, 8, 1),
    2048: _gib(4, 16, 1),
    4096: _gib(8, 30, 1),
    8192: _gib(16, 60, 4),
    16384: _gib(32, 120, 8),
}
ECS_CONTAINER_MEMORY_MIN_MIB = 6  # Docker's minimum for a container's hard memory limit
FARGATE_EPHEMERAL_MIN_GIB = 21
FARGATE_EPHEMERAL_MAX_GIB = 200
FARGATE_STOP_TIMEOUT_MAX_S = 120

# --- CORS, custom domains, authorizers, function URLs ----------------------------------------------------------
CORS_URL = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html"
CORS_MAX_AGE_MAX_S = 86_400  # HTTP APIs and function URLs refuse more; browsers cap it lower anyway
APIGW_DOMAIN_URL = "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-custom-domains.html"
DOMAIN_NAME_MAX = 253
DOMAIN_LABEL_PATTERN = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
APIGW_AUTHORIZER_URL = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html"
APIGW_AUTHORIZER_CACHE_MAX_S = 3_600
APIGW_USAGE_PLAN_URL = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html"
LAMBDA_URL_URL = "https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html"
LAMBDA_URL_INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")
LAMBDA_VPC_URL = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html"

# SNS subscription filter policies (per policy; quotas per topic and account are adjustable).
SNS_FILTER_URL = "https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html"
SNS_FILTER_MAX_KEYS = 5
SNS_FILTER_MAX_COMBINATIONS = 150  # the product of the number of values of each array
SNS_FILTER_MAX_BYTES = 256 * 1024
SNS_FILTER_NUMERIC_MAX = 1_000_000_000  # numeric matching: -1e9..1e9, five digits after the point
SNS_LAMBDA_URL = "https://docs.aws.amazon.com/sns/latest/dg/sns-lambda-as-subscriber.html"


# Stream event source mappings (DynamoDB Streams and Kinesis Data Streams).
STREAM_KINESIS_URL = "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html"
STREAM_DYNAMODB_URL = "https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html"
STREAM_BATCH_SIZE_MAX = 10_000  # both sources
STREAM_BATCHING_WINDOW_MAX_S = 300
STREAM_RETRY_ATTEMPTS_MAX = 10_000  # -1 (infinite) is AWS's default; aws-cdk-lib takes 0..10,000
STREAM_RECORD_AGE_MIN_S = 60
STREAM_RECORD_AGE_MAX_S = 604_800  # 7 days
STREAM_PARALLELIZATION_MAX = 10  # concurrent batches per shard
STREAM_TUMBLING_WINDOW_MAX_S = 900
DYNAMODB_STREAM_RETENTION_S = 86_400  # DynamoDB Streams keep records 24 hours
STREAM_ON_FAILURE_URL = "https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html"
