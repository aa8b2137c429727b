package snapshot

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// eachStore runs test on an organization kept in memory and on one spilled
// to files, checking that the spill files are nowhere to be opened.
func eachStore(t *testing.T, test func(t *testing.T, org *Organization)) {
	t.Run("in memory", func(t *testing.T) { test(t, &Organization{Multi: true}) })
	t.Run("spilled to files", func(t *testing.T) {
		org, dir := &Organization{Multi: true}, t.TempDir()
		if err := org.SpillTo(dir); err != nil {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 || !org.Spilled() {
			t.Fatalf("spill files are left in %s for others to open: %v", dir, left)
		}
		test(t, org)
	})
}

// ownedAccount is an account owning the buckets owned, naming (not
// owning) the buckets named.
func ownedAccount(id string, owned, named []string) *Account {
	a := &Account{AccountID: id, Partition: "aws", Buckets: map[string]*Bucket{}}
	for _, name := range owned {
		a.Buckets[name] = &Bucket{Name: name, Owned: true, OwnedKnown: true}
	}
	for _, name := range named {
		a.Buckets[name] = &Bucket{Name: name, OwnedKnown: true}
	}
	return a
}

// wantOwners fails t for each bucket whose owner is not as want says (""
// for a bucket no read account owns).
func wantOwners(t *testing.T, when string, org *Organization, want map[string]string) {
	t.Helper()
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for name := range want {
			if !yield(name) {
				return
			}
		}
	}) {
		if got := org.BucketOwner(name); got != want[name] {
			t.Errorf("%s: owner of bucket %q is %q, want %q", when, name, got, want[name])
		}
	}
}

// TestBucketOwnersOfAPackedOrganizationAreExact: the owner of each bucket is
// the account whose snapshot owns it or that listed it (NoteOwned), before
// and after Pack, for names that share prefixes, differ by one byte or are
// too long to keep by place; a bucket no account owns has none; KeepOwners
// forgets exactly the names it rejects, and owners noted afterwards (a
// resolution's Update) are found too.
func TestBucketOwnersOfAPackedOrganizationAreExact(t *testing.T) {
	eachStore(t, func(t *testing.T, org *Organization) {
		long := strings.Repeat("l", 70000) // past what a uint16 length says
		if err := org.AddPacked(ownedAccount("333333333333", []string{"trail-a", "trail-ab", long}, []string{"central"})); err != nil {
			t.Fatal(err)
		}
		if err := org.AddPacked(ownedAccount("111111111111", []string{"central", "trail-b"}, nil)); err != nil {
			t.Fatal(err)
		}
		org.NoteOwned("333333333333", []string{"listed-a", "listed-b"})
		org.NoteOwned("111111111111", []string{"listed-c", "trail-abc"})
		want := map[string]string{"trail-a": "333333333333", "trail-ab": "333333333333", long: "333333333333", "central": "111111111111",
			"trail-b": "111111111111", "listed-a": "333333333333", "listed-b": "333333333333", "listed-c": "111111111111",
			"trail-abc": "111111111111", "trail-": "", "trail-c": "", "": "", long[1:]: "", "listed-d": ""}
		wantOwners(t, "collecting", org, want)
		if err := org.Pack(); err != nil {
			t.Fatal(err)
		}
		wantOwners(t, "packed", org, want)

		org.KeepOwners(func(name string) bool { return !strings.HasPrefix(name, "listed-") && name != long })
		for _, gone := range []string{"listed-a", "listed-b", "listed-c", long} {
			want[gone] = ""
		}
		wantOwners(t, "pruned", org, want)

		// a resolution reads the bucket in its owner's account
		if err := org.Update("111111111111", func(a *Account) error {
			a.Buckets["resolved"] = &Bucket{Name: "resolved", Owned: true, OwnedKnown: true}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		org.NoteOwned("333333333333", []string{"listed-a", "central"}) // the last noted owner stands
		want["resolved"], want["listed-a"], want["central"] = "111111111111", "333333333333", "333333333333"
		wantOwners(t, "updated", org, want)
		org.KeepOwners(func(string) bool { return true })
		wantOwners(t, "kept", org, want)
	})
}

// TestCollidingBucketNamesKeepTheirOwnOwners: names whose hashes are equal
// (forced here: every name, or every name of one length) each keep their
// own owner, through Pack and KeepOwners, and a name pruned from under
// another of its hash leaves that one's owner in place.
func TestCollidingBucketNamesKeepTheirOwnOwners(t *testing.T) {
	for _, c := range []struct {
		name string
		hash func(string) uint64
	}{
		{"one hash for every name", func(string) uint64 { return 42 }},
		{"one hash a name length", func(name string) uint64 { return uint64(len(name)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, org *Organization) {
				org.packing().owned.hash = c.hash
				want := map[string]string{}
				ids := []string{"222222222222", "111111111111", "333333333333"}
				for i, id := range ids {
					var owned []string
					for j := range 4 {
						owned = append(owned, fmt.Sprintf("b-%d-%d", i, j))
					}
					org.NoteOwned(id, owned[2:]) // b-0-2 first: kept by place
					if err := org.AddPacked(ownedAccount(id, owned[:2], nil)); err != nil {
						t.Fatal(err)
					}
					for _, name := range owned {
						want[name] = id
					}
				}
				want["b-9-9"], want["b-0-99"] = "", ""
				wantOwners(t, "collecting", org, want)
				if err := org.Pack(); err != nil {
					t.Fatal(err)
				}
				wantOwners(t, "packed", org, want)
				// the first name noted (kept by place) goes, the rest stay
				org.KeepOwners(func(name string) bool { return name != "b-0-2" && name != "b-2-3" })
				want["b-0-2"], want["b-2-3"] = "", ""
				wantOwners(t, "pruned", org, want)
				org.NoteOwned("111111111111", []string{"b-0-2", "b-0-1"})
				want["b-0-2"], want["b-0-1"] = "111111111111", "111111111111"
				wantOwners(t, "noted again", org, want)
				org.KeepOwners(func(string) bool { return true })
				wantOwners(t, "kept", org, want)
			})
		})
	}
}

// TestPackedAccountsWithIDsOfAnyFormKeepThem: accounts whose ids are not 12
// digits (and 12-digit ones with leading zeros) are packed, ordered, found
// and named exactly as given, and own their buckets under those ids.
func TestPackedAccountsWithIDsOfAnyFormKeepThem(t *testing.T) {
	eachStore(t, func(t *testing.T, org *Organization) {
		ids := []string{"acct-b", "000000000042", "123", "999999999999", "acct-a", "", "12345678901a", "0000000000420"}
		for _, id := range ids {
			if err := org.AddPacked(ownedAccount(id, []string{"bucket-of-" + id}, nil)); err != nil {
				t.Fatal(err)
			}
		}
		org.NoteOwned("listed-by-id", []string{"listed"})
		if err := org.Pack(); err != nil {
			t.Fatal(err)
		}
		sorted := slices.Sorted(slices.Values(ids))
		var order []string
		for a := range org.Each() {
			order = append(order, a.AccountID)
		}
		if !slices.Equal(order, sorted) || !slices.Equal(org.IDs(), sorted) || org.First().AccountID != sorted[0] {
			t.Fatalf("accounts %v, ids %v, want %v", order, org.IDs(), sorted)
		}
		for _, id := range ids {
			if a := org.Account(id); a == nil || a.AccountID != id || !org.Has(id) || org.Partition(id) != "aws" {
				t.Errorf("account %q reads back as %v", id, a)
			}
			if got := org.BucketOwner("bucket-of-" + id); got != id {
				t.Errorf("owner of bucket-of-%s is %q", id, got)
			}
		}
		for _, id := range []string{"42", "000000000043", "acct-c", "00000000042"} {
			if org.Has(id) || org.Account(id) != nil {
				t.Errorf("account %q was never read, and is found", id)
			}
		}
		if got := org.BucketOwner("listed"); got != "listed-by-id" {
			t.Errorf("owner of a listed bucket: %q", got)
		}
	})
}

// TestSpillToRefusesOnceOwnersAreNoted: the bucket names noted before
// SpillTo would stay in memory, so SpillTo then says so.
func TestSpillToRefusesOnceOwnersAreNoted(t *testing.T) {
	org := &Organization{}
	org.NoteOwned("111111111111", []string{"b"})
	if err := org.SpillTo(t.TempDir()); err == nil {
		t.Error("SpillTo after NoteOwned gave no error")
	}
	if org.BucketOwner("b") != "111111111111" {
		t.Error("the owner noted is lost")
	}
}
