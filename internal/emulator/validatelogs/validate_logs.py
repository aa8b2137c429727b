"""Runs the AWS CLI's own `cloudtrail validate-logs` command (Debian's
awscli package) against an AWS-compatible endpoint.

validate-logs applies --endpoint-url to CloudTrail only; this driver builds
the command's CloudTrail, Organizations and S3 clients with the endpoint
(S3 path-style) and leaves all validation to the AWS CLI's code.

usage: validate_logs.py ENDPOINT REGION TRAIL_ARN START END [ACCOUNT_ID]
Prints what validate-logs prints (verbose) and exits with its exit code.
"""
import argparse
import sys

import botocore.session
from botocore.config import Config
from awscli.customizations.cloudtrail.validation import (
    CloudTrailValidateLogs, S3ClientProvider)


def main():
    endpoint, region, trail_arn, start, end = sys.argv[1:6]
    account_id = sys.argv[6] if len(sys.argv) > 6 else None
    session = botocore.session.Session()

    def client(service, region_name):
        return session.create_client(
            service, region_name=region_name, endpoint_url=endpoint,
            config=Config(s3={'addressing_style': 'path'}))

    class EndpointS3Clients(S3ClientProvider):
        def _create_client(self, region_name):
            if region_name not in self._client_cache:
                self._client_cache[region_name] = client('s3', region_name)
            return self._client_cache[region_name]

    class ValidateLogs(CloudTrailValidateLogs):
        def setup_services(self, parsed_globals):
            self._source_region = parsed_globals.region
            self.s3_client_provider = EndpointS3Clients(
                self._session, self._source_region)
            self.organization_client = client('organizations', region)
            self.cloudtrail_client = client('cloudtrail', region)

    args = argparse.Namespace(
        trail_arn=trail_arn, start_time=start, end_time=end, s3_bucket=None,
        s3_prefix=None, account_id=account_id, verbose=True)
    parsed_globals = argparse.Namespace(
        region=region, verify_ssl=True, endpoint_url=endpoint)
    sys.exit(ValidateLogs(session)._run_main(args, parsed_globals))


if __name__ == '__main__':
    main()
