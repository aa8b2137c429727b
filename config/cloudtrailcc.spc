# A cloudtrailcc connection. Every argument is optional; remove the "# "
# before one to set it. Generated from cloudtrailcc/options.
connection "cloudtrailcc" {
  plugin = "local/cloudtrailcc"

  # regions to evaluate; "*" is every region enabled in the account and
  # wildcards such as "eu-*" narrow it; an empty list is an error. Rules like
  # multi_region need every enabled region for an exact answer.
  # regions = ["*"]

  # AWS shared-config profile (default: the SDK's chain: AWS_* environment
  # variables, shared config and credentials files, SSO, instance roles).
  # profile = "audit"

  # static AWS access key ID (with secret_key).
  # access_key = "AKIA..."

  # static AWS secret access key (with access_key).
  # secret_key = "..."

  # AWS session token of temporary static credentials.
  # session_token = "..."

  # an AWS-compatible endpoint for every service (S3 then path-style);
  # AWS_ENDPOINT_URL is honoured too; a user and password in it are never
  # printed.
  # endpoint_url = "http://127.0.0.1:4566"

  # region of the account-wide calls (sts:GetCallerIdentity,
  # ec2:DescribeRegions), as in steampipe-plugin-aws (default: AWS_REGION, the
  # profile's region, else us-east-1, or the partition's region when only
  # China or GovCloud regions are configured).
  # default_region = "us-east-1"

  # address S3 path-style on AWS's own endpoints too (a custom endpoint_url is
  # always path-style).
  # s3_force_path_style = false

  # attempts of a call in all, the first included (1 = no retry), as in
  # steampipe-plugin-aws; AWS_MAX_ATTEMPTS when this is not set; only
  # throttling, 5xx answers and dropped connections are retried; 1 to 50.
  # max_error_retry_attempts = 9

  # first retry back-off (exponential, with jitter); 1 to 5000 ms.
  # min_error_retry_delay = 25

  # AWS calls in flight per service and region, S3 apart; 1 to 256.
  # max_concurrency = 8

  # S3 calls in flight per region; 1 to 1024.
  # max_s3_concurrency = 64

  # how long one attempt of an AWS call may wait for its answer; on timeout it
  # is not retried and its fact is reported as error; 1 to 600 s.
  # call_timeout = 30

  # AWS error codes to ignore, wildcards * and ? allowed, as in
  # steampipe-plugin-aws: not retried, and every check that needed the fact is
  # skip (naming the ignored code), never ok.
  # ignore_error_codes = ["AccessDenied*"]

  # regular expressions (Go syntax) matched against the error text, with the
  # same effect as ignore_error_codes.
  # ignore_error_messages = ["^.*is not authorized.*$"]

  # how far back config_changes looks: a Go duration or days ("7d"), at most
  # 90 days.
  # config_change_lookback = "24h"

  # CloudTrail event names that count as configuration changes (default: the
  # 13 CloudTrail change calls).
  # config_change_events = ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]

  # how long each AWS fact is reused; 1 to 86400 s.
  # cache_ttl = 300

  # directory sharing the account snapshot between processes for cache_ttl
  # (default: none).
  # cache_dir = "/var/cache/cloudtrailcc"

  # HCL (.hcl) or YAML (.yaml, .yml) file of accepted findings: a matching
  # alarm is suppressed, reported as skip, and fails no run; read again when
  # it changes.
  # exceptions_file = "/etc/cloudtrailcc/exceptions.hcl"

  # role assumed in each account of the organization: turns on the
  # organization-wide audit.
  # organization_role_name = "cloudtrailcc-audit"

  # instead of the name, a role ARN template with {account_id}.
  # organization_role_arn = "arn:aws:iam::{account_id}:role/cloudtrailcc-audit"

  # external ID passed to sts:AssumeRole.
  # external_id = "..."

  # session name of each sts:AssumeRole.
  # role_session_name = "cloudtrailcc"

  # accounts to audit; "*" is every ACTIVE account of the organization
  # (organizations:ListAccounts); a list of 12-digit ids needs no
  # Organizations access.
  # accounts = ["*"]

  # accounts left out.
  # exclude_accounts = ["999999999999"]

  # accounts read at once, each with its own API limits; 1 or more.
  # max_concurrent_accounts = 16
}
