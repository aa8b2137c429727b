package faulttest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/harness"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// matrixSkip leaves out the cells it matches ("TEST/OPERATION/MANGLING"),
// to list the other cells while one of them crashes the test binary.
var matrixSkip = flag.String("matrix.skip", "", "regexp of TestFailClosedMatrix cells not to run")

// wholeManglings replace a reply as a whole; TestFailClosedMatrix adds
// one DropElement per element path of each operation's replies.
var wholeManglings = []Mangling{EmptyOK, HTMLOK, EmptyDocument, Truncated, Garbage, Hangup}

// auditSetup is an emulator seeded with findings to lose and the
// connection that audits it.
type auditSetup struct {
	env *harness.Env
	// extra is the connection's configuration beyond connConfig.
	extra string
}

// connection returns the setup's connection named name through url (a
// proxy in front of the emulator).
func (s auditSetup) connection(name, url string) inproc.Connection {
	c := s.env.Connections(connConfig + s.extra)[0]
	c.Name = name
	c.Config = strings.Replace(c.Config, s.env.URL, url, 1)
	return c
}

// startBadOrganization seeds the bad organization layout (seed.OrganizationBad)
// and, in its first plain member, the bad account scenario: a member's
// findings then hold alarms that only that member's own credentials can
// read.
func startBadOrganization(t *testing.T) auditSetup {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	e, err := harness.Start(ctx, harness.Spec{Name: "org-bad", Accounts: 1}, harness.Options{
		// two regions: the layout's home region and the bad member's regional trail
		Emulator: awsemu.Options{Regions: []string{seed.DefaultRegion, "eu-west-1"}, LookupEventsRate: -1},
		Seed: func(ctx context.Context, tg seed.Target, _ harness.Spec) (*seed.Account, error) {
			o, err := seed.OrganizationBad(ctx, tg)
			if err != nil {
				return nil, err
			}
			member := tg
			member.AccessKey, member.SecretKey = "MATRIXBADMEMBER", "matrix-bad-member"
			if err := tg.Control.AddAccount(ctx, member.AccessKey, member.SecretKey, o.Members[0]); err != nil {
				return nil, err
			}
			if _, err := seed.Bad(ctx, member); err != nil {
				return nil, fmt.Errorf("the bad member %s: %w", o.Members[0], err)
			}
			return o.Management, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return auditSetup{env: e, extra: fmt.Sprintf("organization_role_name = %q\n", seed.OrgRoleName)}
}

// matrixCase is one operation x mangling run of the matrix.
type matrixCase struct {
	action   string
	mangling Mangling
	// whole: the mangling replaces the whole reply (not DropElement).
	whole   bool
	conn    string
	mangler *Mangler
}

// TestFailClosedMatrix audits the bad+clean account and the bad
// organization once through a proxy that keeps every reply, takes the
// operations from the emulator's request log of that run, and then runs
// the audit again for every operation x mangling: the whole reply
// replaced (empty 200, login page, empty document, truncated, garbage, a
// dropped connection) and, for every element its replies always have
// (RequiredPaths), the replies without that element. A new call
// the plugin makes joins the matrix by itself.
//
// In no run may a truth alarm become ok, skip or info, or a truth alarm
// or error vanish unless an error of its rule stands in its place (on its
// resource, or on its account or region); no run may return fewer
// findings than the truth without an error the truth lacks, stop without
// naming the operation, or panic. An alarm becoming an error is failing
// closed. The operation × mangling × outcome table is logged (-v), and a
// failing matrix sums up its failing cells in one error; -matrix.skip
// leaves cells out. The log_integrity setups do the same to a
// verification of log file integrity (runIntegrityMatrix), of one account
// and of an organization whose log bucket a log-archive member owns.
func TestFailClosedMatrix(t *testing.T) {
	for _, s := range []struct {
		name  string
		start func(*testing.T) auditSetup
	}{
		{"account", func(t *testing.T) auditSetup { return auditSetup{env: startBadAndClean(t)} }},
		{"organization", startBadOrganization},
	} {
		t.Run(s.name, func(t *testing.T) { runMatrix(t, s.start(t)) })
	}
	t.Run("log_integrity", func(t *testing.T) { runIntegrityMatrix(t, startIntegrity(t)) })
	t.Run("log_integrity_organization", func(t *testing.T) { runIntegrityMatrix(t, startOrganizationIntegrity(t)) })
}

// matrixOutEnv names a file the matrix appends its summary and its
// operation × mangling × outcome table to (make test prints it).
const matrixOutEnv = "CLOUDTRAILCC_MATRIX_OUT"

// runMatrix runs the truth and then every cell of the matrix against s.
func runMatrix(t *testing.T, s auditSetup) {
	upstream, err := url.Parse(s.env.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()

	// The truth: one audit alone, every reply kept, the request log read.
	tap := NewTap(upstream)
	tapSrv := httptest.NewServer(tap)
	t.Cleanup(tapSrv.Close)
	s.env.Server.ResetCalls()
	truthClient, err := inproc.New(ctx, []inproc.Connection{s.connection("truth", tapSrv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	got, errs := collect(ctx, truthClient, []string{"truth"})
	truthClient.Close()
	if errs["truth"] != nil {
		t.Fatalf("un-mangled run: %v", errs["truth"])
	}
	truth := got["truth"]
	operations := slices.Sorted(func(yield func(string) bool) {
		for a := range awsemu.CountCalls(s.env.Server.Calls()) {
			if !yield(a) {
				return
			}
		}
	})
	if !slices.Equal(operations, tap.Actions()) {
		t.Fatalf("the emulator logged the operations %v, the proxy named them %v: a mangler could not address every one", operations, tap.Actions())
	}
	statuses := map[string]int{}
	for _, f := range truth {
		statuses[f.Status]++
	}
	t.Logf("un-mangled run: %d findings %v; %d operations", len(truth), statuses, len(operations))
	if statuses["alarm"] == 0 {
		t.Fatal("the un-mangled run has no alarm: the matrix proves nothing")
	}

	cases, conns := matrixCases(t, operations, tap, upstream, s.connection)
	start := time.Now()
	client, names := matrixClient(ctx, t, conns)
	defer client.Close()
	got, errs = collect(ctx, client, names)
	if ctx.Err() != nil {
		t.Fatalf("the %d cases did not finish within the matrix's time: %v", len(cases), ctx.Err())
	}
	t.Logf("%d cases run in %s", len(cases), time.Since(start).Round(time.Millisecond))

	report := newMatrixReport(t)
	var toError, falsePasses, drops int
	for _, c := range cases {
		o := judge(truth, got[c.conn], errs[c.conn], c)
		toError, falsePasses, drops = toError+o.toError, falsePasses+o.falsePasses, drops+o.drops
		var why string
		if len(o.failures) > 0 {
			why = fmt.Sprintf("%d false passes, %d drops; %s", o.falsePasses, o.drops, o.failures[0])
		}
		report.cell(c, o.toError, o.falsePasses, o.drops, o.summary(), why, o.failures)
	}
	report.finish(len(cases), fmt.Sprintf("%d operations, %d cells: %d findings to error, %d false passes, %d drops, %d failing cells",
		len(operations), len(cases), toError, falsePasses, drops, len(report.failing)))
}

// matrixReport is a matrix's operation × mangling × outcome table and the
// cells that failed open, each also failing a subtest of its own.
type matrixReport struct {
	t       *testing.T
	table   strings.Builder
	tw      *tabwriter.Writer
	failing []string
}

func newMatrixReport(t *testing.T) *matrixReport {
	r := &matrixReport{t: t}
	r.tw = tabwriter.NewWriter(&r.table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(r.tw, "operation\tmangling\tto error\tfalse passes\tdrops\toutcome")
	return r
}

// cell adds c's row; with failures, c failed open: why is its line in the
// final error, and each failure fails c's subtest.
func (r *matrixReport) cell(c *matrixCase, toError, falsePasses, drops int, outcome, why string, failures []string) {
	fmt.Fprintf(r.tw, "%s\t%s\t%d\t%d\t%d\t%s\n", c.action, c.mangling.Name, toError, falsePasses, drops, outcome)
	if len(failures) == 0 {
		return
	}
	r.failing = append(r.failing, fmt.Sprintf("%s × %s: %s", c.action, c.mangling.Name, why))
	r.t.Run(strings.ReplaceAll(c.action, ":", "_")+"/"+c.mangling.Name, func(t *testing.T) {
		for _, f := range failures {
			t.Error(f)
		}
	})
}

// finish logs the table, appends "== TEST: summary" and the table to the
// matrixOutEnv file when set, and fails the test naming every cell that
// failed open.
func (r *matrixReport) finish(cells int, summary string) {
	t := r.t
	_ = r.tw.Flush()
	t.Log("operation × mangling × outcome:\n" + r.table.String())
	if path := os.Getenv(matrixOutEnv); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatalf("%s: %v", matrixOutEnv, err)
		}
		_, werr := f.WriteString("== " + t.Name() + ": " + summary + "\n" + r.table.String())
		if err := errors.Join(werr, f.Close()); err != nil {
			t.Fatalf("%s: %v", matrixOutEnv, err)
		}
	}
	if len(r.failing) > 0 {
		t.Errorf("%d of %d cells fail open:\n  %s", len(r.failing), cells, strings.Join(r.failing, "\n  "))
	}
}

// outcome is what one mangled run did to the truth's findings.
type outcome struct {
	// toError counts truth findings that became errors; falsePasses truth
	// alarms that became ok, skip or info; drops truth alarms and errors
	// gone with no error in their place (covered those gone with one);
	// gone other truth findings gone; changed other changes of status.
	toError, falsePasses, drops, covered, gone, changed int
	// named counts errors naming the mangled operation.
	named int
	// runErr is the run's error, "" when it returned findings.
	runErr string
	// failures say what failed open.
	failures []string
}

func (o outcome) summary() string {
	if o.runErr != "" {
		return "run failed: " + o.runErr
	}
	s := fmt.Sprintf("%d errors name it", o.named)
	for _, part := range []struct {
		n    int
		what string
	}{{o.covered, "gone under an error"}, {o.gone, "other findings gone"}, {o.changed, "other changes"}} {
		if part.n > 0 {
			s += fmt.Sprintf(", %d %s", part.n, part.what)
		}
	}
	return s
}

// judge compares one mangled run's findings with the truth, place by
// place (account, rule and resource).
func judge(truth, got []finding, runErr error, c *matrixCase) outcome {
	var o outcome
	if runErr != nil {
		o.runErr = strings.ReplaceAll(runErr.Error(), "\n", " ")
		// A run that stops is failing closed when it says why: the
		// operation that could not be read, or the endpoint that hung up.
		switch {
		case strings.Contains(strings.ToLower(o.runErr), "panic"):
			o.failures = append(o.failures, "the run panicked: "+o.runErr)
		case !strings.Contains(o.runErr, c.action) && !(c.mangling.Hangup && strings.Contains(o.runErr, "cannot reach the AWS endpoint")):
			o.failures = append(o.failures, fmt.Sprintf("the run failed without naming %s: %s", c.action, o.runErr))
		}
		return o
	}
	if c.mangler.Changed() == 0 {
		o.failures = append(o.failures, fmt.Sprintf("%s was called %d times but no reply changed: the case proves nothing", c.action, c.mangler.Mangled()))
	}
	truthAt, gotAt := byAccountPlace(truth), byAccountPlace(got)
	truthKeys := map[string]bool{}
	for _, f := range truth {
		truthKeys[f.Account+"|"+f.key()] = true
	}
	newErrors := 0
	for _, f := range got {
		if f.Status == "error" && strings.Contains(f.Reason, c.action+" ") {
			o.named++
		}
		if f.Status == "error" && !truthKeys[f.Account+"|"+f.key()] {
			newErrors++
		}
	}
	for place, ws := range truthAt {
		left := map[string]int{}
		for _, f := range gotAt[place] {
			left[f.Status]++
		}
		var unmatched []finding
		for _, w := range ws {
			if left[w.Status] > 0 {
				left[w.Status]--
			} else {
				unmatched = append(unmatched, w)
			}
		}
		var rest []finding
		for _, w := range unmatched {
			if left["error"] > 0 {
				left["error"]--
				o.toError++
			} else {
				rest = append(rest, w)
			}
		}
		for _, w := range rest {
			other := ""
			for _, st := range []string{"alarm", "ok", "skip", "info"} {
				if left[st] > 0 {
					other = st
					break
				}
			}
			switch {
			case other != "" && w.Status == "alarm":
				left[other]--
				o.falsePasses++
				o.failures = append(o.failures, fmt.Sprintf("false pass: %s on %s (account %s) is %s, the truth is alarm (%s)",
					w.RuleID, w.Resource, w.Account, other, reasonsAt(gotAt[place], other)))
			case other != "":
				left[other]--
				o.changed++
			case coveredByError(got, truthAt, w):
				o.covered++
			case w.Status == "alarm" || w.Status == "error":
				o.drops++
				o.failures = append(o.failures, fmt.Sprintf("dropped: %s on %s (account %s, truth %s %q) is gone and no error of its rule replaces it; in its place: %s",
					w.RuleID, w.Resource, w.Account, w.Status, w.Reason, near(got, w)))
			default:
				o.gone++
			}
		}
	}
	if c.whole && o.named == 0 && o.toError+o.falsePasses+o.drops+o.covered+o.gone+o.changed > 0 {
		o.failures = append(o.failures, fmt.Sprintf("findings changed and no error names %s", c.action))
	}
	if len(got) < len(truth) && newErrors == 0 {
		o.failures = append(o.failures, fmt.Sprintf("%d findings and no error the truth lacks; the truth has %d", len(got), len(truth)))
	}
	return o
}

// near describes the findings of w's rule in w's account or on w's
// resource.
func near(got []finding, w finding) string {
	var out []string
	for _, f := range got {
		if f.RuleID == w.RuleID && (f.Account == w.Account || f.Resource == w.Resource) {
			out = append(out, fmt.Sprintf("%s on %s (account %s) %q", f.Status, f.Resource, f.Account, f.Reason))
		}
	}
	if len(out) == 0 {
		return "nothing"
	}
	return strings.Join(out, "; ")
}

// reasonsAt are the reasons of the findings of status st.
func reasonsAt(fs []finding, st string) string {
	var out []string
	for _, f := range fs {
		if f.Status == st {
			out = append(out, fmt.Sprintf("%q", f.Reason))
		}
	}
	return strings.Join(out, "; ")
}

// coveredByError reports whether an error of w's rule stands in its
// place: on its resource (in any account: a bucket whose owner could not
// be read), or in its account on the account or a region ("arn:aws:::ID",
// "arn:aws::REGION:ID") or on a place the truth does not have (a region
// whose listing failed).
func coveredByError(got []finding, truthAt map[string][]finding, w finding) bool {
	return slices.ContainsFunc(got, func(f finding) bool {
		if f.Status != "error" || f.RuleID != w.RuleID {
			return false
		}
		_, known := truthAt[f.accountPlace()]
		return f.Resource == w.Resource || (f.Account == w.Account && (!known || accountWide(f.Resource)))
	})
}

// accountWide reports whether resource is an account or one of its
// regions: an ARN without a service.
func accountWide(resource string) bool {
	parts := strings.SplitN(resource, ":", 6)
	return len(parts) == 5 && parts[0] == "arn" && parts[2] == ""
}

// accountPlace is what a finding is about across accounts: account, rule
// and resource.
func (f finding) accountPlace() string { return f.Account + "|" + f.place() }

// byAccountPlace groups findings by accountPlace.
func byAccountPlace(fs []finding) map[string][]finding {
	out := map[string][]finding{}
	for _, f := range fs {
		out[f.accountPlace()] = append(out[f.accountPlace()], f)
	}
	return out
}

// matrixCases makes one case for each operation and mangling (every
// whole-reply mangling, and the reply without each element every truth
// reply has), each behind a mangling proxy of upstream and a connection
// of its own made by connection(name, url).
func matrixCases(t *testing.T, operations []string, tap *Tap, upstream *url.URL, connection func(name, url string) inproc.Connection) ([]*matrixCase, []inproc.Connection) {
	t.Helper()
	var cases []*matrixCase
	var conns []inproc.Connection
	for _, action := range operations {
		ms := slices.Clone(wholeManglings)
		for _, p := range RequiredPaths(tap.Replies(action)) {
			ms = append(ms, DropElement(p))
		}
		for i, m := range ms {
			if *matrixSkip != "" && regexp.MustCompile(*matrixSkip).MatchString(t.Name()+"/"+action+"/"+m.Name) {
				t.Logf("skipped by -matrix.skip: %s × %s", action, m.Name)
				continue
			}
			c := &matrixCase{action: action, mangling: m, whole: i < len(wholeManglings), conn: fmt.Sprintf("m%03d", len(cases)), mangler: NewMangler(upstream, action, m)}
			srv := httptest.NewServer(c.mangler)
			t.Cleanup(srv.Close)
			conns = append(conns, connection(c.conn, srv.URL))
			cases = append(cases, c)
		}
	}
	return cases, conns
}

// matrixClient runs the plugin in-process with conns and returns it with
// the connections' names.
func matrixClient(ctx context.Context, t *testing.T, conns []inproc.Connection) (*inproc.Client, []string) {
	t.Helper()
	client, err := inproc.New(ctx, conns)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(conns))
	for i, c := range conns {
		names[i] = c.Name
	}
	return client, names
}
