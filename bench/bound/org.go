package bound

import (
	"maps"
	"slices"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// The IAM actions an organization-wide evaluation adds.
const (
	AssumeRole   = "sts:AssumeRole"
	ListAccounts = "organizations:ListAccounts"
)

// listAccountsPage is the most accounts one organizations:ListAccounts
// page returns.
const listAccountsPage = 20

// Organization is what the bound needs to know of an organization audited
// in one connection: its accounts, the caller's (management) account first.
type Organization struct {
	Accounts []Account
	// BucketOwners maps each trail bucket to the account that owns it
	// (lists it in ListBuckets), for buckets owned by an audited account.
	BucketOwners map[string]string
}

// OrganizationCalls is the least number of calls, by IAM action, that
// reading the facts in need takes for every account of o in one
// connection:
//
//   - sts:GetCallerIdentity once (the caller); a member's account id and
//     partition come with its role's credentials;
//   - organizations:ListAccounts once per page of 20 accounts;
//   - sts:AssumeRole once per member account (the caller's own account
//     uses the caller's credentials);
//   - per account, Calls without the identity, except for trail buckets
//     owned by another audited account (a central log bucket): those are
//     read once for the whole organization, in their owner account (its
//     ListBuckets tells it owns them, so no other account calls
//     GetBucketLocation for them), with the owner's account Public Access
//     Block once.
func OrganizationCalls(o Organization, need snapshot.Need) map[string]int {
	if len(o.Accounts) == 0 {
		return map[string]int{}
	}
	need = need.WithDependencies()
	index := map[string]int{}
	for i, a := range o.Accounts {
		index[a.AccountID] = i
	}
	owner := map[string]int{} // bucket -> index of the audited account owning it
	for b, id := range o.BucketOwners {
		if i, ok := index[id]; ok {
			owner[b] = i
		}
	}
	shared := map[int][]string{} // owner index -> buckets other accounts' trails name
	var all []map[string]int
	for i, a := range o.Accounts {
		local := a
		local.Trails = slices.Clone(a.Trails)
		for j, t := range local.Trails {
			if own, ok := owner[t.Bucket]; ok && own != i {
				shared[own] = append(shared[own], t.Bucket)
				local.Trails[j].Bucket = ""
			}
		}
		c := Calls(local, need)
		delete(c, GetCallerIdentity)
		all = append(all, c)
	}
	org := map[string]int{GetCallerIdentity: 1, ListAccounts: (len(o.Accounts) + listAccountsPage - 1) / listAccountsPage}
	if n := len(o.Accounts) - 1; n > 0 {
		org[AssumeRole] = n
	}
	if need.NeedsBucket() {
		for _, i := range slices.Sorted(maps.Keys(shared)) {
			buckets := slices.Compact(slices.Sorted(slices.Values(shared[i])))
			c := all[i]
			if c[ListBuckets] == 0 {
				org[ListBuckets] += max(o.Accounts[i].ListBucketsPages, 1)
			}
			if need.Has(snapshot.NeedBucketPublic) && c[GetAccountPublicAccess] == 0 {
				org[GetAccountPublicAccess]++
			}
			for _, b := range buckets {
				if slices.Contains(o.Accounts[i].OwnBuckets(), b) {
					continue // already read for the owner's own trails
				}
				org[GetBucketLocation]++
				for _, action := range bucketActions(need) {
					org[action]++
				}
			}
		}
	}
	return Sum(append(all, org)...)
}
