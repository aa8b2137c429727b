package scenario

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// emulatorRegions are the regions the in-process emulator enables: few, so
// every per-region read stays cheap, and enough for multi-region cases.
var emulatorRegions = []string{"eu-west-1", "us-east-1", "us-west-2"}

// allRules are the fourteen rule ids, in catalogue order.
var allRules = []string{
	"bucket_access_logging", "bucket_mfa_delete", "bucket_not_public", "config_changes", "multi_region",
	"global_services", "cloudwatch_integration", "log_file_validation", "kms_encryption", "data_events",
	"delivery_failing", "duplicate_global_events", "management_events", "sns_topic_exists",
}

// env is one test's AWS-compatible endpoint and the account seeded into it.
type env struct {
	t        *testing.T
	ctx      context.Context
	emu      *awsemu.Server // nil when the endpoint is external
	target   seed.Target
	regions  []string // the connection's regions
	external bool
	// moto is set when the endpoint is moto (motoURL): differences from the
	// emulator are allowed only where motoGaps lists them.
	moto bool
	// sessionToken goes with the keys when they are temporary (moto's accounts).
	sessionToken string
	// accountID is the account seeded into (known when the emulator serves it).
	accountID string
}

// newEnv gives the test its own endpoint: a fresh in-process emulator, or the
// external endpoint of AWS_ENDPOINT_URL (with a fresh account when its control
// endpoint is available).
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, awsemu.Options{Regions: emulatorRegions})
}

// newEnvWith is newEnv with the in-process emulator's options (ignored for an external endpoint).
func newEnvWith(t *testing.T, opts awsemu.Options) *env {
	t.Helper()
	t.Parallel()
	e := &env{t: t, ctx: t.Context(), regions: []string{"*"}}
	t.Cleanup(func() { tally.finish(t.Name(), t.Failed(), t.Skipped()) })
	if motoURL != "" {
		e.external, e.moto, e.regions = true, true, emulatorRegions
		e.skipIfMotoGap()
		e.motoAccount()
		return e
	}
	if url := os.Getenv("AWS_ENDPOINT_URL"); url != "" {
		e.external = true
		e.target = seed.Target{EndpointURL: url, AccessKey: os.Getenv("AWS_ACCESS_KEY_ID"),
			SecretKey: os.Getenv("AWS_SECRET_ACCESS_KEY"), Region: os.Getenv("AWS_REGION")}
		e.regions = emulatorRegions
		if r := os.Getenv("CLOUDTRAILCC_SCENARIO_REGIONS"); r != "" {
			e.regions = strings.Split(r, ",")
		}
		if os.Getenv("CLOUDTRAILCC_SCENARIO_CONTROL") == "1" {
			e.target.Control = emuclient.New(url)
			e.freshAccount()
		}
		return e
	}
	e.emu = awsemu.New(opts)
	base, err := e.emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = e.emu.Close() })
	e.target = seed.Target{EndpointURL: base, AccessKey: "test", SecretKey: "test", Region: "us-east-1",
		Control: emuclient.New(base)}
	e.accountID = "123456789012" // the emulator's default account for key "test"
	return e
}

// freshAccount gives the test its own account on a shared emulator.
func (e *env) freshAccount() {
	e.t.Helper()
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		e.t.Fatal(err)
	}
	n, err := rand.Int(rand.Reader, big.NewInt(899_999_999_999))
	if err != nil {
		e.t.Fatal(err)
	}
	key, secret, id := "AKIASCEN"+strings.ToUpper(hex.EncodeToString(raw[:4])), hex.EncodeToString(raw[:]), fmt.Sprint(100_000_000_000+n.Int64())
	if err := e.target.Control.AddAccount(e.ctx, key, secret, id); err != nil {
		e.t.Fatalf("add account through the control endpoint: %v", err)
	}
	e.target.AccessKey, e.target.SecretKey, e.accountID = key, secret, id
}

// evaluatedRegions are the regions the connection evaluates.
func (e *env) evaluatedRegions() []string {
	if len(e.regions) == 1 && e.regions[0] == "*" {
		return emulatorRegions
	}
	return e.regions
}

// needControl skips the test when the endpoint has no control endpoint.
func (e *env) needControl() {
	e.t.Helper()
	if e.moto {
		e.t.Fatalf("needs state only AWS sets (the emulator's control endpoint) and no entry of motoGaps excuses %s on moto", e.t.Name())
	}
	if e.target.Control == nil {
		e.t.Skip("needs the emulator's control endpoint to set state only AWS sets; " +
			"run against the emulator (default) or set CLOUDTRAILCC_SCENARIO_CONTROL=1 for a cmd/awsemu endpoint")
	}
}

// deny makes the emulator answer action, called by the test's account (in
// region, or in every region when none is given), with the service's
// access-denied error code. It needs the control endpoint.
func (e *env) deny(action string, region ...string) {
	e.t.Helper()
	e.needControl()
	f := awsemu.Fault{Action: action, ErrorCode: deniedCode(action), AccountID: e.accountID}
	if len(region) > 0 {
		f.Region = region[0]
	}
	if err := e.target.Control.AddFault(e.ctx, f); err != nil {
		e.t.Fatalf("deny %s: %v", action, err)
	}
}

// exclusive skips a test asserting on account-wide results when the external
// account may hold resources the suite did not seed.
func (e *env) exclusive() {
	e.t.Helper()
	if e.external && !e.moto && e.target.Control == nil && os.Getenv("CLOUDTRAILCC_SCENARIO_EXCLUSIVE") != "1" {
		e.t.Skip("asserts on account-wide results; set CLOUDTRAILCC_SCENARIO_EXCLUSIVE=1 when the account holds only what the suite seeds")
	}
}

// seed runs a seed scenario (seed.Clean, seed.Bad, ...) and fails the test on error.
func (e *env) seed(scenario func(context.Context, seed.Target) (*seed.Account, error)) *seed.Account {
	e.t.Helper()
	acct, err := scenario(e.ctx, e.target)
	e.cleanup(acct)
	if err != nil {
		e.t.Fatalf("seed: %v", err)
	}
	return acct
}

// cleanup deletes what was seeded when the test ends, on an external account
// shared between tests (the emulator and control-endpoint accounts are per test).
func (e *env) cleanup(acct *seed.Account) {
	if !e.external || e.moto || e.target.Control != nil || acct == nil {
		return
	}
	e.t.Cleanup(func() {
		if err := seed.Destroy(context.Background(), e.target, acct); err != nil {
			e.t.Logf("cleaning up the seeded resources: %v", err)
		}
	})
}

// build seeds a custom scenario of kind with steps and fails the test on error.
func (e *env) build(kind string, steps func(b *seed.Builder)) *seed.Account {
	e.t.Helper()
	b := seed.NewBuilder(e.ctx, e.target, kind)
	steps(b)
	acct, err := b.Account()
	e.cleanup(acct)
	if err != nil {
		e.t.Fatalf("seed: %v", err)
	}
	return acct
}

// connection returns the HCL body of the test's connection plus extra lines.
func (e *env) connection(extra ...string) string {
	quoted := make([]string, len(e.regions))
	for i, r := range e.regions {
		quoted[i] = fmt.Sprintf("%q", r)
	}
	if e.sessionToken != "" {
		extra = append([]string{fmt.Sprintf("session_token = %q", e.sessionToken)}, extra...)
	}
	if e.moto {
		// moto answers LookupEvents with HTTP 500 (motoGaps): one retry
		// instead of ten keeps the run short and still exercises retrying.
		extra = append([]string{"max_error_retry_attempts = 2"}, extra...)
	}
	return fmt.Sprintf("endpoint_url = %q\naccess_key = %q\nsecret_key = %q\nregions = [%s]\n%s\n",
		e.target.EndpointURL, e.target.AccessKey, e.target.SecretKey, strings.Join(quoted, ", "), strings.Join(extra, "\n"))
}

// findings runs the plugin in-process on a fresh connection (no cache shared
// with earlier queries) and returns every row of cloudtrailcc_finding.
// extra are connection options, e.g. `config_change_lookback = "1h"`.
func (e *env) findings(extra ...string) findings {
	e.t.Helper()
	fs, err := e.query(extra...)
	if err != nil {
		e.t.Fatal(err)
	}
	return fs
}

// query is findings returning the error instead of failing the test.
func (e *env) query(extra ...string) (findings, error) {
	c, err := inproc.New(e.ctx, []inproc.Connection{{Name: "scenario", Config: e.connection(extra...)}})
	if err != nil {
		return nil, fmt.Errorf("start plugin in-process: %w", err)
	}
	defer c.Close()
	rows, err := c.Query(e.ctx, "scenario", "cloudtrailcc_finding",
		[]string{"rule_id", "status", "reason", "resource", "account_id", "region", "evidence"}, nil)
	if err != nil {
		return nil, fmt.Errorf("query cloudtrailcc_finding: %w", err)
	}
	out := make(findings, 0, len(rows))
	for _, r := range rows {
		out = append(out, findingOf(r))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].RuleID != out[j].RuleID {
			return out[i].RuleID < out[j].RuleID
		}
		return out[i].Resource < out[j].Resource
	})
	return out, nil
}

// finding is one row of cloudtrailcc_finding.
type finding struct {
	RuleID, Status, Reason, Resource, AccountID, Region string
	Evidence                                            map[string]any
}

// String renders a finding for failure messages.
func (f finding) String() string {
	return fmt.Sprintf("%s %s %s: %s", f.RuleID, f.Status, f.Resource, f.Reason)
}

// findingOf converts a query row.
func findingOf(r inproc.Row) finding {
	str := func(k string) string {
		if v, ok := r[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	f := finding{RuleID: str("rule_id"), Status: str("status"), Reason: str("reason"), Resource: str("resource"),
		AccountID: str("account_id"), Region: str("region")}
	switch ev := r["evidence"].(type) {
	case map[string]any:
		f.Evidence = ev
	case string:
		_ = json.Unmarshal([]byte(ev), &f.Evidence)
	case []byte:
		_ = json.Unmarshal(ev, &f.Evidence)
	}
	return f
}

// findings is a query's result.
type findings []finding

// rule returns the findings of one rule.
func (fs findings) rule(id string) findings {
	var out findings
	for _, f := range fs {
		if f.RuleID == id {
			out = append(out, f)
		}
	}
	return out
}

// withStatus returns the findings with status.
func (fs findings) withStatus(status string) findings {
	var out findings
	for _, f := range fs {
		if f.Status == status {
			out = append(out, f)
		}
	}
	return out
}

// about returns the findings whose resource is resource.
func (fs findings) about(resource string) findings {
	var out findings
	for _, f := range fs {
		if f.Resource == resource {
			out = append(out, f)
		}
	}
	return out
}

// String renders the findings one a line.
func (fs findings) String() string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n  " + f.String())
	}
	return b.String()
}

// expect asserts that rule has exactly one finding about resource, with
// status and a reason containing each of words (case-insensitive), and returns it.
func (e *env) expect(fs findings, rule, resource, status string, words ...string) finding {
	e.t.Helper()
	got := fs.rule(rule).about(resource)
	if len(got) != 1 {
		if e.moto && gapForFinding(rule, e.t.Name()) != nil {
			e.failf(rule, "%s: want one finding about %s, got %d; the rule's findings:%s", rule, resource, len(got), fs.rule(rule))
			return finding{}
		}
		e.t.Fatalf("%s: want one finding about %s, got %d; the rule's findings:%s", rule, resource, len(got), fs.rule(rule))
	}
	f := got[0]
	if f.Status != status {
		e.failf(rule, "%s on %s: status %q, want %q (reason: %s)", rule, resource, f.Status, status, f.Reason)
	}
	reason := strings.ToLower(f.Reason)
	for _, w := range words {
		if !strings.Contains(reason, strings.ToLower(w)) {
			e.failf(rule, "%s on %s: reason %q does not mention %q", rule, resource, f.Reason, w)
		}
	}
	return f
}

// expectRule asserts every finding of rule has status, that there is at
// least one, and that each reason mentions words.
func (e *env) expectRule(fs findings, rule, status string, words ...string) findings {
	e.t.Helper()
	got := fs.rule(rule)
	if len(got) == 0 {
		if e.moto && gapForFinding(rule, e.t.Name()) != nil {
			e.failf(rule, "%s: no finding at all", rule)
			return got
		}
		e.t.Fatalf("%s: no finding at all", rule)
	}
	for _, f := range got {
		if f.Status != status {
			e.failf(rule, "%s on %s: status %q, want %q (reason: %s)", rule, f.Resource, f.Status, status, f.Reason)
		}
		for _, w := range words {
			if !strings.Contains(strings.ToLower(f.Reason), strings.ToLower(w)) {
				e.failf(rule, "%s on %s: reason %q does not mention %q", rule, f.Resource, f.Reason, w)
			}
		}
	}
	return got
}
