package snapshot

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// heapNow is the live heap after a collection.
func heapNow() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestOwnedNamesAndPackedAccountsCostAFewBytesEach: an organization of
// 10,000 packed accounts holds each in a few bytes of heap, and the
// 20,000 bucket owners it keeps (of 40,000 noted, each name a string of
// its own as a decoded s3:ListAllMyBuckets reply gives it) likewise, the
// names themselves in its spill file. Measured: 24 bytes each; an account
// kept by its id string and the owners in a map[string]string (which keeps
// the room of the 40,000 after pruning) cost 53 bytes an account and 171
// a kept owner, over the 40 bytes allowed here.
func TestOwnedNamesAndPackedAccountsCostAFewBytesEach(t *testing.T) {
	const accounts = 10000
	org := &Organization{Multi: true}
	if err := org.SpillTo(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, accounts)
	for i := range ids {
		ids[i] = fmt.Sprintf("%012d", 100000000000+(i*7919)%accounts) // not in order: Pack sorts
	}
	// the compressors the pools keep are made before counting
	warm := &Organization{}
	if err := warm.AddPacked(&Account{AccountID: "000000000001"}); err != nil {
		t.Fatal(err)
	}
	if err := warm.Pack(); err != nil {
		t.Fatal(err)
	}
	start := heapNow()
	for _, id := range ids {
		if err := org.AddPacked(&Account{AccountID: id, Partition: "aws"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := org.Pack(); err != nil {
		t.Fatal(err)
	}
	packed := heapNow()
	for i, id := range ids {
		org.NoteOwned(id, []string{fmt.Sprintf("aws-cloudtrail-logs-%s-%08x", id, i), fmt.Sprintf("config-bucket-%s", id),
			fmt.Sprintf("listed-%s-%08x", id, i), fmt.Sprintf("backups-%s", id)})
	}
	org.KeepOwners(func(name string) bool {
		return !strings.HasPrefix(name, "listed-") && !strings.HasPrefix(name, "backups-")
	})
	owned := heapNow()
	perAccount, perName := (packed-start)/accounts, (owned-packed)/(2*accounts)
	t.Logf("heap kept: %d bytes per packed account, %d bytes per bucket owner", perAccount, perName)
	if perAccount > 40 || perName > 40 {
		t.Errorf("heap kept: %d bytes per packed account, %d bytes per bucket owner; want at most 40 each", perAccount, perName)
	}
	for i, id := range ids {
		if org.BucketOwner(fmt.Sprintf("aws-cloudtrail-logs-%s-%08x", id, i)) != id || org.BucketOwner("config-bucket-"+id) != id ||
			org.BucketOwner(fmt.Sprintf("listed-%s-%08x", id, i)) != "" || !org.Has(id) {
			t.Fatalf("account %s: its kept buckets' owners are not it, or a pruned one still has one", id)
		}
	}
	runtime.KeepAlive(org)
}

// TestAnOrganizationBeingReadKeepsItsOwnersNamesOffTheHeap: while an
// organization of 10,000 accounts is read (before Pack), an account costs
// nothing on the heap beyond the place in the packed index that
// ExpectAccounts made before counting, whatever the names of the buckets
// it owns (two in its snapshot, four listed): they are logged to the spill
// file and indexed by Pack. Measured: 0 bytes an account; with the names
// in a map of their hashes while collecting, 175, over the 40 allowed
// here. The owners found after Pack stay exact.
func TestAnOrganizationBeingReadKeepsItsOwnersNamesOffTheHeap(t *testing.T) {
	const accounts = 10000
	org := &Organization{Multi: true}
	if err := org.SpillTo(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	org.ExpectAccounts(accounts)
	ids := make([]string, accounts)
	for i := range ids {
		ids[i] = fmt.Sprintf("%012d", 100000000000+(i*7919)%accounts)
	}
	trail := func(i int) string { return fmt.Sprintf("aws-cloudtrail-logs-%s-%08x", ids[i], i) }
	warm := &Organization{}
	if err := warm.AddPacked(&Account{AccountID: "000000000001"}); err != nil {
		t.Fatal(err)
	}
	start := heapNow()
	for i, id := range ids {
		org.NoteOwned(id, []string{trail(i), "config-bucket-" + id, "listed-" + id, "backups-" + id})
		if err := org.AddPacked(ownedAccount(id, []string{trail(i), "config-bucket-" + id}, []string{"central"})); err != nil {
			t.Fatal(err)
		}
	}
	perAccount := (heapNow() - start) / accounts
	t.Logf("heap kept while reading: %d bytes an account with 6 bucket names noted", perAccount)
	if perAccount > 40 {
		t.Errorf("heap kept while reading: %d bytes an account with 6 bucket names noted; want at most 40", perAccount)
	}
	if got := org.BucketOwner(trail(accounts - 1)); got != ids[accounts-1] {
		t.Errorf("while reading, the owner of %s is %q; want %s", trail(accounts-1), got, ids[accounts-1])
	}
	if err := org.Pack(); err != nil {
		t.Fatal(err)
	}
	org.KeepOwners(func(name string) bool { return !strings.HasPrefix(name, "listed-") })
	for i, id := range ids {
		if org.BucketOwner(trail(i)) != id || org.BucketOwner("backups-"+id) != id || org.BucketOwner("listed-"+id) != "" {
			t.Fatalf("account %s: its buckets' owners are not it, or a pruned one still has one", id)
		}
	}
	if got := org.BucketOwner("central"); got != "" {
		t.Errorf("the owner of a bucket only named is %q; want none", got)
	}
	runtime.KeepAlive(org)
}
