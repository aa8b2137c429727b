package organization

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// resolve reads, once for the whole organization, the buckets, keys and
// topics that trails name and that another account owns: with the owner's
// credentials into the owner's snapshot when the owner was read, otherwise
// (an account outside the audit, or one that failed) with the credentials of
// the account whose trail names it, as a single-account audit would.
// Buckets that no read account lists are probed once with the caller's
// credentials (another account's, or deleted). creds are the read members'
// role keys.
func (c *Collector) resolve(ctx context.Context, org *snapshot.Organization, self *snapshot.Account, creds *sealedKeys, need snapshot.Need) error {
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
	probe := map[string][]string{} // bucket -> the accounts naming it, by id
	named := map[string]bool{}     // the buckets trails deliver to
	for a := range org.Each() {
		for _, name := range sortedKeys(a.Buckets) {
			named[name] = true
			b := a.Buckets[name]
			if !b.OwnedKnown || b.Owned {
				continue
			}
			if owner := org.BucketOwner(name); owner != "" {
				org.BucketOwners[name] = owner
				add(owner, buckets, name)
			} else {
				probe[name] = append(probe[name], a.AccountID)
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
				if owner == a.AccountID || !org.Has(owner) {
					owner = a.AccountID // not read elsewhere: read it here
				}
				add(owner, r.list, r.ref)
			}
		}
	}
	// the owners of the other buckets the accounts list are not needed
	org.KeepOwners(func(name string) bool { return named[name] })
	for _, owner := range sortedKeys(work) {
		col := c.caller
		if owner != self.AccountID {
			keys, err := creds.get(owner)
			if err != nil {
				return err
			}
			cfg, err := c.memberConfig(ctx, owner, keys)
			if err != nil {
				return err
			}
			if col, err = inventory.New(cfg); err != nil {
				return err
			}
		}
		err := org.Update(owner, func(a *snapshot.Account) error { return col.ReadOwned(ctx, a, *work[owner], need) })
		if err != nil && !isSetup(err) {
			return err
		}
	}
	if len(probe) == 0 {
		return nil
	}
	// each bucket no read account lists is probed once, in the first
	// account naming it, and the answer copied to the others
	names := sortedKeys(probe)
	first := make([]*snapshot.Bucket, 0, len(names))
	for _, name := range names {
		first = append(first, org.Account(probe[name][0]).Buckets[name])
	}
	if err := c.caller.ProbeBuckets(ctx, self.Partition, first); err != nil && !isSetup(err) {
		return err
	}
	probed := map[string][]int{} // account -> indexes into names
	for i, name := range names {
		for _, id := range probe[name] {
			probed[id] = append(probed[id], i)
		}
	}
	for _, id := range sortedKeys(probed) {
		err := org.Update(id, func(a *snapshot.Account) error {
			for _, i := range probed[id] {
				b, p := a.Buckets[names[i]], first[i]
				if id == probe[names[i]][0] {
					*b = *p
				} else {
					b.Region, b.NotFound, b.RegionErr = p.Region, p.NotFound, p.RegionErr
				}
			}
			return nil
		})
		if err != nil {
			return err
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
