package bound

import (
	"maps"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// w1 is the shape of the W1 workload: 17 regions, a multi-region trail and
// two regional ones, two buckets, one topic.
func w1() Account {
	regions := []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
		"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
		"ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-southeast-1", "ap-southeast-2", "sa-east-1"}
	topic := "arn:aws:sns:us-east-1:123456789012:s00"
	return Account{
		AccountID: "123456789012",
		Regions:   regions,
		Trails: []Trail{
			{ARN: "arn:aws:cloudtrail:us-east-1:123456789012:trail/t00", HomeRegion: "us-east-1", OwnerAccountID: "123456789012", Bucket: "b00", TopicARN: topic},
			{ARN: "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/t01", HomeRegion: "ap-northeast-1", OwnerAccountID: "123456789012", Bucket: "b01", TopicARN: topic},
			{ARN: "arn:aws:cloudtrail:ap-northeast-2:123456789012:trail/t02", HomeRegion: "ap-northeast-2", OwnerAccountID: "123456789012", Bucket: "b00", TopicARN: topic},
		},
	}
}

func TestCallsOfW1(t *testing.T) {
	got := Calls(w1(), RulesNeed)
	want := map[string]int{
		GetCallerIdentity: 1, DescribeRegions: 1, DescribeTrails: 17, LookupEvents: 17,
		GetTrailStatus: 3, GetEventSelectors: 3,
		ListBuckets: 1, GetBucketLocation: 2, GetBucketLogging: 2, GetBucketVersioning: 2, GetBucketAcl: 2,
		GetBucketPolicyStatus: 2, GetBucketPublicAccessBlock: 2, GetBucketOwnershipControls: 2,
		GetAccountPublicAccess: 1, GetTopicAttributes: 1,
	}
	if !maps.Equal(got, want) {
		t.Fatalf("calls differ (action: [got want]): %v", Diff(got, want))
	}
	if n := Total(got); n != 59 {
		t.Errorf("total = %d, want 59", n)
	}
	if g := NewGraph(RulesNeed, w1()); !maps.Equal(g.Counts(), got) {
		t.Errorf("graph has other calls than the bound: %v", Diff(g.Counts(), got))
	}
}

func TestCallsFollowWhatIsSeeded(t *testing.T) {
	a := w1()
	a.UnlistedBuckets = []string{"b01"}
	a.Trails[1].KeyARN = "arn:aws:kms:ap-northeast-1:123456789012:key/k1"
	a.Trails[2].KeyARN = "arn:aws:kms:ap-northeast-1:123456789012:key/k1"
	a.Trails[0].HasInsightSelectors = true
	a.LookupPages = map[string]int{"us-east-1": 3}
	a.ListBucketsPages = 2
	got := Calls(a, snapshot.NeedAll)
	checks := map[string]int{
		GetBucketLocation: 2, GetBucketAcl: 1, DescribeKey: 1, GetInsightSelectors: 1,
		LookupEvents: 19, ListBuckets: 2, ListTags: 3, GetAccountPublicAccess: 1, GetBucketTagging: 1,
	}
	for action, want := range checks {
		if got[action] != want {
			t.Errorf("%s = %d, want %d", action, got[action], want)
		}
	}
	if g := NewGraph(snapshot.NeedAll, a); !maps.Equal(g.Counts(), got) {
		t.Errorf("graph has other calls than the bound: %v", Diff(g.Counts(), got))
	}
	// one rule's facts only
	only := Calls(a, snapshot.NeedTrails|snapshot.NeedTrailStatus)
	want := map[string]int{GetCallerIdentity: 1, DescribeRegions: 1, DescribeTrails: 17, GetTrailStatus: 3}
	if !maps.Equal(only, want) {
		t.Errorf("status only: %v", Diff(only, want))
	}
}

func TestCriticalPathOfW1IsFiveRoundTrips(t *testing.T) {
	p := NewGraph(RulesNeed, w1()).CriticalPath(50*time.Millisecond, LookupEventsInterval)
	if p.RoundTrips != 5 || p.Duration != 250*time.Millisecond {
		t.Fatalf("critical path = %d round trips, %s (%v); want 5, 250ms", p.RoundTrips, p.Duration, p.Calls)
	}
	want := []string{GetCallerIdentity, DescribeRegions, DescribeTrails, GetBucketLocation}
	for i, action := range want {
		if len(p.Calls) <= i || p.Calls[i][:len(action)] != action {
			t.Fatalf("path %v does not go through %v", p.Calls, want)
		}
	}
	// twenty independent accounts: the same path length
	accts := make([]Account, 20)
	for i := range accts {
		accts[i] = w1()
	}
	if p20 := NewGraph(RulesNeed, accts...).CriticalPath(50*time.Millisecond, LookupEventsInterval); p20.Duration != p.Duration {
		t.Errorf("20 accounts: %s, want %s", p20.Duration, p.Duration)
	}
}

func TestCriticalPathKeepsLookupEventsPace(t *testing.T) {
	a := w1()
	a.LookupPages = map[string]int{"eu-west-1": 3}
	p := NewGraph(RulesNeed, a).CriticalPath(50*time.Millisecond, LookupEventsInterval)
	// identity 0-50, regions 50-100, page 1 100-150, page 2 600-650, page 3 1100-1150
	if p.Duration != 1150*time.Millisecond || p.RoundTrips != 5 {
		t.Fatalf("critical path = %d round trips, %s (%v); want 5, 1.15s", p.RoundTrips, p.Duration, p.Calls)
	}
	// at a latency above the interval, pages are latency-bound
	p = NewGraph(RulesNeed, a).CriticalPath(time.Second, LookupEventsInterval)
	if p.Duration != 5*time.Second {
		t.Fatalf("at 1s latency: %s, want 5s", p.Duration)
	}
}

func TestCriticalPathWithoutLatencyIsStillTheLongestChain(t *testing.T) {
	p := NewGraph(RulesNeed, w1()).CriticalPath(0, 0)
	if p.Duration != 0 || p.RoundTrips != 5 {
		t.Fatalf("at zero latency: %s, %d round trips (%v); want 0s, 5", p.Duration, p.RoundTrips, p.Calls)
	}
}
