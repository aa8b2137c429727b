package snapshot

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/filetrust"
)

// Organization is what an audit of several accounts read: each account's
// snapshot, the accounts that could not be read at all (with why), the
// suspended accounts that were not audited, and the owner of each trail
// bucket that belongs to another audited account. Nothing else about an
// account is kept once its facts are in.
type Organization struct {
	// accounts are the snapshots of the accounts read (Add), sorted by
	// account id (Sort), until Pack moves them into packed. They are read
	// only through Each, Account, First and Len, so that no caller can
	// mistake a packed organization for one of no accounts.
	accounts []*Account
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

	// packed holds the accounts once AddPacked or Pack moved them out of
	// accounts.
	packed *packedAccounts
}

// packedAccounts are the snapshots of an organization's accounts, each
// kept as compressed JSON and decoded when asked for: an organization of
// thousands of accounts held between queries costs a few kilobytes an
// account, and a query decodes one account at a time.
type packedAccounts struct {
	accounts []packedAccount // by account id once Pack ordered them
	// ids turns the accounts' ids into the keys they are kept by.
	ids accountKeys
	// store holds the packed bytes: in an unlinked temporary file of this
	// process's own (SpillTo), or else in memory.
	store filetrust.Spill
	// owned maps each bucket an account owns (Bucket.Owned, and the names
	// NoteOwned gives) to it; its names are kept beside store.
	owned ownedIndex
	// first is the first account (by id), decoded.
	first *Account

	mu   sync.Mutex
	last *Account // the account Account decoded last
}

// packedAccount is one account's id, its partition and where its snapshot
// is, as deflated JSON: the n bytes at off of store (24 bytes an account).
type packedAccount struct {
	id        accountKey
	off       int64
	n         int32
	partition uint8 // index into partitions
}

// partitions are the partition names a packed account may have; an
// unknown one is kept as the snapshot says it, decoded when asked.
var partitions = []string{"", "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

// unknownPartition marks a partition not in partitions.
const unknownPartition = uint8(255)

// partitionIndex is name's index in partitions.
func partitionIndex(name string) uint8 {
	if i := slices.Index(partitions, name); i >= 0 {
		return uint8(i)
	}
	return unknownPartition
}

// find is the index of account id (accounts ordered by Pack).
func (p *packedAccounts) find(id string) (int, bool) {
	k, ok := p.ids.lookup(id)
	if !ok {
		return 0, false
	}
	return slices.BinarySearchFunc(p.accounts, k, func(a packedAccount, k accountKey) int { return p.ids.compare(a.id, k) })
}

// noteOwned records the buckets acct owns, as the account's whose key is
// owner (acct's).
func (p *packedAccounts) noteOwned(owner accountKey, acct *Account) {
	for name, b := range acct.Buckets {
		if b.Owned {
			p.owned.put(name, owner)
		}
	}
}

var (
	deflaters = sync.Pool{New: func() any { w, _ := flate.NewWriter(nil, flate.BestSpeed); return w }}
	inflaters = sync.Pool{New: func() any { return flate.NewReader(nil) }}
)

// SpillTo keeps the organization's packed accounts, and the names of the
// buckets they own, in temporary files in dir (os.TempDir() when ""), so
// that an audit's memory does not grow with the number of accounts: only
// their ids and offsets stay in memory. The files are created only by this
// process (mode 0600, new names) and unlinked at once, so nothing else can
// open them; they are closed when the organization is garbage. Call it
// before the first AddPacked, NoteOwned or Pack.
func (o *Organization) SpillTo(dir string) error {
	if o.packed != nil && (len(o.packed.accounts) > 0 || o.packed.owned.len() > 0) {
		return errors.New("snapshot: SpillTo after accounts were packed or bucket owners noted")
	}
	p := o.packing()
	if err := p.store.SpillTo(dir, "cloudtrailcc-organization-*", "an organization's snapshots"); err != nil {
		return err
	}
	return p.owned.names.SpillTo(dir, "cloudtrailcc-owners-*", "the names of an organization's buckets")
}

// Spilled reports whether the packed accounts are kept in a file (SpillTo).
func (o *Organization) Spilled() bool {
	return o.packed != nil && o.packed.store.Spilled()
}

// Pack moves the accounts' snapshots out of accounts into their
// compressed form (see Each and Account) and orders every account by id.
// An organization is packed once its accounts are read; afterwards it
// changes only through Update, while it is being collected.
func (o *Organization) Pack() error {
	o.Sort()
	for _, a := range o.accounts {
		if err := o.AddPacked(a); err != nil {
			return err
		}
	}
	o.accounts = nil
	p := o.packing()
	slices.SortFunc(p.accounts, func(a, b packedAccount) int { return p.ids.compare(a.id, b.id) })
	if len(p.accounts) < cap(p.accounts) {
		p.accounts = slices.Clone(p.accounts) // not the room appending left
	}
	p.owned.settle(nil)
	p.first, p.last = nil, nil
	if len(p.accounts) > 0 {
		p.first = p.unpack(0)
	}
	return nil
}

// ExpectAccounts makes room for n packed accounts at once (an organization
// about to read n), so that its index does not grow by doubling to up to
// twice the room it needs.
func (o *Organization) ExpectAccounts(n int) {
	p := o.packing()
	p.accounts = slices.Grow(p.accounts, n)
}

// AddPacked adds the snapshot of an account read in its compressed form at
// once, so that an organization being read holds the accounts already read
// in a few kilobytes each; Pack then orders them. acct is not kept.
func (o *Organization) AddPacked(acct *Account) error {
	p := o.packing()
	blob, err := pack(acct)
	if err != nil {
		return err
	}
	// a key, not the id: one parsed out of an ARN would keep the whole ARN
	pa := packedAccount{id: p.ids.key(acct.AccountID), partition: partitionIndex(acct.Partition)}
	if err := p.keep(&pa, blob); err != nil {
		return err
	}
	p.accounts = append(p.accounts, pa)
	p.noteOwned(pa.id, acct)
	return nil
}

// packing is the organization's packed accounts, made empty on first use.
func (o *Organization) packing() *packedAccounts {
	if o.packed == nil {
		o.packed = &packedAccounts{owned: ownedIndex{hash: seededNameHash()}}
	}
	return o.packed
}

// keep appends blob to the store as a's bytes (an Update leaves the
// account's old bytes unused).
func (p *packedAccounts) keep(a *packedAccount, blob []byte) error {
	if len(blob) > math.MaxInt32 {
		return fmt.Errorf("keeping the snapshot of account %s: %d bytes packed", p.ids.id(a.id), len(blob))
	}
	off, err := p.store.Append(blob)
	if err != nil {
		return fmt.Errorf("keeping the snapshot of account %s: %w", p.ids.id(a.id), err)
	}
	a.off, a.n = off, int32(len(blob))
	return nil
}

// load returns the i-th account's bytes.
func (p *packedAccounts) load(i int) ([]byte, error) {
	a := p.accounts[i]
	b, err := p.store.Read(a.off, int(a.n))
	if err != nil {
		return nil, fmt.Errorf("reading back the snapshot of account %s: %w", p.ids.id(a.id), err)
	}
	return b, nil
}

// NoteOwned records that account id owns the buckets names (its
// s3:ListAllMyBuckets), for BucketOwner, without keeping them in the
// account's snapshot. KeepOwners prunes them once the organization is
// resolved.
func (o *Organization) NoteOwned(id string, names []string) {
	p := o.packing()
	owner := p.ids.key(id)
	for _, name := range names {
		p.owned.put(name, owner)
	}
}

// KeepOwners forgets the owners of the buckets keep does not name (those no
// trail delivers to), so that an organization holds its trail buckets'
// owners, not every bucket of every account.
func (o *Organization) KeepOwners(keep func(name string) bool) {
	if o.packed == nil {
		return
	}
	o.packed.owned.settle(keep)
}

// Update applies fn to the snapshot of account id of a packed organization
// and keeps the result, even when fn fails (its error is returned). It is
// for the collection that owns the organization, before anyone reads it.
func (o *Organization) Update(id string, fn func(*Account) error) error {
	if o.packed == nil {
		a := o.Account(id)
		if a == nil {
			return fmt.Errorf("snapshot: account %s was not read", id)
		}
		return fn(a)
	}
	p := o.packed
	i, ok := p.find(id)
	if !ok {
		return fmt.Errorf("snapshot: account %s was not read", id)
	}
	a := p.unpack(i)
	ferr := fn(a)
	blob, err := pack(a)
	if err != nil {
		return err
	}
	if err := p.keep(&p.accounts[i], blob); err != nil {
		return err
	}
	p.accounts[i].partition = partitionIndex(a.Partition)
	p.noteOwned(p.accounts[i].id, a)
	p.mu.Lock()
	p.last = nil
	p.mu.Unlock()
	if i == 0 {
		p.first = a
	}
	return ferr
}

// pack is acct as deflated JSON.
func pack(acct *Account) ([]byte, error) {
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&buf)
	if err := json.NewEncoder(w).Encode(acct); err != nil {
		return nil, fmt.Errorf("packing the snapshot of account %s: %w", acct.AccountID, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("packing the snapshot of account %s: %w", acct.AccountID, err)
	}
	return buf.Bytes(), nil
}

// unpack decodes the i-th packed account. The bytes are the process's own,
// written by Pack (in memory or its unlinked spill file): a failure to read
// them back is a defect or a failing disk, never an account with no facts.
func (p *packedAccounts) unpack(i int) *Account {
	blob, err := p.load(i)
	if err != nil {
		panic(fmt.Sprintf("snapshot: %v", err))
	}
	r := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(blob), nil); err != nil {
		panic(fmt.Sprintf("snapshot: unpacking account %s: %v", p.ids.id(p.accounts[i].id), err))
	}
	a := &Account{}
	if err := json.NewDecoder(r).Decode(a); err != nil {
		panic(fmt.Sprintf("snapshot: unpacking account %s: %v", p.ids.id(p.accounts[i].id), err))
	}
	return a
}

// Partition is the partition of account id as its snapshot says it ("" when
// it was not read, or names none), without decoding a packed account.
func (o *Organization) Partition(id string) string {
	if o.packed != nil {
		if i, ok := o.packed.find(id); ok && o.packed.accounts[i].partition != unknownPartition {
			return partitions[o.packed.accounts[i].partition]
		}
	}
	if a := o.Account(id); a != nil {
		return a.Partition
	}
	return ""
}

// Len is the number of accounts read.
func (o *Organization) Len() int {
	if o.packed != nil {
		return len(o.packed.accounts)
	}
	return len(o.accounts)
}

// Each yields the snapshot of every account read, by account id; a packed
// organization decodes them one at a time, so a caller that keeps none of
// them holds one account at a time.
func (o *Organization) Each() iter.Seq[*Account] {
	return func(yield func(*Account) bool) {
		if o.packed == nil {
			for _, a := range o.accounts {
				if !yield(a) {
					return
				}
			}
			return
		}
		for i := range o.packed.accounts {
			if !yield(o.packed.unpack(i)) {
				return
			}
		}
	}
}

// IDs are the ids of the accounts read, without decoding them.
func (o *Organization) IDs() []string {
	ids := make([]string, 0, o.Len())
	if o.packed != nil {
		for _, a := range o.packed.accounts {
			ids = append(ids, o.packed.ids.id(a.id))
		}
		return ids
	}
	for _, a := range o.accounts {
		ids = append(ids, a.AccountID)
	}
	return ids
}

// First is the snapshot of the first account by id, or nil.
func (o *Organization) First() *Account {
	if o.packed != nil {
		return o.packed.first
	}
	if len(o.accounts) == 0 {
		return nil
	}
	return o.accounts[0]
}

// Has reports whether account id was read, without decoding it.
func (o *Organization) Has(id string) bool {
	if o.packed != nil {
		_, ok := o.packed.find(id)
		return ok
	}
	return o.Account(id) != nil
}

// Add appends the snapshot of an account read, kept whole until Pack.
func (o *Organization) Add(acct *Account) {
	if o.packed != nil {
		panic("snapshot: Add to a packed organization; use AddPacked")
	}
	o.accounts = append(o.accounts, acct)
}

// organizationJSON is the organization as the disk cache stores it.
type organizationJSON struct {
	Accounts []*Account `json:"accounts"`
	*plainOrganization
}

// plainOrganization is Organization without its methods (for JSON).
type plainOrganization Organization

// MarshalJSON writes the organization with its accounts, packed or not
// (the disk cache stores it so).
func (o *Organization) MarshalJSON() ([]byte, error) {
	return json.Marshal(organizationJSON{Accounts: slices.Collect(o.Each()), plainOrganization: (*plainOrganization)(o)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (o *Organization) UnmarshalJSON(b []byte) error {
	w := organizationJSON{plainOrganization: &plainOrganization{}}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*o = Organization(*w.plainOrganization)
	o.accounts = w.Accounts
	return nil
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
	return &Organization{accounts: []*Account{acct}}
}

// Account returns the snapshot of account id, or nil.
func (o *Organization) Account(id string) *Account {
	if p := o.packed; p != nil {
		i, ok := p.find(id)
		if !ok {
			return nil
		}
		if i == 0 {
			return p.first
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.last == nil || p.last.AccountID != id {
			p.last = p.unpack(i)
		}
		return p.last
	}
	i, ok := slices.BinarySearchFunc(o.accounts, id, func(a *Account, id string) int { return strings.Compare(a.AccountID, id) })
	if !ok {
		return nil
	}
	return o.accounts[i]
}

// Sort orders the accounts, failures and suspended accounts by account id.
func (o *Organization) Sort() {
	slices.SortFunc(o.accounts, func(a, b *Account) int { return strings.Compare(a.AccountID, b.AccountID) })
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
	if p := o.packed; p != nil {
		if owner, ok := p.owned.owner(name); ok {
			return p.ids.id(owner)
		}
		return ""
	}
	for _, a := range o.accounts {
		if b := a.Buckets[name]; b != nil && b.Owned {
			return a.AccountID
		}
	}
	return ""
}
