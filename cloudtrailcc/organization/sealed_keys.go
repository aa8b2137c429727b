package organization

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/filetrust"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// sealedKeys keeps the temporary credentials of the members' audit roles
// from each member's read to the resolution step, sealed with AES-256-GCM
// under a key made for this one audit and held only in memory. The sealed
// records are appended to a temporary file of this process's own (spillTo)
// or, when there is none, to a slice; in the heap each account keeps only
// where its record is. The account id is each record's additional data, so
// that no record opens as another account's. It is safe for concurrent use.
type sealedKeys struct {
	// ids are the audited accounts; at[i] is where the record of
	// ids.At(i) is.
	ids *snapshot.AccountSet

	mu   sync.Mutex
	aead cipher.AEAD // nil once closed
	at   []sealedRecord
	// records are the sealed records, in an unlinked file of this
	// process's own (spillTo) or in memory
	records filetrust.Spill
}

// sealedRecord is where one account's record is: the n bytes at off of
// the file or of mem; n is 0 while the account has none.
type sealedRecord struct {
	off int64
	n   int32
}

// newSealedKeys returns an empty store, in memory until spillTo, for the
// accounts ids (kept, not copied). Its key
// comes from crypto/rand and is never written anywhere.
func newSealedKeys(ids *snapshot.AccountSet) (*sealedKeys, error) {
	key := make([]byte, 32) // AES-256
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("making the key the members' role keys are sealed with: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("making the cipher the members' role keys are sealed with: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("making the cipher the members' role keys are sealed with: %w", err)
	}
	return &sealedKeys{ids: ids, aead: aead, at: make([]sealedRecord, ids.Len())}, nil
}

// spillTo keeps the sealed records in a temporary file in dir
// (os.TempDir() when ""), created by this process alone (mode 0600, a new
// name) and unlinked at once, so that nothing else can open it and nothing
// is left behind. Call it before the first put.
func (k *sealedKeys) spillTo(dir string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.records.SpillTo(dir, "cloudtrailcc-keys-*", "the members' sealed role keys")
}

// index is where id is in ids.
func (k *sealedKeys) index(id string) (int, error) {
	i, ok := k.ids.Index(id)
	if !ok {
		return 0, fmt.Errorf("account %s is not audited: no role keys are kept for it", id)
	}
	return i, nil
}

// put seals the keys of creds (access key id, secret key and session
// token) as account id's record, replacing any it had.
func (k *sealedKeys) put(id string, creds aws.Credentials) error {
	i, err := k.index(id)
	if err != nil {
		return fmt.Errorf("keeping the role keys of account %s: %w", id, err)
	}
	plain := appendKey(nil, creds.AccessKeyID)
	plain = appendKey(plain, creds.SecretAccessKey)
	plain = appendKey(plain, creds.SessionToken)
	defer clear(plain)

	k.mu.Lock()
	defer k.mu.Unlock()
	if k.aead == nil {
		return fmt.Errorf("keeping the role keys of account %s: the store is closed", id)
	}
	nonceSize := k.aead.NonceSize()
	record := make([]byte, nonceSize, nonceSize+len(plain)+k.aead.Overhead())
	if _, err := rand.Read(record); err != nil {
		return fmt.Errorf("keeping the role keys of account %s: making a nonce: %w", id, err)
	}
	record = k.aead.Seal(record, record[:nonceSize], plain, []byte(id))
	if len(record) > math.MaxInt32 {
		return fmt.Errorf("keeping the role keys of account %s: %d bytes sealed", id, len(record))
	}
	off, err := k.records.Append(record)
	if err != nil {
		return fmt.Errorf("keeping the role keys of account %s: %w", id, err)
	}
	k.at[i] = sealedRecord{off: off, n: int32(len(record))}
	return nil
}

// get opens account id's record. An account without one, or a record that
// does not open (not sealed by this store for this account), is an error,
// never empty credentials.
func (k *sealedKeys) get(id string) (aws.Credentials, error) {
	i, err := k.index(id)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("reading back the role keys of account %s: %w", id, err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.aead == nil {
		return aws.Credentials{}, fmt.Errorf("reading back the role keys of account %s: the store is closed", id)
	}
	return k.open(id, k.at[i])
}

// open reads the record at r and opens it as account id's; k.mu is held
// and the store is open.
func (k *sealedKeys) open(id string, r sealedRecord) (aws.Credentials, error) {
	fail := func(err error) (aws.Credentials, error) {
		return aws.Credentials{}, fmt.Errorf("reading back the role keys of account %s: %w", id, err)
	}
	switch {
	case r.n == 0:
		return fail(errors.New("none were kept (the account was not read)"))
	case int(r.n) < k.aead.NonceSize()+k.aead.Overhead():
		return fail(fmt.Errorf("a record of %d bytes is too short", r.n))
	}
	record, err := k.records.Read(r.off, int(r.n)) // a copy: it is opened in place
	if err != nil {
		return fail(err)
	}
	nonce, sealed := record[:k.aead.NonceSize()], record[k.aead.NonceSize():]
	plain, err := k.aead.Open(sealed[:0], nonce, sealed, []byte(id))
	if err != nil {
		return fail(fmt.Errorf("the record does not open as this account's: %w", err))
	}
	defer clear(plain)
	var creds aws.Credentials
	rest := plain
	for _, field := range []*string{&creds.AccessKeyID, &creds.SecretAccessKey, &creds.SessionToken} {
		if *field, rest, err = cutKey(rest); err != nil {
			return fail(err)
		}
	}
	if len(rest) != 0 {
		return fail(fmt.Errorf("%d bytes after the keys", len(rest)))
	}
	return creds, nil
}

// Close releases the file and forgets the cipher and every record:
// nothing can be read back afterwards.
func (k *sealedKeys) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.aead, k.at = nil, nil
	if err := k.records.Close(); err != nil {
		return fmt.Errorf("closing the file of the members' sealed role keys: %w", err)
	}
	return nil
}

// appendKey appends s, prefixed with its length, to b.
func appendKey(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// cutKey is the length-prefixed string b starts with, and what follows it.
func cutKey(b []byte) (string, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return "", nil, errors.New("a malformed record")
	}
	return string(b[w : w+int(n)]), b[w+int(n):], nil
}
