package snapcache_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapcache"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// newCache is snapcache.New with its warnings discarded.
func newCache(dir, key string, ttl time.Duration, base snapshot.Need, next snapcache.Collector) snapcache.Source {
	return snapcache.New(snapcache.Config{Dir: dir, Key: key, TTL: ttl, Base: base, Warnings: io.Discard}, next)
}

// The identity the collector stands for, and what hand-written cache files hold.
const (
	testAccount = "123456789012"
	testCaller  = "arn:aws:iam::123456789012:user/auditor"
)

// collector stands in for the AWS inventory: it counts collections, may take
// a while, and may fail.
type collector struct {
	calls atomic.Int32
	delay time.Duration
	err   error
	// log, when set, gets one line per collection (counted across processes).
	log string
}

func (c *collector) Identity(context.Context) (string, string, error) {
	return testAccount, testCaller, nil
}

func (c *collector) Snapshot(ctx context.Context, need snapshot.Need) (*snapshot.Account, error) {
	n := c.calls.Add(1)
	if c.log != "" {
		f, err := os.OpenFile(c.log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(f, "collect %d\n", os.Getpid())
		f.Close()
	}
	time.Sleep(c.delay)
	if c.err != nil {
		return nil, c.err
	}
	return &snapshot.Account{
		AccountID: testAccount,
		CallerARN: testCaller,
		Partition: "aws",
		ReadAt:    time.Now().UTC(),
		Regions:   []string{"us-east-1", fmt.Sprintf("collection-%d", n)},
		Loaded:    need.WithDependencies(),
	}, nil
}

// helperEnv makes the test binary act as a separate process that reads the
// cache once (see TestMain).
const helperEnv = "SNAPCACHE_TEST_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		src := newCache(dir, "acct", time.Minute, snapshot.NeedAll, &collector{delay: 300 * time.Millisecond, log: filepath.Join(dir, "calls.log")})
		acct, err := src.Snapshot(context.Background(), snapshot.NeedTrails)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(acct.Regions[1])
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestConcurrentProcessesCollectOnce(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	outs := make([]string, 3)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("helper process: %v: %s", err, out)
			}
			outs[i] = strings.TrimSpace(string(out))
		}()
	}
	wg.Wait()
	log, err := os.ReadFile(filepath.Join(dir, "calls.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(log), "collect"); n != 1 {
		t.Fatalf("3 processes collected %d times, want 1:\n%s", n, log)
	}
	for _, o := range outs {
		if o != "collection-1" {
			t.Errorf("process saw %q, want the one shared collection-1", o)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "acct.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestConcurrentCallersCollectOnce(t *testing.T) {
	dir := t.TempDir()
	next := &collector{delay: 100 * time.Millisecond}
	// Two caches over the same directory, as two plugin processes would have.
	a := newCache(dir, "acct", time.Minute, snapshot.NeedAll, next)
	b := newCache(dir, "acct", time.Minute, snapshot.NeedAll, next)
	var wg sync.WaitGroup
	for _, src := range []snapcache.Source{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := src.Snapshot(context.Background(), snapshot.NeedTrails); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := next.calls.Load(); n != 1 {
		t.Fatalf("4 concurrent callers collected %d times, want 1", n)
	}
}

func TestCollectsNeedAndBaseAndServesSubsets(t *testing.T) {
	next := &collector{}
	base := snapshot.NeedTrails | snapshot.NeedTrailStatus
	src := newCache(t.TempDir(), "acct", time.Minute, base, next)
	first, err := src.Snapshot(context.Background(), snapshot.NeedBucketLogging)
	if err != nil {
		t.Fatal(err)
	}
	if want := (snapshot.NeedBucketLogging | base).WithDependencies(); first.Loaded != want {
		t.Fatalf("collected %b, want what was asked plus the base %b", first.Loaded, want)
	}
	for _, need := range []snapshot.Need{snapshot.NeedTrails, snapshot.NeedRegions, snapshot.NeedTrailStatus | snapshot.NeedBucketLogging} {
		acct, err := src.Snapshot(context.Background(), need)
		if err != nil {
			t.Fatal(err)
		}
		if acct.Regions[1] != "collection-1" {
			t.Errorf("need %b: got %s, want the cached collection-1", need, acct.Regions[1])
		}
	}
	if n := next.calls.Load(); n != 1 {
		t.Fatalf("collected %d times, want 1", n)
	}
}

// extender is a collector that can also add facts to a cached snapshot.
type extender struct {
	collector
	extends atomic.Int32
	asked   snapshot.Need
}

func (e *extender) Extend(_ context.Context, acct *snapshot.Account, need snapshot.Need) (*snapshot.Account, error) {
	e.extends.Add(1)
	e.asked = need
	out, err := acct.Clone()
	if err != nil {
		return nil, err
	}
	out.Loaded |= need.WithDependencies()
	return out, nil
}

// TestMissingFactsAreAddedToTheCachedSnapshot: a later process asking for
// facts the cache lacks extends the cached snapshot (keeping its facts and
// ReadAt) instead of collecting the account again, and stores the result.
func TestMissingFactsAreAddedToTheCachedSnapshot(t *testing.T) {
	dir := t.TempDir()
	base := snapshot.NeedTrails | snapshot.NeedTrailStatus
	first, err := newCache(dir, "acct", time.Minute, base, &collector{}).Snapshot(context.Background(), snapshot.NeedTrails)
	if err != nil {
		t.Fatal(err)
	}
	next := &extender{}
	later := newCache(dir, "acct", time.Minute, base, next)
	acct, err := later.Snapshot(context.Background(), snapshot.NeedTrailTags)
	if err != nil {
		t.Fatal(err)
	}
	if next.calls.Load() != 0 || next.extends.Load() != 1 || !next.asked.Has(snapshot.NeedTrailTags) {
		t.Fatalf("%d collections and %d extensions (asked %b); want the cached snapshot extended once with the tags",
			next.calls.Load(), next.extends.Load(), next.asked)
	}
	if acct.Regions[1] != "collection-1" || !acct.ReadAt.Equal(first.ReadAt) || !acct.Loaded.Has(base|snapshot.NeedTrailTags) {
		t.Errorf("extended snapshot: %v read at %s holding %b; want collection-1 read at %s with the tags", acct.Regions, acct.ReadAt, acct.Loaded, first.ReadAt)
	}
	third := newCache(dir, "acct", time.Minute, base, &extender{})
	again, err := third.Snapshot(context.Background(), snapshot.NeedTrailTags)
	if err != nil || !again.Loaded.Has(snapshot.NeedTrailTags) {
		t.Fatalf("the extended snapshot was not stored: %v, %v", again, err)
	}
}

// TestAgeIsTheSnapshotsNotTheFiles: a snapshot rewritten (extended) late
// still expires a TTL after it was first read.
func TestAgeIsTheSnapshotsNotTheFiles(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * time.Minute).UTC().Format(time.RFC3339Nano)
	if err := os.WriteFile(filepath.Join(dir, "acct.json"),
		[]byte(`{"account_id":"123456789012","caller_arn":"`+testCaller+`","read_at":"`+old+`","regions":["x","old"],"loaded":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	next := &collector{}
	acct, err := newCache(dir, "acct", time.Minute, snapshot.NeedRegions, next).Snapshot(context.Background(), snapshot.NeedRegions)
	if err != nil || acct.Regions[1] != "collection-1" {
		t.Fatalf("got %v, %v; want a new collection: the cached snapshot was read two minutes ago", acct, err)
	}
}

func TestExpiredCollectsAgain(t *testing.T) {
	next := &collector{}
	src := newCache(t.TempDir(), "acct", 100*time.Millisecond, snapshot.NeedAll, next)
	if _, err := src.Snapshot(context.Background(), snapshot.NeedTrails); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	acct, err := src.Snapshot(context.Background(), snapshot.NeedTrails)
	if err != nil {
		t.Fatal(err)
	}
	if n := next.calls.Load(); n != 2 || acct.Regions[1] != "collection-2" {
		t.Fatalf("after expiry: %d collections, got %s; want 2 and collection-2", n, acct.Regions[1])
	}
}

func TestPartialCacheFileIsRecollected(t *testing.T) {
	dir := t.TempDir()
	// A file written by something that read only the regions.
	if err := os.WriteFile(filepath.Join(dir, "acct.json"), []byte(`{"account_id":"123456789012","caller_arn":"`+testCaller+`","read_at":"`+time.Now().UTC().Format(time.RFC3339Nano)+`","regions":["x","partial"],"loaded":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	next := &collector{}
	src := newCache(dir, "acct", time.Minute, snapshot.NeedAll, next)
	acct, err := src.Snapshot(context.Background(), snapshot.NeedRegions)
	if err != nil || acct.Regions[1] != "partial" {
		t.Fatalf("regions only: got %v, %v; want the cached partial file", acct, err)
	}
	acct, err = src.Snapshot(context.Background(), snapshot.NeedTrails)
	if err != nil || acct.Regions[1] != "collection-1" {
		t.Fatalf("trails: got %v, %v; want a new collection", acct, err)
	}
}

func TestCorruptCacheFileIsAMiss(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acct.json"), []byte(`{not json`), 0o600); err != nil {
		t.Fatal(err)
	}
	next := &collector{}
	acct, err := newCache(dir, "acct", time.Minute, snapshot.NeedAll, next).Snapshot(context.Background(), snapshot.NeedTrails)
	if err != nil || acct.Regions[1] != "collection-1" {
		t.Fatalf("got %v, %v; want a fresh collection", acct, err)
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	next := &collector{err: errors.New("no credentials")}
	src := newCache(t.TempDir(), "acct", time.Minute, snapshot.NeedAll, next)
	for range 2 {
		if _, err := src.Snapshot(context.Background(), snapshot.NeedTrails); err == nil || err.Error() != "no credentials" {
			t.Fatalf("got %v, want next's error", err)
		}
	}
	if n := next.calls.Load(); n != 2 {
		t.Fatalf("collected %d times, want 2 (errors must not be cached)", n)
	}
}

func TestZeroTTLDisablesCache(t *testing.T) {
	dir := t.TempDir()
	next := &collector{}
	src := newCache(dir, "acct", 0, snapshot.NeedAll, next)
	for range 2 {
		acct, err := src.Snapshot(context.Background(), snapshot.NeedTrails)
		if err != nil {
			t.Fatal(err)
		}
		if acct.Loaded != snapshot.NeedTrails.WithDependencies() {
			t.Errorf("ttl 0 asked next for %b, want just the need", acct.Loaded)
		}
	}
	if n := next.calls.Load(); n != 2 {
		t.Fatalf("collected %d times, want 2", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "acct.json")); !os.IsNotExist(err) {
		t.Errorf("ttl 0 wrote a cache file (%v)", err)
	}
}

func TestUnusableDirFallsBackToSource(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	next := &collector{}
	acct, err := newCache(file, "acct", time.Minute, snapshot.NeedAll, next).Snapshot(context.Background(), snapshot.NeedTrails)
	if err != nil || acct == nil {
		t.Fatalf("got %v, %v; want next's snapshot", acct, err)
	}
}

func TestUnsafeKeyStaysInDir(t *testing.T) {
	dir := t.TempDir()
	src := newCache(dir, "../../escape/key", time.Minute, snapshot.NeedAll, &collector{})
	if _, err := src.Snapshot(context.Background(), snapshot.NeedTrails); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var json int
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			json++
		}
	}
	if json != 1 {
		t.Fatalf("want the cache file inside dir, found %d json files", json)
	}
}

func TestWaitingCallerHonoursContext(t *testing.T) {
	dir := t.TempDir()
	slow := &collector{delay: 500 * time.Millisecond}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = newCache(dir, "acct", time.Minute, snapshot.NeedAll, slow).Snapshot(context.Background(), snapshot.NeedTrails)
	}()
	defer func() { <-done }()
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := newCache(dir, "acct", time.Minute, snapshot.NeedAll, &collector{}).Snapshot(ctx, snapshot.NeedTrails)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Fatalf("waited %v for the lock after the context ended", d)
	}
}

// orgCollector stands in for an organization audit of two accounts.
type orgCollector struct{ calls atomic.Int32 }

func (c *orgCollector) Identity(context.Context) (string, string, error) {
	return testAccount, testCaller, nil
}

func (c *orgCollector) Snapshot(_ context.Context, need snapshot.Need) (*snapshot.Organization, error) {
	c.calls.Add(1)
	org := &snapshot.Organization{Multi: true, CallerAccountID: testAccount, CallerARN: testCaller,
		ReadAt: time.Now().UTC(), Loaded: need.WithDependencies()}
	for _, id := range []string{"222222222222", testAccount} {
		org.Add(&snapshot.Account{AccountID: id, Partition: "aws", Regions: []string{"us-east-1"},
			Buckets: map[string]*snapshot.Bucket{"bucket-" + id: {Name: "bucket-" + id, Owned: true, OwnedKnown: true}}})
	}
	org.Sort()
	return org, nil
}

func TestCachedOrganizationIsKeptCompressed(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cfg := snapcache.Config{Dir: dir, Key: "org", TTL: time.Hour, Warnings: io.Discard}
	next := &orgCollector{}
	collected, err := snapcache.NewOrganization(cfg, next).Snapshot(t.Context(), snapshot.NeedTrails)
	if err != nil {
		t.Fatal(err)
	}
	// another process: the organization comes from the cache file
	cached, err := snapcache.NewOrganization(cfg, next).Snapshot(t.Context(), snapshot.NeedTrails)
	if err != nil {
		t.Fatal(err)
	}
	if next.calls.Load() != 1 {
		t.Fatalf("%d collections, want 1 (the second from the cache file)", next.calls.Load())
	}
	if left, _ := os.ReadDir(tmp); !cached.Spilled() || len(left) != 0 {
		t.Fatalf("the cached organization is not kept in an unlinked spill file (spilled %v, left %v)", cached.Spilled(), left)
	}
	var got, want []string
	for a := range cached.Each() {
		got = append(got, a.AccountID)
	}
	for a := range collected.Each() {
		want = append(want, a.AccountID)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || cached.BucketOwner("bucket-222222222222") != "222222222222" {
		t.Fatalf("cached accounts %v, want %v; owner of bucket-222222222222 %q", got, want, cached.BucketOwner("bucket-222222222222"))
	}
}
