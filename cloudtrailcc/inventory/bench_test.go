package inventory

import (
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awstransport"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// BenchmarkAccountSnapshot is the CPU and allocations of reading every
// fact of one account (W1's shape: 17 regions, 3 trails, 2 buckets, 1
// topic) with a fresh collector, against the emulator in this process
// without latency or pacing: what an account costs the plugin, the
// emulator's share included.
func BenchmarkAccountSnapshot(b *testing.B) {
	srv := awsemu.New(awsemu.Options{LookupEventsRate: -1})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	target := seed.Target{EndpointURL: url, AccessKey: awsemu.DefaultAccessKeyID, SecretKey: awsemu.DefaultSecretAccessKey,
		Control: emuclient.New(url)}
	if _, err := seed.Workload(b.Context(), target, 3, 2, 1); err != nil {
		b.Fatal(err)
	}
	// the same calls without CloudTrail's 2-a-second pace between an
	// account's LookupEvents of one region: CPU, not waiting
	paced := lookupPacers
	lookupPacers = newPacerSet(0)
	b.Cleanup(func() { lookupPacers = paced })
	pool := awstransport.NewPool()
	srv.ResetCalls()
	b.ReportAllocs()
	for b.Loop() {
		c, err := New(Config{EndpointURL: url, AccessKey: awsemu.DefaultAccessKeyID, SecretKey: awsemu.DefaultSecretAccessKey,
			HTTPClient: pool})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Snapshot(b.Context(), snapshot.NeedAll); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(srv.Calls()))/float64(b.N), "calls/op")
}
