package main

import (
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

func TestPeakInFlightCountsOverlappingCallsPerServiceAndRegion(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	calls := []awsemu.Call{
		{Action: "s3:GetBucketAcl", Region: "us-east-1", Time: at(0)},
		{Action: "s3:GetBucketLogging", Region: "us-east-1", Time: at(10)},
		{Action: "s3:GetBucketVersioning", Region: "us-east-1", Time: at(40)},
		{Action: "s3:GetBucketAcl", Region: "us-east-1", Time: at(50)}, // the first has ended
		{Action: "cloudtrail:DescribeTrails", Region: "us-east-1", Time: at(5)},
		{Action: "cloudtrail:DescribeTrails", Region: "eu-west-1", Time: at(5)},
	}
	n, where := peakInFlight(calls, 50*time.Millisecond)
	if n != 3 || where != "s3 us-east-1" {
		t.Fatalf("peak in flight = %d in %q, want 3 in \"s3 us-east-1\"", n, where)
	}
	if n, _ := peakInFlight(calls, 0); n != 0 {
		t.Errorf("without latency the peak is unknown, got %d", n)
	}
}

func TestIntsShowsEveryRunOnlyWhenRunsDisagree(t *testing.T) {
	if got := ints([]int{59, 59, 59}); got != "59" {
		t.Errorf("agreeing runs: %q", got)
	}
	if got := ints([]int{59, 61, 59}); got != "59 / 61 / 59" {
		t.Errorf("disagreeing runs: %q", got)
	}
}
