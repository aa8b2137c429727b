package snapcache_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapcache"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// nobody is the uid of another local user.
const nobody = 65534

// plantedSnapshot is a valid, young snapshot of the test identity: what a
// hostile user would plant to hide the account's alarms.
func plantedSnapshot(readAt time.Time) []byte {
	return []byte(`{"account_id":"` + testAccount + `","caller_arn":"` + testCaller + `","read_at":"` +
		readAt.UTC().Format(time.RFC3339Nano) + `","regions":["x","planted"],"loaded":` + strconv.FormatUint(uint64(snapshot.NeedAll.WithDependencies()), 10) + `}`)
}

// watched is a cache whose warnings the test reads.
type watched struct {
	src      snapcache.Source
	next     *collector
	warnings bytes.Buffer
}

func watch(dir string) *watched {
	w := &watched{next: &collector{}}
	w.src = snapcache.New(snapcache.Config{Dir: dir, Key: "acct", TTL: time.Minute, Base: snapshot.NeedAll, Warnings: &w.warnings}, w.next)
	return w
}

// snapshotTwice reads twice and returns what each read saw.
func (w *watched) snapshotTwice(t *testing.T) [2]string {
	t.Helper()
	var seen [2]string
	for i := range seen {
		acct, err := w.src.Snapshot(context.Background(), snapshot.NeedTrails)
		if err != nil {
			t.Fatal(err)
		}
		seen[i] = acct.Regions[1]
	}
	return seen
}

// warnedOnce asserts exactly one warning line was printed, holding every part.
func (w *watched) warnedOnce(t *testing.T, parts ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(w.warnings.String(), "\n"), "\n")
	if len(lines) != 1 || lines[0] == "" {
		t.Fatalf("warnings:\n%s\nwant exactly one line", w.warnings.String())
	}
	for _, p := range parts {
		if !strings.Contains(lines[0], p) {
			t.Errorf("warning %q does not say %q", lines[0], p)
		}
	}
}

// setModeAndOwner gives path mode and, unless owner is negative, that
// owner (skipping the test when not root).
func setModeAndOwner(t *testing.T, path string, mode fs.FileMode, owner int) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	if owner < 0 {
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to create files owned by another user")
	}
	if err := os.Chown(path, owner, owner); err != nil {
		t.Fatal(err)
	}
}

// TestUntrustedSnapshotFileIsNotRead: a snapshot planted in the cache
// directory by another user, or one that others may read or write, is
// never served: the account is collected again, the file replaced by this
// user's own, and the warning printed once.
func TestUntrustedSnapshotFileIsNotRead(t *testing.T) {
	cases := []struct {
		name   string
		owner  int
		mode   fs.FileMode
		reason string
	}{
		{"another owner", nobody, 0o600, "owned by uid 65534"},
		{"readable by others", -1, 0o644, "accessible to group or others (mode 0644)"},
		{"writable by group", -1, 0o620, "accessible to group or others (mode 0620)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			json := filepath.Join(dir, "acct.json")
			if err := os.WriteFile(json, plantedSnapshot(time.Now()), 0o600); err != nil {
				t.Fatal(err)
			}
			setModeAndOwner(t, json, c.mode, c.owner)
			w := watch(dir)
			if seen := w.snapshotTwice(t); seen != [2]string{"collection-1", "collection-1"} {
				t.Fatalf("reads saw %v; want a fresh collection, then it from the cache", seen)
			}
			w.warnedOnce(t, json, c.reason)
			fi, err := os.Stat(json)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 || ownerOf(fi) != os.Geteuid() {
				t.Errorf("cache file now mode %04o owner %d; want this user's own 0600 file", fi.Mode().Perm(), ownerOf(fi))
			}
		})
	}
}

// TestSymlinkedSnapshotIsNotFollowed: KEY.json as a symbolic link is never
// read through nor written through; it is replaced by a regular file.
func TestSymlinkedSnapshotIsNotFollowed(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	planted := filepath.Join(elsewhere, "planted.json")
	if err := os.WriteFile(planted, plantedSnapshot(time.Now()), 0o600); err != nil {
		t.Fatal(err)
	}
	json := filepath.Join(dir, "acct.json")
	if err := os.Symlink(planted, json); err != nil {
		t.Fatal(err)
	}
	w := watch(dir)
	if seen := w.snapshotTwice(t); seen != [2]string{"collection-1", "collection-1"} {
		t.Fatalf("reads saw %v; want a fresh collection, not the file behind the link", seen)
	}
	w.warnedOnce(t, json, "symbolic link")
	if b, _ := os.ReadFile(planted); !bytes.Contains(b, []byte("planted")) {
		t.Errorf("the link's target was written through: %s", b)
	}
	if fi, err := os.Lstat(json); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("cache file is %v (%v); want the link replaced by a regular file", fi.Mode(), err)
	}
}

// TestSymlinkedLockIsNotFollowed: a symbolic link at KEY.lock (pointing
// where a root run would create a file) is not followed: nothing is
// created through it, the cache is not used, and that is said once.
func TestSymlinkedLockIsNotFollowed(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	target := filepath.Join(elsewhere, "created-through-the-link")
	lock := filepath.Join(dir, "acct.lock")
	if err := os.Symlink(target, lock); err != nil {
		t.Fatal(err)
	}
	w := watch(dir)
	if seen := w.snapshotTwice(t); seen != [2]string{"collection-1", "collection-2"} {
		t.Fatalf("reads saw %v; want two collections (no cache)", seen)
	}
	w.warnedOnce(t, lock, "symbolic link", "without the disk cache")
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was created through the lock's link (%v)", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "acct.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a snapshot was written without the lock (%v)", err)
	}
}

// TestUntrustedDirectoryIsNotUsed: a cache directory others may write
// (where they could plant a snapshot or a link), one owned by another user,
// one in a directory another user may write or owns (who could rename it
// away and put their own in its place), or a symbolic link to a directory,
// is not used at all: every read collects, nothing is read from or written
// in it, and one line says why. A sticky parent such as /tmp is fine.
func TestUntrustedDirectoryIsNotUsed(t *testing.T) {
	cases := []struct {
		name   string
		mode   fs.FileMode
		owner  int
		link   bool
		reason string
		// parentMode and parentOwner, when set, are the parent directory's
		parentMode  fs.FileMode
		parentOwner int
	}{
		{"group-writable", 0o770, -1, false, "writable by group or others (mode 0770)", 0, -1},
		{"world-writable", 0o777, -1, false, "writable by group or others (mode 0777)", 0, -1},
		{"world-writable sticky", fs.ModeSticky | 0o777, -1, false, "writable by group or others (mode 0777)", 0, -1},
		{"another owner", 0o700, nobody, false, "owned by uid 65534", 0, -1},
		{"symbolic link", 0o700, -1, true, "is a symbolic link", 0, -1},
		{"world-writable parent", 0o700, -1, false, "the directory above it PARENT is writable by group or others (mode 0777)", 0o777, -1},
		{"group-writable parent", 0o700, -1, false, "the directory above it PARENT is writable by group or others (mode 0775)", 0o775, -1},
		{"parent of another owner", 0o700, -1, false, "the directory above it PARENT is owned by uid 65534", 0o755, nobody},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := filepath.Join(t.TempDir(), "parent")
			if err := os.Mkdir(parent, 0o700); err != nil {
				t.Fatal(err)
			}
			real := filepath.Join(parent, "cache")
			if err := os.Mkdir(real, 0o700); err != nil {
				t.Fatal(err)
			}
			if c.parentMode != 0 {
				setModeAndOwner(t, parent, c.parentMode, c.parentOwner)
			}
			if err := os.WriteFile(filepath.Join(real, "acct.json"), plantedSnapshot(time.Now()), 0o600); err != nil {
				t.Fatal(err)
			}
			setModeAndOwner(t, real, c.mode, c.owner)
			dir := real
			if c.link {
				dir = filepath.Join(t.TempDir(), "link")
				if err := os.Symlink(real, dir); err != nil {
					t.Fatal(err)
				}
			}
			w := watch(dir)
			if seen := w.snapshotTwice(t); seen != [2]string{"collection-1", "collection-2"} {
				t.Fatalf("reads saw %v; want two collections, never the planted snapshot", seen)
			}
			w.warnedOnce(t, "cache_dir", dir, strings.ReplaceAll(c.reason, "PARENT", parent), "without the disk cache")
			entries, _ := os.ReadDir(real)
			if len(entries) != 1 {
				t.Errorf("the untrusted directory now holds %d files; want only the planted one", len(entries))
			}
		})
	}
}

// TestFutureDatedSnapshotIsStale: a snapshot dated beyond the clock skew
// allowance would never expire; it is collected again. One a few seconds
// ahead (another process's clock) is served.
func TestFutureDatedSnapshotIsStale(t *testing.T) {
	for _, c := range []struct {
		ahead time.Duration
		want  string
	}{
		{time.Hour, "collection-1"},
		{61 * time.Second, "collection-1"},
		{5 * time.Second, "planted"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "acct.json"), plantedSnapshot(time.Now().Add(c.ahead)), 0o600); err != nil {
			t.Fatal(err)
		}
		w := watch(dir)
		if seen := w.snapshotTwice(t); seen[0] != c.want {
			t.Errorf("snapshot dated %s ahead: read %s, want %s", c.ahead, seen[0], c.want)
		}
	}
}

// ownerOf returns a file's owner uid.
func ownerOf(fi fs.FileInfo) int {
	return int(fi.Sys().(*syscall.Stat_t).Uid)
}
