package harness

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
)

// The floor replays the least calls, each service's count as the graph has
// it, a call only after the calls it depends on were answered.
func TestReplayMakesTheGraphsCallsAfterTheirDependencies(t *testing.T) {
	env := startEnv(t, Options{})
	calls := env.Graph(bound.RulesNeed).Calls()
	const latency = 20 * time.Millisecond
	env.Server.SetLatency(latency)
	env.Server.ResetCalls()
	if _, err := Replay(context.Background(), env.URL, env.Keys(), calls); err != nil {
		t.Fatal(err)
	}
	want, got := map[string]int{}, map[string]int{}
	for _, c := range calls {
		s, _, _ := strings.Cut(c.Action, ":")
		want[s]++
	}
	var identity, regions time.Time
	for _, c := range env.Server.Calls() {
		s, _, _ := strings.Cut(c.Action, ":")
		got[s]++
		switch c.Action {
		case "sts:GetCallerIdentity":
			identity = c.Time
		case "ec2:DescribeRegions":
			regions = c.Time
		}
	}
	for s, n := range want {
		if got[s] != n {
			t.Errorf("%s: %d calls, want %d (all: %v)", s, got[s], n, got)
		}
	}
	// DescribeRegions depends on the identity, which the emulator answers
	// no sooner than latency after it arrived.
	if regions.Before(identity.Add(latency)) {
		t.Errorf("DescribeRegions arrived %v after the identity call; want at least %v", regions.Sub(identity), latency)
	}
}

func TestReplayNamesAnAccountWithoutKeys(t *testing.T) {
	_, err := Replay(context.Background(), "http://127.0.0.1:1", nil, []bound.Call{{Action: "sts:GetCallerIdentity", Account: "111122223333"}})
	if err == nil || !strings.Contains(err.Error(), "111122223333") {
		t.Fatalf("err = %v; want it to name the account", err)
	}
}
