package inventory

import "context"

// Identity returns the account id and ARN of the caller, from
// sts:GetCallerIdentity (which needs no permission), read once per cache
// period like every fact. A disk cache shared between processes checks it
// before serving a snapshot, as the credentials behind one configuration
// can belong to another account from one run to the next. The error is a
// *SetupError when the credentials cannot be used.
func (c *Collector) Identity(ctx context.Context) (accountID, callerARN string, err error) {
	setup, err := c.loadAWS(ctx)
	if err != nil {
		return "", "", err
	}
	id, err := c.identity(ctx, setup)
	if err != nil {
		return "", "", err
	}
	return id.AccountID, id.ARN, nil
}
