package main

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/harness"
)

// The page says whether aws-cli's time for every account was measured or
// estimated from the accounts it ran for, and whether the goal was met.
func TestIntegrityComparisonSaysMeasuredOrEstimated(t *testing.T) {
	spec := harness.IntegritySpec{Name: "I1", Accounts: 4, Hours: 48}
	full := windowResult{Hours: 48, Objects: 1000, Wall: 10 * time.Second}
	run := func(d time.Duration) cliRun { return cliRun{Wall: d, Files: 200} }
	cases := []struct {
		cli  []cliRun
		want []string
	}{
		{[]cliRun{run(30 * time.Second), run(50 * time.Second)}, []string{"estimated: the 2 accounts measured took 80000 ms for 400 files, 200.0 ms a file, times the 1000 files of all accounts", "**200000 ms**", "**20.0 times faster** (goal: 10 times)"}},
		{[]cliRun{run(20 * time.Second), run(20 * time.Second), run(20 * time.Second), run(20 * time.Second)}, []string{"(measured)", "**80000 ms**", "8.0 times faster**, NOT the 10 times of the goal"}},
	}
	for _, c := range cases {
		got := comparison(integrityResult{Spec: spec, Latency: 50 * time.Millisecond, Windows: []windowResult{full}, CLI: c.cli})
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("comparison = %q\nwant it to contain %q", got, w)
			}
		}
		if !strings.Contains(got, "the least time those reads take at 50 ms each is 3150 ms") {
			t.Errorf("comparison = %q; want the latency floor of 1000 reads, 16 at once (63 rounds of 50 ms)", got)
		}
	}
}
