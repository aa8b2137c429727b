package awsemu

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"time"
)

// digestKeyBits is the size of the emulator's digest signing keys.
const digestKeyBits = 2048

// digestKeyAnchor is where the key rotation schedule starts.
var digestKeyAnchor = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)

// signingKey is one period's digest signing key.
type signingKey struct {
	key         *rsa.PrivateKey
	der         []byte // PKCS #1 public key
	fingerprint string // hex MD5 of der
	from, to    time.Time
}

// digestKeyring holds the keys made so far, one per rotation period; a key
// is published (ListPublicKeys) once it exists. State lock.
type digestKeyring struct {
	period time.Duration
	keys   map[int64]*signingKey
}

// at returns the key of the period that contains t, making it if needed.
func (r *digestKeyring) at(t time.Time) (*signingKey, error) {
	n := int64(t.Sub(digestKeyAnchor) / r.period)
	if t.Before(digestKeyAnchor) {
		n--
	}
	if k := r.keys[n]; k != nil {
		return k, nil
	}
	priv, err := rsa.GenerateKey(rand.Reader, digestKeyBits)
	if err != nil {
		return nil, fmt.Errorf("awsemu: make digest key: %w", err)
	}
	der := x509.MarshalPKCS1PublicKey(&priv.PublicKey)
	sum := md5.Sum(der)
	from := digestKeyAnchor.Add(time.Duration(n) * r.period)
	k := &signingKey{key: priv, der: der, fingerprint: hex.EncodeToString(sum[:]), from: from, to: from.Add(r.period)}
	if r.keys == nil {
		r.keys = map[int64]*signingKey{}
	}
	r.keys[n] = k
	return k, nil
}

// publicKeyJSON is one ListPublicKeys entry. Value is a blob (base64 on
// the wire) whose bytes are, as CloudTrail serves them, the base64 text of
// the PKCS #1 DER key: clients decode twice (aws-cli's validate-logs does).
type publicKeyJSON struct {
	Value             []byte     `json:"Value"`
	ValidityStartTime *epochTime `json:"ValidityStartTime"`
	ValidityEndTime   *epochTime `json:"ValidityEndTime"`
	Fingerprint       string     `json:"Fingerprint"`
}

// listPublicKeys answers the published keys valid at some time in
// [StartTime, EndTime] (both default to the delivery clock's now), oldest
// first. The key of the current period is always published.
func (s *Server) listPublicKeys(q *request) (any, *apiError) {
	var in struct {
		StartTime *epochTime
		EndTime   *epochTime
		NextToken *string
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	return s.locked(func() (any, *apiError) {
		now := s.st.clock.now()
		start, end := now, now
		if in.StartTime != nil {
			start = in.StartTime.Time
		}
		if in.EndTime != nil {
			end = in.EndTime.Time
		}
		if end.Before(start) {
			return nil, newErr("InvalidTimeRangeException", "Time range is invalid. The start time must be before the end time.")
		}
		if _, err := s.st.digestKeys.at(now); err != nil {
			return nil, newErr("InternalFailure", err.Error(), 500)
		}
		var keys []*signingKey
		for _, k := range s.st.digestKeys.keys {
			if k.from.After(end) || !k.to.After(start) {
				continue
			}
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].from.Before(keys[j].from) })
		out := []publicKeyJSON{}
		for _, k := range keys {
			out = append(out, publicKeyJSON{Value: []byte(base64.StdEncoding.EncodeToString(k.der)), ValidityStartTime: epoch(k.from), ValidityEndTime: epoch(k.to), Fingerprint: k.fingerprint})
		}
		return map[string]any{"PublicKeyList": out}, nil
	})
}
