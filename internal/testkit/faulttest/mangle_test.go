package faulttest

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/harness"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// mangledReaders are the reads whose replies TestMangledReplies replaces;
// each is used by some finding of the bad+clean account.
var mangledReaders = []string{
	bound.GetBucketAcl, bound.ListBuckets, bound.DescribeRegions, bound.DescribeTrails, bound.LookupEvents,
	bound.GetEventSelectors, bound.GetTrailStatus, bound.GetBucketVersioning, bound.GetBucketLogging,
	bound.GetBucketPolicyStatus, bound.GetTopicAttributes, bound.DescribeKey, bound.GetBucketLocation,
}

// manglings are the replies TestMangledReplies puts in place of AWS's.
var manglings = []Mangling{EmptyOK, HTMLOK, EmptyDocument, Truncated, Garbage}

// mangleCase is one reader x mangling run.
type mangleCase struct {
	action   string
	mangling Mangling
	conn     string
	mangler  *Mangler
	got      []finding
	err      error
}

// badAndCleanRegions are the regions of startBadAndClean's emulator.
var badAndCleanRegions = []string{"eu-west-1", "us-east-1", "us-west-2"}

// startBadAndClean seeds one account with the clean scenario (every rule
// passes) and then the bad one (every rule alarms), in three regions, and
// returns the emulator; LookupEvents is not rate-limited, so the cases can
// run side by side.
func startBadAndClean(t *testing.T) *harness.Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	e, err := harness.Start(ctx, harness.Spec{Name: "bad+clean", Accounts: 1}, harness.Options{
		Emulator: awsemu.Options{Regions: badAndCleanRegions, LookupEventsRate: -1},
		Seed: func(ctx context.Context, tg seed.Target, _ harness.Spec) (*seed.Account, error) {
			// Clean first: it moves every event recorded so far out of the
			// lookback window, and the bad scenario's changes must stay in it.
			clean, err := seed.Clean(ctx, tg)
			if err != nil {
				return nil, err
			}
			bad, err := seed.Bad(ctx, tg)
			if err != nil {
				return nil, err
			}
			bad.Trails = append(bad.Trails, clean.Trails...)
			bad.Buckets = append(bad.Buckets, clean.Buckets...)
			bad.Topics = append(bad.Topics, clean.Topics...)
			bad.Keys = append(bad.Keys, clean.Keys...)
			return bad, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// proxied returns the connection of env's account named name whose
// endpoint is url instead of the emulator's.
func proxied(e *harness.Env, name, url string) inproc.Connection {
	c := e.Connections(connConfig)[0]
	c.Name = name
	c.Config = strings.Replace(c.Config, e.URL, url, 1)
	return c
}

// collect queries every finding of every connection of c, at most eight at a time.
func collect(ctx context.Context, c *inproc.Client, conns []string) (map[string][]finding, map[string]error) {
	var mu sync.Mutex
	got, errs := map[string][]finding{}, map[string]error{}
	var g errgroup.Group
	g.SetLimit(8)
	for _, conn := range conns {
		g.Go(func() error {
			rows, err := c.Query(ctx, conn, harness.FindingTable, nil, nil)
			fs := make([]finding, len(rows))
			for i, r := range rows {
				fs[i] = findingOf(r)
			}
			mu.Lock()
			got[conn], errs[conn] = fs, err
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	return got, errs
}

// TestMangledReplies puts a proxy in front of the emulator that answers one
// read with an empty 200, a login page, an empty document, a truncated body
// or garbage, and checks that every finding the read decides becomes an
// error naming it (never ok, skip or info where the truth was alarm), and
// that every other finding is as in the un-mangled run.
func TestMangledReplies(t *testing.T) {
	e := startBadAndClean(t)
	upstream, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	conns := []inproc.Connection{proxied(e, "truth", e.URL)}
	var cases []*mangleCase
	for _, action := range mangledReaders {
		for _, m := range manglings {
			c := &mangleCase{action: action, mangling: m, conn: fmt.Sprintf("m%02d", len(cases)), mangler: NewMangler(upstream, action, m)}
			srv := httptest.NewServer(c.mangler)
			t.Cleanup(srv.Close)
			conns = append(conns, proxied(e, c.conn, srv.URL))
			cases = append(cases, c)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	client, err := inproc.New(ctx, conns)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	names := make([]string, len(conns))
	for i, c := range conns {
		names[i] = c.Name
	}
	got, errs := collect(ctx, client, names)
	if errs["truth"] != nil {
		t.Fatalf("un-mangled run: %v", errs["truth"])
	}
	truth := got["truth"]
	alarms := 0
	for _, f := range truth {
		switch f.Status {
		case "error":
			t.Fatalf("the un-mangled run has an error finding: %s %s: %s", f.RuleID, f.Resource, f.Reason)
		case "alarm":
			alarms++
		}
	}
	t.Logf("un-mangled run: %d findings, %d alarms", len(truth), alarms)

	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "reader\tmangling\toutcome")
	for _, c := range cases {
		c.got, c.err = got[c.conn], errs[c.conn]
		t.Run(strings.ReplaceAll(c.action, ":", "_")+"/"+strings.ReplaceAll(c.mangling.Name, " ", "_"), func(t *testing.T) {
			outcome := checkMangled(t, truth, c)
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.action, c.mangling.Name, outcome)
		})
	}
	_ = tw.Flush()
	t.Log("reader x mangling x outcome:\n" + table.String())
}

// codeMalformed is the error code of a reply without its API's shape.
const codeMalformed = "MalformedResponse"

// place is what a finding is about: rule and resource (its region may
// be unknown when a read failed).
func (f finding) place() string { return f.RuleID + "|" + f.Resource }

// byPlace groups findings by place, each group sorted by status and reason.
func byPlace(fs []finding) map[string][]finding {
	out := map[string][]finding{}
	for _, f := range fs {
		out[f.place()] = append(out[f.place()], f)
	}
	for _, g := range out {
		slices.SortFunc(g, func(a, b finding) int { return strings.Compare(a.Status+a.Reason, b.Status+b.Reason) })
	}
	return out
}

// malformedReason matches an error finding naming a malformed reply.
var malformedReason = regexp.MustCompile(`([a-z0-9]+:[A-Za-z]+) failed with MalformedResponse`)

// checkMangled checks one case against the truth and describes its
// outcome: how many errors name the read, and how the un-mangled
// findings changed.
func checkMangled(t *testing.T, truth []finding, c *mangleCase) string {
	if c.err != nil {
		t.Errorf("the run failed: %v", c.err)
		return "run failed: " + c.err.Error()
	}
	if c.mangler.Mangled() == 0 {
		t.Errorf("%s was never called: the case proves nothing", c.action)
		return "not called"
	}
	truthAt, gotAt := byPlace(truth), byPlace(c.got)
	became := map[string]int{}
	// An alarm that another fact decides stays an alarm; only its reason
	// or evidence may say what could not be read. It is the truth's verdict.
	got := slices.Clone(c.got)
	for i, f := range got {
		ws, fs := truthAt[f.place()], gotAt[f.place()]
		if len(ws) == 1 && len(fs) == 1 && ws[0].Status == "alarm" && f.Status == "alarm" && ws[0].key() != f.key() {
			t.Logf("%s on %s stays alarm: %q", f.RuleID, f.Resource, f.Reason)
			became["alarm→alarm, reason names what was not read"]++
			got[i] = ws[0]
		}
	}
	compare(t, truth, got, map[string]bool{c.action + " " + codeMalformed: true})
	for place, ws := range truthAt {
		fs := gotAt[place]
		for i, w := range ws {
			if i >= len(fs) {
				became[w.Status+"→gone, an error on the rule covers it"]++
				continue
			}
			f := fs[i]
			if w.Status == "alarm" && f.Status != "alarm" && f.Status != "error" {
				t.Errorf("%s on %s: %s %q, the truth is alarm", f.RuleID, f.Resource, f.Status, f.Reason)
			}
			if f.Status != w.Status {
				became[w.Status+"→"+f.Status]++
			}
		}
	}
	named := 0
	for _, f := range c.got {
		if m := malformedReason.FindStringSubmatch(f.Reason); f.Status == "error" && m != nil {
			if m[1] != c.action {
				t.Errorf("%s on %s names %s, which was not mangled: %q", f.RuleID, f.Resource, m[1], f.Reason)
			}
			named++
		}
	}
	if named == 0 {
		t.Errorf("no error finding names %s and MalformedResponse", c.action)
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(became)) {
		parts = append(parts, fmt.Sprintf("%d %s", became[k], k))
	}
	return fmt.Sprintf("%d errors name it; %s", named, strings.Join(parts, ", "))
}

// withRegions returns a mangling that adds region items to DescribeRegions'
// reply, keeping its status and the regions it lists.
func withRegions(name string, regions ...string) Mangling {
	return Mangling{name, func(u Reply) Reply {
		var items strings.Builder
		for _, r := range regions {
			fmt.Fprintf(&items, "<item><regionName>%s</regionName><regionEndpoint>ec2.%s.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>", r, r)
		}
		u.Body = []byte(strings.Replace(string(u.Body), "<regionInfo>", "<regionInfo>"+items.String(), 1))
		return u
	}}
}

// TestRegionNamesFromDescribeRegions checks what DescribeRegions lists
// before any name reaches an endpoint or a signature: a region of another
// partition is dropped (AWS never lists one) and the findings are the
// truth; a name that is no region name ("../x", a trailing newline) makes
// the list malformed, an error naming ec2:DescribeRegions, and the run
// completes without a credential error and without calling that name; a
// made-up name of the partition gives that region's findings as errors
// saying the region refused the credentials, and the rest is the truth.
func TestRegionNamesFromDescribeRegions(t *testing.T) {
	e := startBadAndClean(t)
	upstream, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	other := NewMangler(upstream, bound.DescribeRegions, withRegions("other partition", "cn-north-1", "us-gov-west-1"))
	hostile := NewMangler(upstream, bound.DescribeRegions, withRegions("hostile names", "../x", "us-east-1&#10;"))
	madeUp := NewMangler(upstream, bound.DescribeRegions, withRegions("made-up region", "us-east-9"))
	conns := []inproc.Connection{proxied(e, "truth", e.URL)}
	for name, m := range map[string]*Mangler{"other": other, "hostile": hostile, "made-up": madeUp} {
		srv := httptest.NewServer(m)
		t.Cleanup(srv.Close)
		conns = append(conns, proxied(e, name, srv.URL))
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	client, err := inproc.New(ctx, conns)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	got, errs := collect(ctx, client, []string{"truth", "other", "hostile", "made-up"})
	for name, err := range errs {
		if err != nil {
			t.Fatalf("%s: the run failed: %v", name, err)
		}
	}
	t.Run("other partition", func(t *testing.T) {
		compare(t, got["truth"], got["other"], map[string]bool{})
		if len(got["other"]) != len(got["truth"]) {
			t.Errorf("%d findings, the truth has %d", len(got["other"]), len(got["truth"]))
		}
		for _, r := range other.Regions() {
			if !slices.Contains(badAndCleanRegions, r) {
				t.Errorf("a request was signed for %s, a region of another partition", r)
			}
		}
	})
	t.Run("made-up region", func(t *testing.T) {
		// us-east-9 looks like a region of the partition; the emulator
		// refuses it as AWS refuses a region the account has not enabled
		var rest []finding
		errs := 0
		for _, f := range got["made-up"] {
			if f.Region != "us-east-9" {
				rest = append(rest, f)
				continue
			}
			if f.Status != "error" {
				t.Errorf("%s in us-east-9 is %s, not error: %q", f.RuleID, f.Status, f.Reason)
			}
			if !strings.Contains(f.Evidence, "region us-east-9 refused credentials") {
				t.Errorf("%s in us-east-9: evidence does not say the region refused the credentials: %s", f.RuleID, f.Evidence)
			}
			errs++
		}
		if errs == 0 {
			t.Error("no finding reports the region us-east-9 that DescribeRegions listed")
		}
		compare(t, got["truth"], rest, map[string]bool{})
	})
	t.Run("hostile names", func(t *testing.T) {
		compare(t, got["truth"], got["hostile"], map[string]bool{bound.DescribeRegions + " " + codeMalformed: true})
		if !slices.ContainsFunc(got["hostile"], func(f finding) bool {
			return f.Status == "error" && strings.Contains(f.Reason, bound.DescribeRegions+" failed with "+codeMalformed)
		}) {
			t.Error("no error finding names ec2:DescribeRegions and MalformedResponse")
		}
		for _, r := range hostile.Regions() {
			if !slices.Contains(badAndCleanRegions, r) {
				t.Errorf("a request was signed for region %q, which the emulator does not list", r)
			}
		}
	})
}
