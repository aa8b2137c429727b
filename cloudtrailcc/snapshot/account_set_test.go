package snapshot

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
)

// TestAccountSetKeepsItsIDsInOrderOnce: ids given in any order, twice, or
// not of 12 digits are each in the set once, in their strings' order, and
// found where At gives them; others are not in it.
func TestAccountSetKeepsItsIDsInOrderOnce(t *testing.T) {
	given := []string{"222222222222", "000000000042", "111111111111", "222222222222", "test-account", "99", "000000000042"}
	s := NewAccountSet(given)
	want := slices.Compact(slices.Sorted(slices.Values(given)))
	var got []string
	for i := range s.Len() {
		got = append(got, s.At(i))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the set's ids are %q; want %q", got, want)
	}
	for i, id := range want {
		if j, ok := s.Index(id); !ok || j != i || !s.Has(id) {
			t.Errorf("Index(%q) = %d, %v; want %d, true", id, j, ok, i)
		}
	}
	for _, id := range []string{"42", "000000000043", "", "test-accounts", "2222222222220"} {
		if s.Has(id) {
			t.Errorf("the set has %q; it was never given", id)
		}
	}
}

// TestAccountSetKeepsEightBytesAnAccount: 10,000 account ids, each a
// string of its own as a decoded organizations:ListAccounts reply gives
// them, cost 32 bytes of heap each as a []string; as an AccountSet, 8.
func TestAccountSetKeepsEightBytesAnAccount(t *testing.T) {
	const n = 10000
	start := heapNow()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%012d", 100000000000+(i*7919)%n)
	}
	s := NewAccountSet(ids)
	ids = nil
	perAccount := float64(heapNow()-start) / n
	t.Logf("heap an account: %.1f bytes", perAccount)
	if perAccount > 10 {
		t.Errorf("an AccountSet of %d ids keeps %.1f bytes of heap an account; want at most 10", n, perAccount)
	}
	if s.Len() != n || !s.Has("100000000000") {
		t.Errorf("the set has %d accounts; want %d with 100000000000", s.Len(), n)
	}
	runtime.KeepAlive(s)
}
