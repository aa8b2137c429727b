// Package snapcache keeps a short-lived copy of an account snapshot on disk
// so that several processes reading the same AWS account one after the
// other (the Postgres bridge runs one process per foreign-table scan, so a
// fourteen-control benchmark starts many) read each fact from AWS only once
// per cache period: a process that needs facts the copy lacks adds just
// those to it.
//
// Processes coordinate with an exclusive flock(2) on DIR/KEY.lock held while
// the cache file is checked and, when stale, refreshed. The snapshot is
// written as JSON to DIR/KEY.json atomically (temporary file + rename, mode
// 0600: it describes an AWS account's security configuration).
package snapcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// Source returns an account snapshot holding at least the facts in need.
// *inventory.Collector implements it, and so does the cache New returns.
type Source interface {
	Snapshot(ctx context.Context, need snapshot.Need) (*snapshot.Account, error)
}

// Extender is a Source that can add facts to a snapshot read from the
// cache (collected by any process): *inventory.Collector reads only the
// missing facts when it can. A cache over a Source that is not an Extender
// collects the snapshot again instead.
type Extender interface {
	Source
	// Extend returns a copy of acct that also holds need.
	Extend(ctx context.Context, acct *snapshot.Account, need snapshot.Need) (*snapshot.Account, error)
}

// lockPoll is how often a waiting caller retries the lock, so that it can
// give up when its context ends.
const lockPoll = 10 * time.Millisecond

// safeKey matches keys usable as file names as they are.
var safeKey = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// New returns a Source that serves snapshots from DIR/KEY.json while the
// snapshot there is younger than ttl (by its ReadAt) and holds the facts
// asked for. Otherwise it collects from next the facts asked for plus base
// (e.g. every fact the rules read, so that later tables and controls reuse
// one collection), stores the snapshot and returns it. When the cached
// snapshot is young enough but lacks facts and next is an Extender, only the
// missing facts are added to it.
//
// key names the account view (e.g. a hash of the connection config); a key
// that is not a plain file name is hashed. A ttl of 0 or less disables the
// cache: every call goes to next. Failures of the cache itself (directory not
// writable, lock unavailable) never fail a query: the call then goes straight
// to next. Errors of next are returned and never cached.
func New(dir, key string, ttl time.Duration, base snapshot.Need, next Source) Source {
	if !safeKey.MatchString(key) || key == "." || key == ".." {
		sum := sha256.Sum256([]byte(key))
		key = hex.EncodeToString(sum[:16])
	}
	return &cache{dir: dir, key: key, ttl: ttl, base: base, next: next}
}

// cache is the Source New returns.
type cache struct {
	dir, key string
	ttl      time.Duration
	base     snapshot.Need
	next     Source

	// mu serialises callers of this process (flock already does so across
	// processes) and guards last.
	mu sync.Mutex
	// last is the snapshot most recently read or written, with the cache
	// file's identity, so an unchanged file is not decoded again.
	last *entry
}

// entry is a decoded cache file.
type entry struct {
	modTime time.Time
	size    int64
	acct    *snapshot.Account
}

// Snapshot implements Source.
func (c *cache) Snapshot(ctx context.Context, need snapshot.Need) (*snapshot.Account, error) {
	if c.ttl <= 0 {
		return c.next.Snapshot(ctx, need)
	}
	c.mu.Lock()
	defer c.mu.Unlock()

	unlock, err := c.lock(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("waiting for snapshot cache lock: %w", ctx.Err())
		}
		return c.next.Snapshot(ctx, need)
	}
	defer unlock()

	cached := c.fresh()
	if cached != nil && cached.Loaded.Has(need.WithDependencies()) {
		return cached, nil
	}
	var acct *snapshot.Account
	if ext, ok := c.next.(Extender); ok && cached != nil {
		acct, err = ext.Extend(ctx, cached, need|c.base)
	} else {
		acct, err = c.next.Snapshot(ctx, need|c.base)
	}
	if err != nil {
		return nil, err
	}
	c.store(acct)
	return acct, nil
}

// path returns the cache file path with the given suffix.
func (c *cache) path(suffix string) string { return filepath.Join(c.dir, c.key+suffix) }

// lock takes the exclusive flock on DIR/KEY.lock, polling so that ctx can
// end the wait, and returns the function that releases it.
func (c *cache) lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating cache dir: %w", err)
	}
	f, err := os.OpenFile(c.path(".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening cache lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}

// fresh returns the cached snapshot when it was read less than the TTL ago;
// nil otherwise (missing, stale or unreadable files are all just misses).
func (c *cache) fresh() *snapshot.Account {
	fi, err := os.Stat(c.path(".json"))
	// The file is written after the snapshot is read: an old file holds an
	// old snapshot, without decoding it.
	if err != nil || time.Since(fi.ModTime()) >= c.ttl {
		return nil
	}
	e := c.last
	if e == nil || !e.modTime.Equal(fi.ModTime()) || e.size != fi.Size() {
		b, err := os.ReadFile(c.path(".json"))
		if err != nil {
			return nil
		}
		var acct snapshot.Account
		if err := json.Unmarshal(b, &acct); err != nil {
			return nil
		}
		e = &entry{modTime: fi.ModTime(), size: fi.Size(), acct: &acct}
		c.last = e
	}
	// An extended snapshot keeps its first ReadAt: its oldest facts decide.
	if time.Since(e.acct.ReadAt) >= c.ttl {
		return nil
	}
	return e.acct
}

// store writes acct to the cache file atomically. A failure only costs a
// later re-collection, so it is not reported.
func (c *cache) store(acct *snapshot.Account) {
	b, err := json.Marshal(acct)
	if err != nil {
		return
	}
	tmp, err := os.CreateTemp(c.dir, c.key+".*.tmp")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return
	}
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return
	}
	if err := tmp.Close(); err != nil {
		return
	}
	if err := os.Rename(tmp.Name(), c.path(".json")); err != nil {
		return
	}
	if fi, err := os.Stat(c.path(".json")); err == nil {
		c.last = &entry{modTime: fi.ModTime(), size: fi.Size(), acct: acct}
	}
}
