package organization

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
)

// AccountAWS returns the SDK configuration that calls AWS as account: the
// caller's own configuration for the caller's account, else the audit
// role's temporary credentials in account (one sts:AssumeRole). A role that
// cannot be assumed is an error naming why, never the caller's own
// credentials. Callers decide which accounts may be read this way (an
// audited account's own resources).
func (c *Collector) AccountAWS(ctx context.Context, partition, account string) (aws.Config, error) {
	self, _, err := c.caller.Identity(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	if account == self {
		return c.caller.LoadedAWS(ctx)
	}
	creds, _, fail, err := c.assumeRole(ctx, partition, account)
	if err != nil {
		return aws.Config{}, err
	}
	if fail != nil {
		return aws.Config{}, fmt.Errorf("account %s: %s", account, fail.Error())
	}
	cfg, err := c.memberConfig(ctx, account, creds)
	if err != nil {
		return aws.Config{}, err
	}
	col, err := inventory.New(cfg)
	if err != nil {
		return aws.Config{}, err
	}
	return col.LoadedAWS(ctx)
}
