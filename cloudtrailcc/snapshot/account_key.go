package snapshot

import (
	"cmp"
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
