package main

import "slices"

// orgConnectionFlags set the organization options of the connection: with
// a role, check and export audit every account of the organization.
var orgConnectionFlags = []connectionFlag{
	{"organization-role-name", "organization_role_name", "string", "role assumed in each account of the organization, e.g. OrganizationAuditRole (audits the whole organization)"},
	{"organization-role-arn", "organization_role_arn", "string", `role ARN template with {account_id}, e.g. "arn:aws:iam::{account_id}:role/Audit" (instead of --organization-role-name)`},
	{"external-id", "external_id", "string", "external ID passed to sts:AssumeRole"},
	{"role-session-name", "role_session_name", "string", `session name of each sts:AssumeRole (default "cloudtrailcc")`},
	{"account", "accounts", "list", `account ID to audit; repeatable or comma-separated (default "*": every ACTIVE account, from organizations:ListAccounts)`},
	{"exclude-account", "exclude_accounts", "list", "account ID not to audit; repeatable or comma-separated"},
	{"max-concurrent-accounts", "max_concurrent_accounts", "int", "accounts read at once (default 16)"},
}

// allConnectionFlags are every flag that sets the connection config.
func allConnectionFlags() []connectionFlag {
	return slices.Concat(connectionFlags, orgConnectionFlags)
}
