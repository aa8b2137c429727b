connection "cloudtrailcc" {
  plugin = "local/cloudtrailcc"

  # Regions to evaluate. "*" (the default) means every region enabled in the
  # account; wildcards such as "eu-*" narrow it; an empty list is an error.
  # Rules like multi_region need every enabled region to give an exact answer.
  # regions = ["*"]

  # Credentials: the AWS SDK's standard chain is used when none are set
  # (environment, shared config/credentials files, SSO, instance roles).
  # profile = "audit"
  # access_key    = "AKIA..."
  # secret_key    = "..."
  # session_token = "..."

  # Any AWS-compatible endpoint (LocalStack, the bundled emulator, ...).
  # S3 is then addressed path-style. AWS_ENDPOINT_URL is honoured too.
  # endpoint_url = "http://127.0.0.1:4566"

  # Region of the account-wide calls (sts:GetCallerIdentity,
  # ec2:DescribeRegions), as in steampipe-plugin-aws; before AWS_REGION and
  # the profile's region. Default: those, else us-east-1.
  # default_region = "eu-west-2"

  # Address S3 path-style on AWS's own endpoints too (a custom endpoint is
  # always addressed path-style).
  # s3_force_path_style = false

  # AWS errors to ignore, as in steampipe-plugin-aws: error code patterns
  # (wildcards * and ?) and regular expressions matched against the error
  # text. An ignored error is not retried, and a check that needed the fact
  # is reported as skip ("not evaluated: ..., ignored by ignore_error_codes
  # ..."), never ok.
  # ignore_error_codes    = ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]
  # ignore_error_messages = [".*with an explicit deny in a service control policy.*"]

  # Retries on throttling and 5xx errors: attempts in all, the first
  # included (1 to 50; 1 = no retry; default 9, else AWS_MAX_ATTEMPTS when
  # set), and the first back-off delay in
  # milliseconds (1 to 5000; exponential with jitter after it).
  # max_error_retry_attempts = 9
  # min_error_retry_delay    = 25

  # Seconds one attempt of an AWS call may wait for its answer once sent. A
  # call with no answer by then is not retried: the facts it would have read
  # are reported as error, so a region that does not answer cannot hold the run.
  # call_timeout = 30   # 1 to 600

  # AWS calls in flight at once per service and region, and for S3 per
  # region. Lower them when other tools share the account's API limits.
  # max_concurrency    = 8    # 1 to 256
  # max_s3_concurrency = 64   # 1 to 1024

  # How far back config_changes looks for CloudTrail configuration changes
  # (Go duration, or days as "7d"; at most 90 days), and which events count.
  # config_change_lookback = "24h"
  # config_change_events   = ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]

  # Seconds each AWS fact is reused before it is read again (1 to 86400).
  # cache_ttl = 300

  # A directory (yours, not group- or world-writable, not a symbolic link)
  # where processes share the account snapshot for cache_ttl.
  # cache_dir = "/var/cache/cloudtrailcc"

  # Accepted findings: an HCL (.hcl) or YAML (.yaml, .yml) file of
  # exceptions. An alarm an unexpired exception matches stays an alarm in
  # cloudtrailcc_finding, marked suppressed, and the benchmark reports it as
  # skip. Read again for every query; an absolute path is safest. It and
  # every directory above it must be owned by root or you and writable by
  # no one else. An entry for every rule and resource needs allow_all = true.
  # exceptions_file = "/etc/cloudtrailcc/exceptions.hcl"

  # Organization-wide audit: the role assumed in every other account of the
  # organization (or a role ARN template with {account_id}), an optional
  # external id and session name; the accounts (default every ACTIVE account
  # from organizations:ListAccounts; a list of ids needs no Organizations
  # access), accounts left out, and how many accounts are read at once.
  # organization_role_name  = "cloudtrailcc-audit"
  # organization_role_arn   = "arn:aws:iam::{account_id}:role/cloudtrailcc-audit"
  # external_id             = "..."
  # role_session_name       = "cloudtrailcc"
  # accounts                = ["*"]
  # exclude_accounts        = ["999999999999"]
  # max_concurrent_accounts = 16
}
