package organization

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// resolve reads, once for the whole organization, the buckets, keys and
// topics that trails name and that another account owns: with the owner's
// credentials into the owner's snapshot when the owner was read, otherwise
// (an account outside the audit, or one that failed) with the credentials of
// the account whose trail names it, as a single-account audit would.
// Buckets that no read account lists are probed once with the caller's
// credentials (another account's, or deleted).
func (c *Collector) resolve(ctx context.Context, org *snapshot.Organization, self *snapshot.Account, creds map[string]aws.Credentials, need snapshot.Need) error {
	owners := map[string]string{}
	for a := range org.Each() {
		for _, name := range a.OwnedBucketNames {
			owners[name] = a.AccountID
		}
	}
	work := map[string]*inventory.Owned{}
	add := func(account string, list func(*inventory.Owned) *[]string, v string) {
		if work[account] == nil {
			work[account] = &inventory.Owned{}
		}
		if l := list(work[account]); !slices.Contains(*l, v) {
			*l = append(*l, v)
		}
	}
	buckets := func(o *inventory.Owned) *[]string { return &o.Buckets }
	keys := func(o *inventory.Owned) *[]string { return &o.Keys }
	topics := func(o *inventory.Owned) *[]string { return &o.Topics }
	probe := map[string][]*snapshot.Bucket{}
	for a := range org.Each() {
		for _, name := range sortedKeys(a.Buckets) {
			b := a.Buckets[name]
			if !b.OwnedKnown || b.Owned {
				continue
			}
			if owner, ok := owners[name]; ok {
				org.BucketOwners[name] = owner
				add(owner, buckets, name)
			} else {
				probe[name] = append(probe[name], b)
			}
		}
		for _, t := range a.Trails {
			for _, r := range []struct {
				ref  string
				list func(*inventory.Owned) *[]string
				held bool
			}{
				{t.KmsKeyID, keys, a.Keys[t.KmsKeyID] != nil},
				{t.SnsTopicARN, topics, a.Topics[t.SnsTopicARN] != nil},
			} {
				if r.ref == "" || r.held {
					continue
				}
				owner := arnAccount(r.ref)
				if owner == a.AccountID || org.Account(owner) == nil {
					owner = a.AccountID // not read elsewhere: read it here
				}
				add(owner, r.list, r.ref)
			}
		}
	}
	for _, owner := range sortedKeys(work) {
		col := c.caller
		if owner != self.AccountID {
			cfg, err := c.memberConfig(ctx, owner, creds[owner])
			if err != nil {
				return err
			}
			if col, err = inventory.New(cfg); err != nil {
				return err
			}
		}
		if err := col.ReadOwned(ctx, org.Account(owner), *work[owner], need); err != nil && !isSetup(err) {
			return err
		}
	}
	if len(probe) == 0 {
		return nil
	}
	first := make([]*snapshot.Bucket, 0, len(probe))
	for _, name := range sortedKeys(probe) {
		first = append(first, probe[name][0])
	}
	if err := c.caller.ProbeBuckets(ctx, self.Partition, first); err != nil && !isSetup(err) {
		return err
	}
	for _, same := range probe {
		for _, b := range same[1:] {
			b.Region, b.NotFound, b.RegionErr = same[0].Region, same[0].NotFound, same[0].RegionErr
		}
	}
	return nil
}

// isSetup reports whether err is an account's set-up failure (its facts
// then stay unread and the rules say so) rather than the end of the audit.
func isSetup(err error) bool {
	var se *inventory.SetupError
	return errors.As(err, &se)
}

// arnAccount is the account field of an ARN ("" when there is none).
func arnAccount(arn string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		return parts[4]
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
