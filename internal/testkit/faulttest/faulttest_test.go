package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/harness"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

// retries is how many times a call may be retried: the connection's
// max_error_retry_attempts counts the first attempt too, so no call may be
// attempted more than 1+retries times.
const retries = 3

// connConfig keeps retries few and their backoff short.
var connConfig = fmt.Sprintf("max_error_retry_attempts = %d\nmin_error_retry_delay = 1\n", 1+retries)

var (
	env      *harness.Env
	rec      *Recorder
	baseline []finding
)

// TestMain seeds W1 (17 regions, 3 trails, 2 buckets, 1 topic) once and
// reads the fault-free findings every scenario is compared with.
func TestMain(m *testing.M) {
	for _, k := range []string{"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		os.Unsetenv(k)
	}
	os.Setenv("AWS_CONFIG_FILE", "/dev/null")
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest:", err)
		code = 1
	} else {
		code = m.Run()
	}
	if env != nil {
		env.Close()
	}
	os.Exit(code)
}

func setup() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	env, err = harness.Start(ctx, harness.W1, harness.Options{Wrap: func(h http.Handler) http.Handler {
		rec = NewRecorder(h)
		return rec
	}})
	if err != nil {
		return 1, err
	}
	rows, err := run(ctx)
	if err != nil {
		return 1, fmt.Errorf("fault-free run: %w", err)
	}
	baseline = rows
	for _, f := range baseline {
		if f.Status == "error" {
			return 1, fmt.Errorf("fault-free run has an error finding: %s %s: %s", f.RuleID, f.Resource, f.Reason)
		}
	}
	return 0, nil
}

// run queries every finding through a fresh plugin (empty caches).
func run(ctx context.Context) ([]finding, error) {
	c, err := inproc.New(ctx, env.Connections(connConfig))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	columns, err := harness.FindingColumns(ctx, c)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, env.Accounts[0].Connection, harness.FindingTable, columns, nil)
	if err != nil {
		return nil, err
	}
	out := make([]finding, len(rows))
	for i, r := range rows {
		out[i] = findingOf(r)
	}
	return out, nil
}

// scenario injects faults, runs the plugin within limit, and checks the
// outcome; it returns the findings and the recorded calls for more checks.
func scenario(t *testing.T, limit time.Duration, faults ...awsemu.Fault) ([]finding, [][]Attempt) {
	t.Helper()
	env.Server.ClearFaults()
	for _, f := range faults {
		env.Server.AddFault(f)
	}
	t.Cleanup(env.Server.ClearFaults)
	rec.Reset()
	env.Server.ResetCalls()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start := time.Now()
	got, err := run(ctx)
	if err != nil {
		t.Fatalf("the run did not complete within %s: %v", limit, err)
	}
	t.Logf("run took %s", time.Since(start).Round(time.Millisecond))
	calls := rec.Calls()
	checkRetryBound(t, calls)
	failed := failedCalls(calls)
	t.Logf("facts left unread: %v", slices.Sorted(maps.Keys(failed)))
	compare(t, baseline, got, failed)
	return got, calls
}

// checkRetryBound fails when a call was attempted more than 1+retries times.
func checkRetryBound(t *testing.T, calls [][]Attempt) {
	t.Helper()
	retried := 0
	for _, as := range calls {
		if len(as) > 1+retries {
			t.Errorf("%s in %s attempted %d times; max_error_retry_attempts = %d allows no more", as[0].Action, as[0].Region, len(as), 1+retries)
		}
		if len(as) > 1 {
			retried++
		}
	}
	t.Logf("%d calls, %d of them retried", len(calls), retried)
}

// failedCalls returns the calls whose last attempt failed (see
// Attempt.Unread): their facts were not read. Each is "action code" (code empty for a call that got no
// answer).
func failedCalls(calls [][]Attempt) map[string]bool {
	out := map[string]bool{}
	for _, as := range calls {
		if last := as[len(as)-1]; last.Unread() {
			out[last.Action+" "+last.Code] = true
		}
	}
	return out
}

// errorReason matches an error finding's "ACTION failed with CODE", or
// "ACTION failed: MESSAGE" for a call with no answer (no code).
var errorReason = regexp.MustCompile(`([a-z0-9]+:[A-Za-z]+) failed(?: with ([A-Za-z0-9.]+)|: )`)

// compare checks the findings of a faulted run against the fault-free
// ones (base): a finding that differs must be an error naming a call that failed
// and its code, or keep its verdict and reason with only evidence of an
// unread fact missing; a fault-free finding that is gone must have been
// replaced by an error of the same rule on the same resource or region,
// or its trail's listing failed.
//
// When DescribeTrails failed in a region, the trails homed there are not
// known: their findings are gone (the region's error findings say why) and
// a bucket's "trails" evidence lists only the trails that were listed. The
// same holds for the regions left unsearched when DescribeRegions failed.
func compare(t *testing.T, base, got []finding, failed map[string]bool) {
	t.Helper()
	listingFailed := false
	for call := range failed {
		listingFailed = listingFailed || strings.HasPrefix(call, bound.DescribeTrails+" ") || strings.HasPrefix(call, bound.DescribeRegions+" ")
	}
	key := finding.key
	if listingFailed {
		key = finding.looseKey
	}
	want := map[string]int{}
	for _, f := range base {
		want[key(f)]++
	}
	errorsOn := map[string]bool{}
	named := map[string]bool{}
	for _, f := range got {
		if want[key(f)] > 0 {
			want[key(f)]--
			continue
		}
		if f.Status != "error" {
			if b, ok := lostDetailOnly(base, f, want, key); ok {
				want[key(b)]--
				t.Logf("%s on %s: same verdict and reason, evidence lost what was not read: %s (fault-free: %s)", f.RuleID, f.Resource, f.Evidence, b.Evidence)
				continue
			}
			t.Errorf("%s on %s changed without a read error: %s %q %s (fault-free: %s)", f.RuleID, f.Resource, f.Status, f.Reason, f.Evidence, fromBaseline(base, f.RuleID, f.Resource))
			continue
		}
		m := errorReason.FindStringSubmatch(f.Reason)
		if m == nil {
			t.Errorf("%s on %s: error reason names no action and code: %q", f.RuleID, f.Resource, f.Reason)
			continue
		}
		if !failed[m[1]+" "+m[2]] {
			t.Errorf("%s on %s: error names %s %s, which did not fail (failed: %v)", f.RuleID, f.Resource, m[1], m[2], slices.Sorted(maps.Keys(failed)))
		}
		named[m[1]] = true
		errorsOn[f.RuleID+" "+f.Resource] = true
		errorsOn[f.RuleID+" region "+f.Region] = true
	}
	for k, n := range want {
		if n == 0 {
			continue
		}
		f := baselineByKey(base, key, k)
		replaced := errorsOn[f.RuleID+" "+f.Resource] || errorsOn[f.RuleID+" region "+f.Region]
		if !replaced && !listingFailed {
			t.Errorf("%s on %s (%s) is missing and no error replaces it", f.RuleID, f.Resource, f.Status)
		}
	}
	// A failed call no error names had a finding decide without it (an
	// ownership control is moot when no ACL grant is public) or name an
	// earlier cause (unknown bucket ownership): the checks above hold.
	for call := range failed {
		if action, _, _ := strings.Cut(call, " "); !named[action] {
			t.Logf("%s failed; no finding needed it or another cause was named first", call)
		}
	}
}

// lostDetailOnly finds the unmatched fault-free finding (of base) that f equals but
// for evidence fields missing from f (a fact the verdict did not depend on
// was not read): same rule, resource, region, status and reason, and
// evidence that is a subset of the fault-free one.
func lostDetailOnly(base []finding, f finding, unmatched map[string]int, key func(finding) string) (finding, bool) {
	for _, b := range base {
		if unmatched[key(b)] == 0 || b.RuleID != f.RuleID || b.Resource != f.Resource || b.Region != f.Region ||
			b.Status != f.Status || b.Reason != f.Reason {
			continue
		}
		var fe, be any
		if json.Unmarshal([]byte(f.Evidence), &fe) == nil && json.Unmarshal([]byte(b.Evidence), &be) == nil && subset(fe, be) {
			return b, true
		}
	}
	return finding{}, false
}

// subset reports whether a equals b but for object keys missing from a.
func subset(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !subset(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !subset(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// fromBaseline describes the fault-free findings (base) of rule on resource.
func fromBaseline(base []finding, rule, resource string) string {
	var out []string
	for _, f := range base {
		if f.RuleID == rule && f.Resource == resource {
			out = append(out, fmt.Sprintf("%s %q %s", f.Status, f.Reason, f.Evidence))
		}
	}
	return strings.Join(out, "; ")
}

func baselineByKey(base []finding, key func(finding) string, k string) finding {
	for _, f := range base {
		if key(f) == k {
			return f
		}
	}
	return finding{}
}

// finding is one row of cloudtrailcc_finding, with the parts that change
// from run to run (times, ages) normalised.
type finding struct {
	RuleID, Resource, Region, Status, Reason, Evidence string
	// Account is the audited account the finding is about.
	Account string
	// EvidenceNoTrails is Evidence without its "trails" list.
	EvidenceNoTrails string
}

func (f finding) key() string {
	return strings.Join([]string{f.RuleID, f.Resource, f.Region, f.Status, f.Reason, f.Evidence}, "|")
}

// looseKey is key without the evidence's "trails" list.
func (f finding) looseKey() string {
	return strings.Join([]string{f.RuleID, f.Resource, f.Region, f.Status, f.Reason, f.EvidenceNoTrails}, "|")
}

var (
	timestamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`)
	age       = regexp.MustCompile(`\b\d+(\.\d+)?\s?(ns|µs|ms|s|m|h|d|seconds?|minutes?|hours?|days?)\b`)
)

func normalise(s string) string {
	return age.ReplaceAllString(timestamp.ReplaceAllString(s, "<time>"), "<age>")
}

func findingOf(r inproc.Row) finding {
	str := func(k string) string { s, _ := r[k].(string); return s }
	ev, _ := r["evidence"].(map[string]any)
	// A failed ListBuckets is recorded beside the bucket facts it leaves unchecked.
	delete(ev, "own_buckets_error")
	b, _ := json.Marshal(ev)
	delete(ev, "trails")
	loose, _ := json.Marshal(ev)
	return finding{RuleID: str("rule_id"), Resource: str("resource"), Region: str("region"), Status: str("status"), Account: str("account_id"),
		Reason: normalise(str("reason")), Evidence: normalise(string(b)), EvidenceNoTrails: normalise(string(loose))}
}

func TestThrottlingStorm(t *testing.T) {
	scenario(t, 45*time.Second,
		// Without the caller's identity nothing can be evaluated (a setup
		// error by design): the storm spares it. A DescribeRegions that
		// stays throttled leaves regions unsearched (TestRegionListThrottled).
		awsemu.Fault{Action: bound.GetCallerIdentity},
		awsemu.Fault{Action: "*", ErrorCode: "ThrottlingException", Probability: 0.5})
}

func TestRegionListThrottled(t *testing.T) {
	got, _ := scenario(t, 30*time.Second, awsemu.Fault{Action: bound.DescribeRegions, ErrorCode: "Throttling"})
	if !slices.ContainsFunc(got, func(f finding) bool {
		return f.Status == "error" && strings.Contains(f.Reason, bound.DescribeRegions+" failed with RequestLimitExceeded")
	}) {
		t.Error("no error finding names ec2:DescribeRegions and its throttling code")
	}
	for _, f := range got {
		if f.RuleID == "config_changes" && f.Status == "ok" {
			t.Errorf("config_changes is ok (%q) though the enabled regions could not be read", f.Reason)
		}
	}
	// Only the default region is searched: the trails homed elsewhere are
	// not listed, and every rule that lists trails or their buckets says so
	// with an error naming ec2:DescribeRegions.
	for _, r := range rules.Catalogue() {
		if r.Scope != rules.ScopeTrail && r.Scope != rules.ScopeBucket {
			continue
		}
		rule := r.ID
		if !slices.ContainsFunc(got, func(f finding) bool {
			return f.RuleID == rule && f.Status == "error" && strings.Contains(f.Reason, "trails homed in regions other than us-east-1 were not listed") &&
				strings.Contains(f.Reason, bound.DescribeRegions+" failed with RequestLimitExceeded")
		}) {
			t.Errorf("%s: no error says which regions were not searched for trails", rule)
		}
	}
	// Nothing on a trail that was listed changes.
	checked := 0
	for _, b := range baseline {
		if !strings.Contains(b.Resource, ":trail/") || !strings.Contains(b.Resource, ":us-east-1:") {
			continue
		}
		checked++
		if !slices.ContainsFunc(got, func(f finding) bool { return f.key() == b.key() }) {
			t.Errorf("%s on %s changed though its trail was listed: fault-free %s %q", b.RuleID, b.Resource, b.Status, b.Reason)
		}
	}
	if checked == 0 {
		t.Error("the fault-free run has no finding on a trail homed in us-east-1; the check above proves nothing")
	}
	t.Logf("%d findings; the fault-free run has %d", len(got), len(baseline))
}

func TestServerErrorBursts(t *testing.T) {
	got, _ := scenario(t, 30*time.Second,
		// a burst at the start, shorter than the retries: absorbed
		awsemu.Fault{Action: "*", ErrorCode: "InternalError", Remaining: retries},
		// a persistent 503 on one region's trail status and a 500 on every bucket's versioning
		awsemu.Fault{Action: bound.GetTrailStatus, Region: env.Accounts[0].Bound.Trails[1].HomeRegion,
			ErrorCode: "ServiceUnavailableException", HTTPStatus: 503},
		awsemu.Fault{Action: bound.GetBucketVersioning, ErrorCode: "InternalError"})
	mfa := 0
	for _, f := range got {
		if f.RuleID == "bucket_mfa_delete" {
			mfa++
			if f.Status != "error" || !strings.Contains(f.Reason, "s3:GetBucketVersioning failed with InternalError") {
				t.Errorf("bucket_mfa_delete on %s: %s %q, want error naming s3:GetBucketVersioning and InternalError", f.Resource, f.Status, f.Reason)
			}
		}
	}
	if mfa != 2 {
		t.Errorf("%d bucket_mfa_delete findings, want one per bucket (2)", mfa)
	}
	trail := env.Accounts[0].Bound.Trails[1].ARN
	if !slices.ContainsFunc(got, func(f finding) bool {
		return f.Resource == trail && f.Status == "error" && strings.Contains(f.Reason, "cloudtrail:GetTrailStatus failed with ServiceUnavailableException")
	}) {
		t.Errorf("no error finding on %s names cloudtrail:GetTrailStatus and ServiceUnavailableException", trail)
	}
}

func TestSlowCalls(t *testing.T) {
	start := time.Now()
	got, _ := scenario(t, 30*time.Second, awsemu.Fault{Action: bound.GetEventSelectors, Latency: 2 * time.Second})
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("the run took %s: the 2 s calls were not waited for", d)
	}
	if len(got) != len(baseline) {
		t.Errorf("%d findings, fault-free run had %d", len(got), len(baseline))
	}
	// slow is not failed: no retry, no call repeated
	if c, want := env.Server.CallCounts(), env.Bound(bound.RulesNeed); !maps.Equal(c, want) {
		t.Errorf("slow calls changed the calls made (action: [got least]): %v", bound.Diff(c, want))
	}
}

func TestRegionTimingOut(t *testing.T) {
	// Every call to one region answers only after a minute: a per-call
	// timeout must give up on it and report that region's facts as errors.
	region := "eu-west-1"
	saved := connConfig
	connConfig += "call_timeout = 1\n" // seconds
	t.Cleanup(func() { connConfig = saved })
	got, calls := scenario(t, 40*time.Second, awsemu.Fault{Action: "*", Region: region, Latency: time.Minute})
	if !slices.ContainsFunc(got, func(f finding) bool {
		return f.Region == region && f.Status == "error" && strings.Contains(f.Reason, "no answer within <age> (call_timeout)")
	}) {
		t.Errorf("no error finding in %s says its calls got no answer within call_timeout", region)
	}
	// A call that timed out is not retried: retrying a region that does
	// not answer would hold the run for every retry.
	for _, as := range calls {
		if as[0].Region == region && len(as) > 1 {
			t.Errorf("%s in %s attempted %d times after timing out", as[0].Action, region, len(as))
		}
	}
}
