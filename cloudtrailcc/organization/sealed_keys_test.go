package organization

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// accountIDs are n sorted 12-digit account ids.
func accountIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%012d", 100000000000+i)
	}
	return ids
}

// roleCreds are random temporary credentials with a session token of
// tokenLen characters, as sts:AssumeRole gives.
func roleCreds(tokenLen int) aws.Credentials {
	return aws.Credentials{AccessKeyID: "ASIA" + strings.ToUpper(rand.Text())[:16], SecretAccessKey: (rand.Text() + rand.Text())[:40],
		SessionToken: strings.Repeat(rand.Text(), tokenLen/26+1)[:tokenLen]}
}

// sealedStore is a store of ids, in a file when tmp is a writable TMPDIR,
// in memory otherwise, closed when the test ends.
func sealedStore(t testing.TB, ids []string, tmp string) *sealedKeys {
	t.Helper()
	t.Setenv("TMPDIR", tmp)
	k, err := newSealedKeys(snapshot.NewAccountSet(ids))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	if err := k.spillTo(""); err != nil {
		t.Logf("in memory: %v", err)
	}
	return k
}

// putAll puts each of creds (by ids' order) from 8 goroutines at once.
func putAll(t *testing.T, k *sealedKeys, ids []string, creds []aws.Credentials) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(ids); i += 8 {
				errs[i] = k.put(ids[i], creds[i])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// contents are the sealed records as kept: the whole file, or mem.
func contents(t *testing.T, k *sealedKeys) []byte {
	t.Helper()
	if k.records.File() == nil {
		b, err := k.records.Read(0, int(k.records.Size()))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b, err := io.ReadAll(io.NewSectionReader(k.records.File(), 0, 1<<40))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealedKeysGiveEachAccountItsOwnKeysBack(t *testing.T) {
	for name, spilled := range map[string]bool{"file": true, "memory": false} {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			dir := tmp
			if !spilled {
				dir = tmp + "/missing" // no TMPDIR to write in
			}
			ids := accountIDs(1001)
			k := sealedStore(t, ids, dir)
			if (k.records.File() != nil) != spilled {
				t.Fatalf("kept in a file: %v, want %v", k.records.File() != nil, spilled)
			}
			// the last account was not read: it has no keys
			read := ids[:1000]
			creds := make([]aws.Credentials, len(read))
			for i := range creds {
				creds[i] = roleCreds(128)
			}
			putAll(t, k, read, creds)
			if left, err := os.ReadDir(tmp); err != nil || len(left) != 0 {
				t.Fatalf("left in TMPDIR: %v (%v): the file must be unlinked", left, err)
			}
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Go(func() {
					for i := w; i < len(read); i += 8 {
						if got, err := k.get(read[i]); err != nil || got != creds[i] {
							t.Errorf("account %s: %+v, %v; want its own keys", read[i], got, err)
						}
					}
				})
			}
			wg.Wait()
			for _, id := range []string{ids[1000], "999999999999"} {
				if got, err := k.get(id); err == nil || !strings.Contains(err.Error(), id) {
					t.Errorf("account %s without keys: %+v, %v; want an error naming it", id, got, err)
				}
			}
			if err := k.put("999999999999", creds[0]); err == nil {
				t.Error("kept the keys of an account that is not audited")
			}
		})
	}
}

func TestSealedKeysKeepNoKeyInTheClear(t *testing.T) {
	for name, spilled := range map[string]bool{"file": true, "memory": false} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if !spilled {
				dir += "/missing"
			}
			ids := accountIDs(200)
			k := sealedStore(t, ids, dir)
			creds := make([]aws.Credentials, len(ids))
			for i := range creds {
				creds[i] = roleCreds(1024)
			}
			putAll(t, k, ids, creds)
			kept := contents(t, k)
			if (k.records.File() != nil) != spilled || int64(len(kept)) != k.records.Size() || len(kept) < len(ids)*1024 {
				t.Fatalf("kept %d bytes (file %v), want at least every token's length", len(kept), k.records.File() != nil)
			}
			for i, c := range creds {
				for _, key := range []string{c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.SessionToken[:32]} {
					if bytes.Contains(kept, []byte(key)) {
						t.Fatalf("account %s: a key is kept in the clear (%q)", ids[i], key[:8])
					}
				}
			}
		})
	}
}

func TestSealedRecordDoesNotOpenAsAnotherAccounts(t *testing.T) {
	ids := accountIDs(2)
	k := sealedStore(t, ids, t.TempDir())
	a, b := roleCreds(128), roleCreds(128)
	if err := errors.Join(k.put(ids[0], a), k.put(ids[1], b)); err != nil {
		t.Fatal(err)
	}
	k.at[0], k.at[1] = k.at[1], k.at[0]
	for _, id := range ids {
		if got, err := k.get(id); err == nil || !strings.Contains(err.Error(), "does not open as this account's") {
			t.Errorf("account %s given the other's record: %+v, %v; want an error", id, got, err)
		}
	}
	k.at[0], k.at[1] = k.at[1], k.at[0]
	// a record changed on disk does not open either
	last := k.at[1].off + int64(k.at[1].n) - 1
	if _, err := k.records.File().WriteAt([]byte{contents(t, k)[last] ^ 1}, last); err != nil {
		t.Fatal(err)
	}
	if got, err := k.get(ids[0]); err != nil || got != a {
		t.Fatalf("the untouched record: %+v, %v", got, err)
	}
	if got, err := k.get(ids[1]); err == nil {
		t.Fatalf("a changed record opened: %+v", got)
	}
}

func TestClosedSealedKeysReleaseTheirFileAndGiveNothingBack(t *testing.T) {
	tmp := t.TempDir()
	ids := accountIDs(3)
	k := sealedStore(t, ids, tmp)
	if err := k.put(ids[0], roleCreds(128)); err != nil {
		t.Fatal(err)
	}
	f := k.records.File()
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("reading the file after Close: %v, want it closed", err)
	}
	if got, err := k.get(ids[0]); err == nil {
		t.Fatalf("read %+v after Close", got)
	}
	if err := k.put(ids[1], roleCreds(128)); err == nil {
		t.Fatal("kept keys after Close")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("left in TMPDIR: %v", left)
	}
}

// heapPerAccount is the heap kept, in bytes an account, by what keep makes
// of n accounts' credentials with 1 KiB session tokens (made one at a time
// and dropped: only what keep holds on to stays).
func heapPerAccount(n int, keep func(i int, creds aws.Credentials) any) float64 {
	var before, after runtime.MemStats
	settle()
	runtime.ReadMemStats(&before)
	var held any
	for i := range n {
		held = keep(i, roleCreds(1024))
	}
	settle()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(held)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// settle collects the garbage, the sync.Pool victim caches' included.
func settle() {
	runtime.GC()
	runtime.GC()
}

// TestSealedKeysKeepLittleHeapAnAccount measures the heap that 10,000
// members' role keys keep: sealed in a file, only where each record is
// (~16 bytes); in memory (no TMPDIR), the sealed records; as plain
// strings in a map, what the keys were kept as before.
func TestSealedKeysKeepLittleHeapAnAccount(t *testing.T) {
	const n = 10000
	ids := accountIDs(n)
	perAccount := map[string]float64{}
	for _, c := range []struct{ name, dir string }{{"file", t.TempDir()}, {"memory", t.TempDir() + "/missing"}} {
		var k *sealedKeys
		perAccount[c.name] = heapPerAccount(n, func(i int, creds aws.Credentials) any {
			if k == nil {
				k = sealedStore(t, ids, c.dir)
			}
			if err := k.put(ids[i], creds); err != nil {
				t.Fatal(err)
			}
			return k
		})
		if got, err := k.get(ids[n-1]); err != nil || len(got.SessionToken) != 1024 {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := k.Close(); err != nil {
			t.Fatal(err)
		}
	}
	plain := map[string][3]string{}
	perAccount["plain map"] = heapPerAccount(n, func(i int, creds aws.Credentials) any {
		plain[ids[i]] = [3]string{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken}
		return plain
	})
	t.Logf("heap kept an account, %d accounts with 1 KiB session tokens: sealed in a file %.1f B, sealed in memory %.1f B, plain map %.1f B",
		n, perAccount["file"], perAccount["memory"], perAccount["plain map"])
	// the file keeps the records; the heap holds an offset and a length
	if perAccount["file"] > 64 || perAccount["memory"] < 1024 {
		t.Errorf("heap an account: file %.1f B, want at most 64; memory %.1f B, want the records (over 1 KiB)", perAccount["file"], perAccount["memory"])
	}
}
