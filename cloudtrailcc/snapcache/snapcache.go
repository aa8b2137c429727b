// Package snapcache keeps a short-lived copy of an account snapshot on disk
// so that several processes reading the same AWS account one after the
// other (the Postgres bridge runs one process per foreign-table scan, so a
// fourteen-control benchmark starts many) read each fact from AWS only once
// per cache period: a process that needs facts the copy lacks adds just
// those to it.
//
// The cache trusts only itself. It uses a directory only when it is a real
// directory owned by this process's user that neither group nor others may
// write, below directories only root and this user may write (a sticky one
// such as /tmp excepted; the rule of package filetrust), opens its files without following symbolic links, reads only
// regular files of this user that nobody else may access, and serves a
// snapshot only to the identity it describes (account and caller ARN, from
// sts:GetCallerIdentity) while it is younger than the TTL and not dated in
// the future. Anything else is collected again; a directory it cannot trust
// is not used at all, which it says once on stderr.
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
	"io"
	"io/fs"
	"os"
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

// Collector is the Source a cache reads through: it also says whom its
// credentials belong to, so that a snapshot of one account is never served
// to another (the credentials behind a profile can change between runs).
// *inventory.Collector implements it.
type Collector interface {
	Source
	// Identity returns the caller's account id and ARN.
	Identity(ctx context.Context) (accountID, callerARN string, err error)
}

// Extender is a Collector that can add facts to a snapshot read from the
// cache (collected by any process): *inventory.Collector reads only the
// missing facts when it can. A cache over a Collector that is not an
// Extender collects the snapshot again instead.
type Extender interface {
	Collector
	// Extend returns a copy of acct that also holds need.
	Extend(ctx context.Context, acct *snapshot.Account, need snapshot.Need) (*snapshot.Account, error)
}

// Config says where and for how long a cache keeps snapshots.
type Config struct {
	// Dir is the cache directory, created (0700) when missing.
	Dir string
	// Key names the account view (e.g. a hash of the connection config); a
	// key that is not a plain file name is hashed.
	Key string
	// TTL is how long a snapshot is served after it was read; 0 or less
	// disables the cache: every call goes to the Collector.
	TTL time.Duration
	// Base is collected with whatever a call needs (e.g. every fact the
	// rules read, so that later tables and controls reuse one collection).
	Base snapshot.Need
	// Warnings receives the line saying why the cache is not used, once per
	// cause; os.Stderr when nil.
	Warnings io.Writer
}

// OrganizationSource returns the snapshots of an organization audit
// holding at least need. *organization.Collector implements it, and so
// does the cache NewOrganization returns.
type OrganizationSource interface {
	Snapshot(ctx context.Context, need snapshot.Need) (*snapshot.Organization, error)
}

// OrganizationCollector is the OrganizationSource a cache reads through:
// Identity is the caller's (the management account's credentials, which
// assume every member's role), so that an organization's snapshot is
// never served to another caller.
type OrganizationCollector interface {
	OrganizationSource
	// Identity returns the caller's account id and ARN.
	Identity(ctx context.Context) (accountID, callerARN string, err error)
}

// lockPoll is how often a waiting caller retries the lock, so that it can
// give up when its context ends.
const lockPoll = 10 * time.Millisecond

// maxClockSkew is how far in the future a snapshot's ReadAt may be (clocks
// of processes sharing a directory may differ a little); beyond it the
// snapshot is stale, or a planted future date would never expire.
const maxClockSkew = time.Minute

// safeKey matches keys usable as file names as they are.
var safeKey = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// New returns a Source that serves snapshots from cfg.Dir/KEY.json while
// the snapshot there is younger than cfg.TTL (by its ReadAt), holds the
// facts asked for and describes the identity next reports. Otherwise it
// collects from next the facts asked for plus cfg.Base, stores the
// snapshot and returns it. When the cached snapshot is young enough but
// lacks facts and next is an Extender, only the missing facts are added.
//
// Failures of the cache itself (a directory it cannot trust or write, a
// lock unavailable) never fail a query: the call then goes straight to
// next. Errors of next are returned and never cached.
func New(cfg Config, next Collector) Source {
	return newCache[snapshot.Account](cfg, next)
}

// NewOrganization is New for an organization audit: the whole
// organization's snapshots are one file, served only to the caller that
// collected them (account and ARN), and collected again (never extended)
// when they lack facts.
func NewOrganization(cfg Config, next OrganizationCollector) OrganizationSource {
	return newCache[snapshot.Organization](cfg, next)
}

// collector is what a cache of snapshots of type P reads through.
type collector[P any] interface {
	Snapshot(ctx context.Context, need snapshot.Need) (P, error)
	Identity(ctx context.Context) (accountID, callerARN string, err error)
}

// extender is a collector that adds facts to a cached snapshot.
type extender[P any] interface {
	Extend(ctx context.Context, cached P, need snapshot.Need) (P, error)
}

func newCache[S any, P interface{ *S }](cfg Config, next collector[P]) *cache[S, P] {
	key := cfg.Key
	if !safeKey.MatchString(key) || key == "." || key == ".." {
		sum := sha256.Sum256([]byte(key))
		key = hex.EncodeToString(sum[:16])
	}
	w := cfg.Warnings
	if w == nil {
		w = os.Stderr
	}
	return &cache[S, P]{dir: cfg.Dir, key: key, ttl: cfg.TTL, base: cfg.Base, next: next, warnings: w, warned: map[string]bool{}}
}

// cache is the Source New returns (S is snapshot.Account) and the
// OrganizationSource NewOrganization returns (S is snapshot.Organization).
type cache[S any, P interface{ *S }] struct {
	dir, key string
	ttl      time.Duration
	base     snapshot.Need
	next     collector[P]
	warnings io.Writer

	// mu serialises callers of this process (flock already does so across
	// processes) and guards last and warned.
	mu sync.Mutex
	// last is the snapshot most recently read or written, with the cache
	// file's identity, so an unchanged file is not decoded again.
	last *entry[P]
	// warned holds the warnings already printed.
	warned map[string]bool
}

// entry is a decoded cache file.
type entry[P any] struct {
	ino     uint64
	modTime time.Time
	size    int64
	snap    P
}

// identity is whom a snapshot describes.
type identity struct{ account, caller string }

// stamp is what the cache checks of a snapshot: whom it describes, when it
// was read and which facts it holds.
type stamp struct {
	id     identity
	readAt time.Time
	loaded snapshot.Need
}

// stampOf reads the stamp of an account's or an organization's snapshot.
func stampOf(v any) stamp {
	switch s := v.(type) {
	case *snapshot.Account:
		return stamp{identity{s.AccountID, s.CallerARN}, s.ReadAt, s.Loaded}
	case *snapshot.Organization:
		return stamp{identity{s.CallerAccountID, s.CallerARN}, s.ReadAt, s.Loaded}
	}
	return stamp{}
}

// Snapshot implements Source and OrganizationSource.
func (c *cache[S, P]) Snapshot(ctx context.Context, need snapshot.Need) (P, error) {
	if c.ttl <= 0 {
		return c.next.Snapshot(ctx, need)
	}
	account, caller, err := c.next.Identity(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()

	d, unlock, err := c.lock(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("waiting for snapshot cache lock: %w", ctx.Err())
		}
		c.warn(fmt.Sprintf("not using cache_dir: %v; reading AWS without the disk cache", err))
		return c.next.Snapshot(ctx, need)
	}
	defer unlock()

	cached := c.fresh(d, identity{account, caller})
	if cached != nil && stampOf(cached).loaded.Has(need.WithDependencies()) {
		return cached, nil
	}
	var snap P
	if ext, ok := c.next.(extender[P]); ok && cached != nil {
		snap, err = ext.Extend(ctx, cached, need|c.base)
	} else {
		snap, err = c.next.Snapshot(ctx, need|c.base)
	}
	if err != nil {
		return nil, err
	}
	c.store(d, snap)
	return snap, nil
}

// warn prints msg once per cache.
func (c *cache[S, P]) warn(msg string) {
	if c.warned[msg] {
		return
	}
	c.warned[msg] = true
	fmt.Fprintln(c.warnings, "cloudtrailcc: warning: "+msg)
}

// lock opens the directory and takes the exclusive flock on KEY.lock,
// polling so that ctx can end the wait. It returns the directory and the
// function that releases both.
func (c *cache[S, P]) lock(ctx context.Context) (*dir, func(), error) {
	d, err := openDir(c.dir)
	if err != nil {
		return nil, nil, err
	}
	f, _, err := d.openFile(c.key+".lock", os.O_RDWR, true)
	if err != nil {
		d.close()
		return nil, nil, err
	}
	release := func() {
		_ = f.Close() // releases the flock too
		d.close()
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return d, release, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			release()
			return nil, nil, fmt.Errorf("locking %s: %w", f.Name(), err)
		}
		select {
		case <-ctx.Done():
			release()
			return nil, nil, ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}

// fresh returns the cached snapshot when it describes id and was read less
// than the TTL ago (and not in the future); nil otherwise (missing, stale,
// another identity's, untrusted or unreadable files are all just misses).
func (c *cache[S, P]) fresh(d *dir, id identity) P {
	f, fi, err := d.openFile(c.key+".json", os.O_RDONLY, false)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.warn(fmt.Sprintf("ignoring cache file: %v; collecting again", err))
		}
		return nil
	}
	defer f.Close()
	// The file is written after the snapshot is read: an old file holds an
	// old snapshot, without decoding it.
	if time.Since(fi.ModTime()) >= c.ttl {
		return nil
	}
	ino := fi.Sys().(*syscall.Stat_t).Ino
	e := c.last
	if e == nil || e.ino != ino || !e.modTime.Equal(fi.ModTime()) || e.size != fi.Size() {
		snap := P(new(S))
		if err := json.NewDecoder(io.LimitReader(f, fi.Size())).Decode(snap); err != nil {
			return nil
		}
		if org, ok := any(snap).(*snapshot.Organization); ok && keepCompressed(org) != nil {
			return nil
		}
		e = &entry[P]{ino: ino, modTime: fi.ModTime(), size: fi.Size(), snap: snap}
		c.last = e
	}
	st := stampOf(e.snap)
	// An extended snapshot keeps its first ReadAt: its oldest facts decide.
	if age := time.Since(st.readAt); age >= c.ttl || age < -maxClockSkew {
		return nil
	}
	if st.id != id {
		return nil
	}
	return e.snap
}

// store writes acct to the cache file atomically. A failure only costs a
// later re-collection, so it is not reported.
func (c *cache[S, P]) store(d *dir, snap P) {
	b, err := json.Marshal(snap)
	if err != nil {
		return
	}
	fi, err := d.writeFile(c.key+".json", b)
	if err != nil {
		return
	}
	c.last = &entry[P]{ino: fi.Sys().(*syscall.Stat_t).Ino, modTime: fi.ModTime(), size: fi.Size(), snap: snap}
}

// keepCompressed packs an organization read from a cache file as a
// collection keeps it: compressed, in the process's own unlinked spill
// file (in memory when none can be had), so that a cached organization
// costs no more memory than a collected one.
func keepCompressed(org *snapshot.Organization) error {
	_ = org.SpillTo("")
	return org.Pack()
}
