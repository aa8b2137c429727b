package snapshot

import (
	"cmp"
	"slices"
	"strings"
)

// accountKey is an account id as a packed organization keeps it: a
// 12-digit id is its number (read back zero-padded), so that it costs no
// string of its own; any other id (tests, or a future form) is oddFlag
// plus its index into accountKeys.odd, kept exactly as given.
type accountKey uint64

// oddFlag marks an accountKey that indexes accountKeys.odd.
const oddFlag = accountKey(1) << 63

// accountIDDigits is the length of an AWS account id.
const accountIDDigits = 12

// parseAccountID is the key of a 12-digit account id; ok is false for any
// other string.
func parseAccountID(id string) (k accountKey, ok bool) {
	if len(id) != accountIDDigits {
		return 0, false
	}
	for i := range len(id) {
		c := id[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		k = k*10 + accountKey(c-'0')
	}
	return k, true
}

// accountKeys turns account ids into keys and back: the ids that are not
// 12 digits are kept here, each once.
type accountKeys struct {
	odd    []string
	oddKey map[string]accountKey
}

// key is id's key, keeping id when it is not 12 digits.
func (t *accountKeys) key(id string) accountKey {
	if k, ok := t.lookup(id); ok {
		return k
	}
	k := oddFlag | accountKey(len(t.odd))
	if t.oddKey == nil {
		t.oddKey = map[string]accountKey{}
	}
	id = strings.Clone(id) // not the bytes of whatever it was parsed from
	t.odd = append(t.odd, id)
	t.oddKey[id] = k
	return k
}

// lookup is id's key; ok is false for an id that is not 12 digits and was
// never given to key.
func (t *accountKeys) lookup(id string) (accountKey, bool) {
	if k, ok := parseAccountID(id); ok {
		return k, true
	}
	k, ok := t.oddKey[id]
	return k, ok
}

// id is the account id whose key is k.
func (t *accountKeys) id(k accountKey) string {
	if k&oddFlag != 0 {
		return t.odd[k&^oddFlag]
	}
	var b [accountIDDigits]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = '0' + byte(k%10)
		k /= 10
	}
	return string(b[:])
}

// compare orders keys as their ids' strings order.
func (t *accountKeys) compare(a, b accountKey) int {
	if (a|b)&oddFlag == 0 {
		return cmp.Compare(a, b) // 12 digits each: as their strings
	}
	return strings.Compare(t.id(a), t.id(b))
}

// AccountSet is a sorted set of account ids, such as the accounts an
// organization audit reads, that keeps each 12-digit id as its number: 8
// bytes an account on the heap where a []string keeps 32 (a string and its
// bytes). It does not change once made and may be read concurrently.
type AccountSet struct {
	keys   accountKeys
	sorted []accountKey // by their ids' strings
}

// NewAccountSet returns the set of ids, given in any order; an id given
// twice is in it once.
func NewAccountSet(ids []string) *AccountSet {
	s := &AccountSet{sorted: make([]accountKey, 0, len(ids))}
	for _, id := range ids {
		s.sorted = append(s.sorted, s.keys.key(id))
	}
	slices.SortFunc(s.sorted, s.keys.compare)
	s.sorted = slices.Clip(slices.Compact(s.sorted))
	return s
}

// Len is the number of accounts in s.
func (s *AccountSet) Len() int { return len(s.sorted) }

// At is the i-th account id of s, in the ids' string order.
func (s *AccountSet) At(i int) string { return s.keys.id(s.sorted[i]) }

// Index is where id is in s (as At counts); ok is false when id is not in
// s.
func (s *AccountSet) Index(id string) (i int, ok bool) {
	k, ok := s.keys.lookup(id)
	if !ok {
		return 0, false
	}
	return slices.BinarySearchFunc(s.sorted, k, s.keys.compare)
}

// Has reports whether id is in s.
func (s *AccountSet) Has(id string) bool {
	_, ok := s.Index(id)
	return ok
}
