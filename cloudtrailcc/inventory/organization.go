package inventory

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// This file holds what an organization audit (package organization) adds to
// a Collector: SDK configurations for its own calls, and reads of the
// buckets, keys and topics that other accounts' trails name, made once with
// the owner's credentials.

// ClientConfig returns the SDK configuration of this collector's
// credentials in region, with its retries, call timeout and call counting,
// for calls the collector does not make itself (organizations:ListAccounts,
// sts:AssumeRole).
func (c *Collector) ClientConfig(ctx context.Context, region string) (aws.Config, error) {
	if _, err := c.loadAWS(ctx); err != nil {
		return aws.Config{}, err
	}
	if region == "" {
		region = c.setup.cfg.Region
	}
	return c.clientConfig("organization", region), nil
}

// readHere is ref (a key or topic ARN) unless Config.Audited says another
// audited account owns it: its owner reads it then.
func (c *Collector) readHere(acct *snapshot.Account, ref string) string {
	if c.cfg.Audited == nil || ref == "" {
		return ref
	}
	if _, owner := arnRegionAccount(ref); owner != "" && owner != acct.AccountID && c.cfg.Audited(owner) {
		return ""
	}
	return ref
}

// Owned names the resources that other accounts' trails use and that the
// collector's account owns.
type Owned struct {
	// Buckets are bucket names (the account's ListBuckets lists them).
	Buckets []string
	// Keys and Topics are KMS key and SNS topic ARNs of the account.
	Keys, Topics []string
}

// ReadOwned reads into acct (this collector's account snapshot) the facts
// need asks for of the resources in o that acct does not hold yet, as for
// its own trails: buckets with Owned set, the account Public Access Block
// when a bucket's publicity is asked for and it was not read, keys and
// topics in their own regions.
func (c *Collector) ReadOwned(ctx context.Context, acct *snapshot.Account, o Owned, need snapshot.Need) error {
	if _, err := c.loadAWS(ctx); err != nil {
		return err
	}
	c.account.Store(acct.AccountID)
	var tasks []func(context.Context) error
	var mu sync.Mutex
	if need.NeedsBucket() && len(o.Buckets) > 0 {
		if acct.Buckets == nil {
			acct.Buckets = map[string]*snapshot.Bucket{}
		}
		pabRead := false
		for _, b := range acct.Buckets {
			pabRead = pabRead || (b.Owned && b.RegionErr == nil)
		}
		for _, name := range o.Buckets {
			if acct.Buckets[name] != nil {
				continue
			}
			b := &snapshot.Bucket{Name: name, Owned: true, OwnedKnown: true}
			acct.Buckets[name] = b
			tasks = append(tasks, func(ctx context.Context) error { return c.readBucket(ctx, acct.Partition, b, need) })
		}
		if !pabRead && need.Has(snapshot.NeedBucketPublic) {
			tasks = append(tasks, func(ctx context.Context) error { return c.accountPublicAccessBlock(ctx, acct) })
		}
	}
	if need.Has(snapshot.NeedKeys) {
		if acct.Keys == nil {
			acct.Keys = map[string]*snapshot.Key{}
		}
		tasks = append(tasks, readMissing(&mu, acct.Keys, o.Keys, func(ctx context.Context, id string) (*snapshot.Key, error) {
			return c.key(ctx, id, "")
		})...)
	}
	if need.Has(snapshot.NeedTopics) {
		if acct.Topics == nil {
			acct.Topics = map[string]*snapshot.Topic{}
		}
		tasks = append(tasks, readMissing(&mu, acct.Topics, o.Topics, func(ctx context.Context, arn string) (*snapshot.Topic, error) {
			return c.topic(ctx, arn, "")
		})...)
	}
	return c.parallel(ctx, "", tasks)
}

// ProbeBuckets tells, for trail buckets that no audited account lists,
// another account's bucket from a deleted one (one GetBucketLocation each,
// with this collector's credentials): it sets Region, or NotFound.
func (c *Collector) ProbeBuckets(ctx context.Context, partition string, buckets []*snapshot.Bucket) error {
	if _, err := c.loadAWS(ctx); err != nil {
		return err
	}
	tasks := make([]func(context.Context) error, 0, len(buckets))
	for _, b := range buckets {
		tasks = append(tasks, func(ctx context.Context) error { return c.probeUnlistedBucket(ctx, partition, b) })
	}
	return c.parallel(ctx, "", tasks)
}

// ReadErrorOf records a failed call of action as a snapshot read error
// (code, message and class), as the collector records its own.
func ReadErrorOf(action string, err error) *snapshot.ReadError { return readError(action, err) }

// readMissing returns one task per ref absent from m that reads it into m
// (under mu).
func readMissing[V any](mu *sync.Mutex, m map[string]V, refs []string, read func(context.Context, string) (V, error)) []func(context.Context) error {
	var tasks []func(context.Context) error
	for _, ref := range refs {
		if _, ok := m[ref]; ok {
			continue
		}
		tasks = append(tasks, func(ctx context.Context) error {
			v, err := read(ctx, ref)
			mu.Lock()
			m[ref] = v
			mu.Unlock()
			return err
		})
	}
	return tasks
}
