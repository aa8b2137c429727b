package harness

import (
	"context"
	"slices"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

func TestOrganizationSeedsOneCentralBucketReadOnceForAll(t *testing.T) {
	ctx := context.Background()
	o, err := StartOrganization(ctx, Spec{Name: "org3", Accounts: 3, Trails: 1, Buckets: 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	m := o.Management().Bound
	if !slices.Contains(m.UnlistedBuckets, o.CentralBucket) || !slices.ContainsFunc(m.Trails, func(tr bound.Trail) bool {
		return tr.ARN == o.CentralTrailARN && tr.Bucket == o.CentralBucket
	}) {
		t.Fatalf("management account: trails %v, unlisted buckets %v; want the central trail delivering to %s, another account's bucket",
			m.Trails, m.UnlistedBuckets, o.CentralBucket)
	}
	got := o.Bound(bound.RulesNeed)
	// three own buckets (one per account) and the central one, each once
	for action, want := range map[string]int{bound.GetCallerIdentity: 1, bound.AssumeRole: 2, bound.ListAccounts: 1,
		bound.GetBucketLocation: 4, bound.GetBucketLogging: 4, bound.GetBucketPolicyStatus: 4, bound.GetTrailStatus: 4} {
		if got[action] != want {
			t.Errorf("%s: %d least calls; want %d", action, got[action], want)
		}
	}
	if n := len(o.Server.Calls()); n != 0 {
		t.Errorf("the request log holds %d calls after seeding; want it empty", n)
	}
}

func TestOrganizationInOneConnectionMakesTheLeastCalls(t *testing.T) {
	isolateAWSEnv(t)
	ctx := context.Background()
	o, err := StartOrganization(ctx, Spec{Name: "org4", Accounts: 4, Trails: 2, Buckets: 1, Topics: 1, Organization: true}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	client, err := inproc.New(ctx, []inproc.Connection{o.Connection()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	columns, err := FindingColumns(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := QueryAll(ctx, client, FindingTable, columns)
	if err != nil {
		t.Fatal(err)
	}
	accounts := map[string]bool{}
	for _, r := range rows["org"] {
		accounts[r["account_id"].(string)] = true
	}
	if len(accounts) != 4 {
		t.Errorf("findings of %d accounts; want the organization's 4", len(accounts))
	}
	got, want := awsemu.CountCalls(o.Server.Calls()), o.Bound(bound.RulesNeed)
	if d := bound.Diff(got, want); len(d) > 0 {
		t.Errorf("calls differing from the least (action: got / least): %v", d)
	}
}
