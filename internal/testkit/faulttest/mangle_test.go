package faulttest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/harness"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

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

// collectAtOnce is how many runs collect has in flight: a run spends
// most of its time waiting (LookupEvents is paced at two requests a second
// per account and region, retries back off), so more runs than cores
// keep the cores busy.
const collectAtOnce = 32

// collect queries every finding of every connection of c, at most
// collectAtOnce at a time.
func collect(ctx context.Context, c *inproc.Client, conns []string) (map[string][]finding, map[string]error) {
	got, errs := map[string][]finding{}, map[string]error{}
	columns, err := harness.FindingColumns(ctx, c)
	if err != nil {
		for _, conn := range conns {
			errs[conn] = err
		}
		return got, errs
	}
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(collectAtOnce)
	for _, conn := range conns {
		g.Go(func() error {
			rows, err := c.Query(ctx, conn, harness.FindingTable, columns, nil)
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

// codeMalformed is the error code of a reply without its API's shape.
const codeMalformed = "MalformedResponse"

// place is what a finding is about: rule and resource (its region may
// be unknown when a read failed).
func (f finding) place() string { return f.RuleID + "|" + f.Resource }

// withRegions returns a mangling that adds region items to DescribeRegions'
// reply, keeping its status and the regions it lists.
func withRegions(name string, regions ...string) Mangling {
	return Mangling{Name: name, Reply: func(u Reply) Reply {
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
	conns := []inproc.Connection{auditSetup{env: e}.connection("truth", e.URL)}
	for name, m := range map[string]*Mangler{"other": other, "hostile": hostile, "made-up": madeUp} {
		srv := httptest.NewServer(m)
		t.Cleanup(srv.Close)
		conns = append(conns, auditSetup{env: e}.connection(name, srv.URL))
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
