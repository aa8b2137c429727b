package snapshot

import (
	"slices"
	"strings"
	"time"
)

// Organization is what an audit of several accounts read: each account's
// snapshot, the accounts that could not be read at all (with why), the
// suspended accounts that were not audited, and the owner of each trail
// bucket that belongs to another audited account. Nothing else about an
// account is kept once its facts are in.
type Organization struct {
	// Accounts are the snapshots of the accounts read, sorted by account id.
	Accounts []*Account `json:"accounts"`
	// Failed are the accounts that could not be read at all.
	Failed []AccountFailure `json:"failed,omitempty"`
	// Suspended are the accounts the organization lists as SUSPENDED.
	Suspended []string `json:"suspended,omitempty"`
	// BucketOwners maps the name of a trail bucket that an audited account
	// owns to that account, for buckets named by another account's trails.
	// The bucket's facts are in the owner's snapshot.
	BucketOwners map[string]string `json:"bucket_owners,omitempty"`
	// Multi is true for an organization audit (even of one account): the
	// rules then judge each resource in the account that owns it.
	Multi bool `json:"multi"`
	// CallerAccountID and CallerARN are whom the audit ran as (the
	// credentials that listed the accounts and assumed their roles).
	CallerAccountID string `json:"caller_account_id,omitempty"`
	CallerARN       string `json:"caller_arn,omitempty"`
	// ReadAt is when the collection started; Loaded the fact kinds read
	// in every account.
	ReadAt time.Time `json:"read_at"`
	Loaded Need      `json:"loaded"`
}

// AccountFailure is an account that could not be read at all.
type AccountFailure struct {
	AccountID string     `json:"account_id"`
	Partition string     `json:"partition,omitempty"`
	Err       *ReadError `json:"error"`
}

// Single wraps one account's snapshot (an audit of one account).
func Single(acct *Account) *Organization {
	if acct == nil {
		return &Organization{}
	}
	return &Organization{Accounts: []*Account{acct}}
}

// Account returns the snapshot of account id, or nil.
func (o *Organization) Account(id string) *Account {
	i, ok := slices.BinarySearchFunc(o.Accounts, id, func(a *Account, id string) int { return strings.Compare(a.AccountID, id) })
	if !ok {
		return nil
	}
	return o.Accounts[i]
}

// Sort orders the accounts, failures and suspended accounts by account id.
func (o *Organization) Sort() {
	slices.SortFunc(o.Accounts, func(a, b *Account) int { return strings.Compare(a.AccountID, b.AccountID) })
	slices.SortFunc(o.Failed, func(a, b AccountFailure) int { return strings.Compare(a.AccountID, b.AccountID) })
	slices.Sort(o.Suspended)
}

// HeldElsewhere reports whether t, a trail that account reader reads, is
// another read account's trail in an organization audit (an organization
// trail seen from a member): its facts are then its owner's copy.
func (o *Organization) HeldElsewhere(reader string, t *Trail) bool {
	return o.Multi && !t.IsOwnedBy(reader) && o.Account(t.OwnerAccountID) != nil
}

// OwnerCopy is the trail with t's ARN as its owner read it when t is held
// elsewhere (see HeldElsewhere), else t.
func (o *Organization) OwnerCopy(reader string, t *Trail) *Trail {
	if !o.HeldElsewhere(reader, t) {
		return t
	}
	for _, own := range o.Account(t.OwnerAccountID).Trails {
		if own.ARN == t.ARN {
			return own
		}
	}
	return t
}

// BucketOwner is the read account that owns the trail bucket name ("" when
// none does: another account's bucket, or ownership unknown).
func (o *Organization) BucketOwner(name string) string {
	if owner := o.BucketOwners[name]; owner != "" {
		return owner
	}
	for _, a := range o.Accounts {
		if b := a.Buckets[name]; b != nil && b.Owned {
			return a.AccountID
		}
	}
	return ""
}
