package rules

// The ARNs findings name as their resource.

import "strings"

// partition returns the audited account's partition ("aws" when unknown).
func (c *evalCtx) partition() string {
	if c.acct.Partition != "" {
		return c.acct.Partition
	}
	return "aws"
}

// bucketARN is arn:PARTITION:s3:::NAME.
func (c *evalCtx) bucketARN(name string) string {
	return "arn:" + c.partition() + ":s3:::" + name
}

// accountARN is arn:PARTITION:::ACCOUNT, the resource of account-level findings.
func (c *evalCtx) accountARN() string {
	return "arn:" + c.partition() + ":::" + c.acct.AccountID
}

// regionARN is arn:PARTITION::REGION:ACCOUNT, the resource of region-level findings.
func (c *evalCtx) regionARN(region string) string {
	return "arn:" + c.partition() + "::" + region + ":" + c.acct.AccountID
}

// trailARNFromName is the ARN of the audited account's trail NAME in region.
func (c *evalCtx) trailARNFromName(region, name string) string {
	return "arn:" + c.partition() + ":cloudtrail:" + region + ":" + c.acct.AccountID + ":trail/" + name
}

// arnAccount returns the account field of an ARN ("" when it has none).
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
