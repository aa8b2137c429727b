package harness

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// startEnv seeds W1 (changed by opts) into a fresh emulator that is closed
// with the test.
func startEnv(t *testing.T, opts Options) *Env {
	t.Helper()
	isolateAWSEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env, err := Start(ctx, W1, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env
}

// newClient returns a fresh in-process plugin with one connection per
// account of env, extra added to each connection's config; it is closed
// with the test.
func newClient(t *testing.T, env *Env, extra string) *inproc.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, err := inproc.New(ctx, env.Connections(extra))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	return client
}

// startW1 seeds W1 into a fresh emulator and returns it with a fresh
// in-process plugin configured for its account.
func startW1(t *testing.T) (*Env, *inproc.Client) {
	t.Helper()
	env := startEnv(t, Options{})
	return env, newClient(t, env, "")
}

// isolateAWSEnv keeps the host's AWS configuration out of the plugin.
func isolateAWSEnv(t *testing.T) {
	for _, k := range []string{"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// assertCalls fails unless the emulator's request log holds exactly want.
func assertCalls(t *testing.T, env *Env, what string, want map[string]int) {
	t.Helper()
	got := env.Server.CallCounts()
	if !maps.Equal(got, want) {
		d := bound.Diff(got, want)
		for _, a := range slices.Sorted(maps.Keys(d)) {
			t.Errorf("%s: %s called %d times, least is %d", what, a, d[a][0], d[a][1])
		}
	}
}

// query selects columns from table; nil columns are every column, but for
// the finding table those a run of the rules reads (FindingColumns).
func query(t *testing.T, c *inproc.Client, table string, columns []string) []inproc.Row {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if table == FindingTable && columns == nil {
		var err error
		if columns, err = FindingColumns(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := c.Query(ctx, "acct01", table, columns, nil)
	if err != nil {
		t.Fatalf("select from %s: %v", table, err)
	}
	return rows
}

func TestRulesNeedIsWhatTheRulesDeclare(t *testing.T) {
	if got := rules.NeedsOf(); got != bound.RulesNeed {
		t.Fatalf("the rules read facts %b, the bound assumes %b", got, bound.RulesNeed)
	}
}

func TestW1FindingTableMakesExactlyTheLeastCalls(t *testing.T) {
	env, client := startW1(t)
	want := env.Bound(bound.RulesNeed)
	if bound.Total(want) != 59 {
		t.Fatalf("W1's least calls = %d (%v); the workload changed shape", bound.Total(want), want)
	}

	rows := query(t, client, FindingTable, nil)
	assertCalls(t, env, "select * from cloudtrailcc_finding", want)
	ruleIDs := map[string]bool{}
	for _, r := range rows {
		id, _ := r["rule_id"].(string)
		ruleIDs[id] = true
		if r["status"] == "error" {
			t.Errorf("fault-free run: %s on %v is error: %v", id, r["resource"], r["reason"])
		}
	}
	if len(ruleIDs) != len(rules.Catalogue()) {
		t.Errorf("findings cover %d rules, want %d", len(ruleIDs), len(rules.Catalogue()))
	}

	env.Server.ResetCalls()
	query(t, client, FindingTable, nil)
	assertCalls(t, env, "second run within the cache TTL", map[string]int{})
}

func TestEveryTableWithinTheTTLStillMakesTheLeastCalls(t *testing.T) {
	env, client := startW1(t)
	schema, err := client.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Every table but the log integrity one: it reads the log and digest
	// objects of its time window (each once, asserted by the logintegrity
	// tests), facts of another kind than the rules' bound.
	tables := slices.DeleteFunc(slices.Sorted(maps.Keys(schema)), func(t string) bool { return t == "cloudtrailcc_log_integrity" })
	// every column but the tags, which no rule reads (ListTags, GetBucketTagging)
	columns := func(table string) []string {
		var cols []string
		for _, c := range schema[table] {
			if c.Name == "tags" || c.Name == "tags_src" || c.Name == "tags_error" {
				continue
			}
			cols = append(cols, c.Name)
		}
		return cols
	}
	// Insight selectors are not seeded: the trail table's insight columns cost no call.
	want := env.Bound(bound.RulesNeed | snapshot.NeedInsightSelectors)
	for round := 0; round < 3; round++ {
		for _, table := range append(tables, FindingTable) {
			query(t, client, table, columns(table))
		}
		query(t, client, FindingTable, []string{"rule_id", "status"})
		assertCalls(t, env, "every table, three times", want)
	}

	// the trail tags add ListTags, and nothing else; the bucket tags then
	// add GetBucketTagging
	query(t, client, "cloudtrailcc_trail", []string{"arn", "tags"})
	assertCalls(t, env, "trail tags", env.Bound(snapshot.NeedAll&^snapshot.NeedBucketTags))
	if env.Bound(snapshot.NeedAll)[bound.ListTags] == 0 || env.Bound(snapshot.NeedAll)[bound.GetBucketTagging] == 0 {
		t.Fatal("the bound of every fact has no ListTags or GetBucketTagging call")
	}
	query(t, client, "cloudtrailcc_trail_bucket", []string{"name", "tags"})
	assertCalls(t, env, "trail and bucket tags", env.Bound(snapshot.NeedAll))
}

func TestSecondProcessWithinTheTTLReadsTheDiskCache(t *testing.T) {
	env := startEnv(t, Options{})
	// Each client is a fresh plugin, as each `cloudtrailcc check` (or each
	// file_fdw scan of the Postgres bridge) is a fresh process; they share
	// only the cache directory. The first collects every fact the rules read:
	// the least calls; the second reads the disk cache; the third asks for the
	// trail tags too, which only the ListTags calls add to the cached snapshot.
	// Each process reads the caller identity, the one call a cached snapshot
	// costs: it is served only to the account it describes.
	conns := env.Connections(fmt.Sprintf("cache_dir = %q\n", t.TempDir()))
	tags := map[string]int{}
	for action, n := range env.Bound(snapshot.NeedAll &^ snapshot.NeedBucketTags) {
		if d := n - env.Bound(bound.RulesNeed)[action]; d > 0 {
			tags[action] = d
		}
	}
	if tags[bound.ListTags] == 0 {
		t.Fatalf("the trail tags cost no call beyond the rules' facts (%v); the third run proves nothing", tags)
	}
	identity := map[string]int{bound.GetCallerIdentity: 1}
	tags[bound.GetCallerIdentity] = 1
	for run, step := range []struct {
		table   string
		columns []string
		want    map[string]int
	}{
		{FindingTable, nil, env.Bound(bound.RulesNeed)},
		{FindingTable, nil, identity},
		{"cloudtrailcc_trail", []string{"arn", "tags", "is_logging"}, tags},
		{"cloudtrailcc_trail", []string{"arn", "tags"}, identity},
	} {
		client, err := inproc.New(t.Context(), conns)
		if err != nil {
			t.Fatal(err)
		}
		env.Server.ResetCalls()
		rows := query(t, client, step.table, step.columns)
		client.Close()
		assertCalls(t, env, fmt.Sprintf("process %d (%s)", run+1, step.table), step.want)
		if len(rows) == 0 {
			t.Fatalf("process %d: no rows", run+1)
		}
	}
}

func TestLookupEventsPagesAreCountedAndPaced(t *testing.T) {
	// 120 events in one region: three pages of at most 50
	env := startEnv(t, Options{History: map[string]int{"eu-west-1": 120}})
	if p := env.Accounts[0].Bound.LookupPages["eu-west-1"]; p != 3 {
		t.Fatalf("eu-west-1 has %d LookupEvents pages, want 3", p)
	}
	client := newClient(t, env, "")
	start := time.Now()
	query(t, client, FindingTable, nil)
	took := time.Since(start)
	want := env.Bound(bound.RulesNeed)
	if want[bound.LookupEvents] != 19 {
		t.Fatalf("least LookupEvents calls = %d, want 16 regions x 1 + 3", want[bound.LookupEvents])
	}
	// exact counts: no page read twice, and no throttled retry (the
	// emulator throttles beyond 2 requests a second per region)
	assertCalls(t, env, "three pages in eu-west-1", want)
	var pages []time.Time
	for _, c := range env.Server.Calls() {
		if c.Action == bound.LookupEvents && c.Region == "eu-west-1" {
			pages = append(pages, c.Time)
		}
	}
	slices.SortFunc(pages, func(a, b time.Time) int { return a.Compare(b) })
	// The pace is a token bucket of burst 1 per account and region, taken by
	// every attempt: the k-th request can go no earlier than k intervals
	// after the first, which went after start. A busy machine only delays
	// requests, so this bound holds however the gaps between them vary.
	for k, p := range pages {
		if earliest := start.Add(time.Duration(k) * bound.LookupEventsInterval); p.Before(earliest) {
			t.Errorf("LookupEvents page %d in eu-west-1 arrived %s after the run started, before the %s that 2 requests a second allow",
				k+1, p.Sub(start), earliest.Sub(start))
		}
	}
	if cp := env.Graph(bound.RulesNeed).CriticalPath(0, bound.LookupEventsInterval); took < cp.Duration {
		t.Errorf("the run took %s, less than the pacing allows (%s)", took, cp.Duration)
	}
}

func TestUnlistedBucketsCostOneCallEach(t *testing.T) {
	// W1 plus a trail delivering to another account's bucket
	withForeign := func(ctx context.Context, target seed.Target, spec Spec) (*seed.Account, error) {
		w, err := seed.Workload(ctx, target, spec.Trails, spec.Buckets, spec.Topics)
		if err != nil {
			return nil, err
		}
		b := seed.NewBuilder(ctx, target, "foreign")
		bucket := b.ForeignBucket("elsewhere", "210987654321", "eu-west-1")
		tr := b.Trail(seed.TrailSpec{Role: "elsewhere", Region: "eu-west-1", Bucket: bucket, Logging: true})
		if err := b.Err(); err != nil {
			return nil, err
		}
		w.Trails = append(w.Trails, tr)
		return w, nil
	}
	env := startEnv(t, Options{Seed: withForeign})
	if u := env.Accounts[0].Bound.UnlistedBuckets; len(u) != 1 {
		t.Fatalf("unlisted buckets = %v, want the foreign one", u)
	}
	client := newClient(t, env, "")
	rows := query(t, client, FindingTable, []string{"rule_id", "status", "resource", "reason"})
	want := env.Bound(bound.RulesNeed)
	if want[bound.GetBucketLocation] != 3 || want[bound.GetBucketAcl] != 2 {
		t.Fatalf("bound: %d GetBucketLocation, %d GetBucketAcl; want 3 and 2", want[bound.GetBucketLocation], want[bound.GetBucketAcl])
	}
	assertCalls(t, env, "a foreign trail bucket", want)
	skipped := 0
	for _, r := range rows {
		if r["resource"] == "arn:aws:s3:::"+env.Accounts[0].Bound.UnlistedBuckets[0] {
			if r["status"] != "skip" {
				t.Errorf("%v on the foreign bucket: %v %v", r["rule_id"], r["status"], r["reason"])
			}
			skipped++
		}
	}
	if skipped != 3 {
		t.Errorf("%d findings on the foreign bucket, want a skip from each of the 3 bucket rules", skipped)
	}
}

// TestConnectionConcurrencyOptionsBoundCallsInFlight: max_concurrency and
// max_s3_concurrency, set in the connection config, bound the calls in
// flight per service and region, as the emulator's request log shows.
func TestConnectionConcurrencyOptionsBoundCallsInFlight(t *testing.T) {
	env := startEnv(t, Options{})
	client := newClient(t, env, "max_concurrency = 1\nmax_s3_concurrency = 2\n")
	const latency = 30 * time.Millisecond
	env.Server.SetLatency(latency)
	env.Server.ResetCalls()
	query(t, client, FindingTable, nil)
	starts := map[string][]time.Time{}
	for _, c := range env.Server.Calls() {
		service, _, _ := strings.Cut(c.Action, ":")
		if c.Action == bound.GetAccountPublicAccess {
			service = "s3control"
		}
		starts[service+" "+c.Region] = append(starts[service+" "+c.Region], c.Time)
	}
	s3Checked := false
	for key, ts := range starts {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		limit := 1
		if strings.HasPrefix(key, "s3 ") {
			limit = 2
			s3Checked = s3Checked || len(ts) > limit
		}
		// with at most limit in flight, call i+limit starts only after call i has been answered
		for i := 0; i+limit < len(ts); i++ {
			if gap := ts[i+limit].Sub(ts[i]); gap < latency-5*time.Millisecond {
				t.Errorf("%s: calls %d and %d started %s apart; with %d in flight and %s latency they cannot overlap",
					key, i, i+limit, gap, limit, latency)
			}
		}
	}
	if !s3Checked {
		t.Fatal("no S3 region had more calls than the bound; the test proves nothing")
	}
}
