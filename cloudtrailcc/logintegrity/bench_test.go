//go:build integritybench

package logintegrity_test

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/logintegrity"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/validatelogs"
)

// benchEnv reads a positive integer setting of the measurement.
func benchEnv(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// TestMeasureOrganizationVerificationAgainstAWSCLI measures, on one
// organization trail of CLOUDTRAILCC_INTEGRITY_ACCOUNTS accounts (default
// 20) with CLOUDTRAILCC_INTEGRITY_DAYS days (default 7) of hourly digests
// and three log files an hour, under CLOUDTRAILCC_INTEGRITY_LATENCY_MS of
// latency per call (default 20): cloudtrailcc's wall time for the whole
// organization, its S3 GETs against the objects in the window and its
// peak heap growth, and aws-cli validate-logs' wall time for
// CLOUDTRAILCC_INTEGRITY_CLI_ACCOUNTS of the accounts (default 1; it
// validates one account per run). It is a measurement, not a check, so it
// is built only with the integritybench tag:
//
//	go test -tags integritybench -run TestMeasureOrganizationVerificationAgainstAWSCLI -v ./cloudtrailcc/logintegrity/
func TestMeasureOrganizationVerificationAgainstAWSCLI(t *testing.T) {
	nAccounts := benchEnv("CLOUDTRAILCC_INTEGRITY_ACCOUNTS", 20)
	days := benchEnv("CLOUDTRAILCC_INTEGRITY_DAYS", 7)
	latency := time.Duration(benchEnv("CLOUDTRAILCC_INTEGRITY_LATENCY_MS", 20)) * time.Millisecond
	cliAccounts := benchEnv("CLOUDTRAILCC_INTEGRITY_CLI_ACCOUNTS", 1)

	srv := awsemu.New(awsemu.Options{Regions: []string{home}})
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	s := &scenario{t: t, srv: srv, url: u}
	var members []string
	orgAccounts := []awsemu.OrgAccount{{AccountID: account}}
	for i := 1; i < nAccounts; i++ {
		id := strconv.Itoa(100000000000 + i)
		members = append(members, id)
		orgAccounts = append(orgAccounts, awsemu.OrgAccount{AccountID: id})
	}
	if err := srv.SetOrganization(awsemu.Organization{ManagementAccountID: account, Accounts: orgAccounts}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetClock(t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.s3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	arn, err := srv.AddOrganizationTrail(awsemu.OrganizationTrail{OwnerAccountID: account, MemberAccountIDs: members, Name: "org",
		HomeRegion: home, S3BucketName: bucket, IsLogging: true, LogFileValidationEnabled: true, MemberCanReadStatus: true})
	if err != nil {
		t.Fatal(err)
	}
	s.trail = arn
	hours := 24 * days
	for _, acct := range append([]string{account}, members...) {
		for m := 4; m < hours*60; m += 20 {
			srv.AddEvent(awsemu.EventInput{AccountID: acct, Region: home, EventName: "AssumeRole", EventSource: "sts.amazonaws.com", EventTime: t0.Add(time.Duration(m) * time.Minute)})
		}
	}
	began := time.Now()
	if err := srv.AdvanceClock(time.Duration(hours) * time.Hour); err != nil {
		t.Fatal(err)
	}
	t.Logf("delivered %d accounts x %d days in %s", nAccounts, days, time.Since(began).Round(time.Millisecond))
	objects := len(s.keys("AWSLogs/"))
	srv.SetLatency(latency)

	a := logintegrity.NewAWS(s.cfg("test", "test", home), home)
	tr, err := a.DescribeTrail(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	end := t0.Add(time.Duration(hours) * time.Hour)
	target, err := a.TargetOf(ctx, tr, nil, t0, end)
	if err != nil {
		t.Fatal(err)
	}
	// The emulator shares the heap: with a low GC target the peak above
	// the baseline is the verifier's own memory, not collector slack
	// proportional to the emulator's stored objects.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak {
				peak = m.HeapInuse
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	srv.ResetCalls()
	began = time.Now()
	sum, err := logintegrity.Verify(ctx, a, a, target, logintegrity.Options{Parallel: 64}, func(logintegrity.Result) {})
	ours := time.Since(began)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	gets := srv.CallCounts()["s3:GetObject"]
	t.Logf("cloudtrailcc: %d accounts x %d days, %s latency: %s wall, %d GetObject for %d objects, %d ListBucket, peak heap growth %.1f MiB; digests %v logs %v",
		nAccounts, days, latency, ours.Round(time.Millisecond), gets, objects, srv.CallCounts()["s3:ListBucket"],
		float64(peak-min(peak, base.HeapInuse))/(1<<20), sum.Digests, sum.Logs)
	if !sum.Clean() || gets != objects {
		t.Errorf("want a clean run reading each of the %d objects once; got %d GETs, %+v", objects, gets, sum)
	}

	if validatelogs.Available() != nil {
		return
	}
	var cliTotal time.Duration
	for i := 0; i < cliAccounts && i < len(target.Accounts); i++ {
		out, err := validatelogs.Run{Endpoint: s.url, Region: home, TrailARN: arn, Start: t0, End: end, Account: target.Accounts[i]}.Do(ctx)
		cliTotal += out.Wall
		if err != nil {
			t.Fatalf("aws-cli for %s: %v", target.Accounts[i], err)
		}
	}
	perAccount := cliTotal / time.Duration(min(cliAccounts, len(target.Accounts)))
	t.Logf("aws-cli validate-logs: %s for %d account(s), %s per account; %d accounts one after the other: about %s, %.1fx cloudtrailcc",
		cliTotal.Round(time.Millisecond), min(cliAccounts, len(target.Accounts)), perAccount.Round(time.Millisecond), nAccounts,
		(perAccount * time.Duration(nAccounts)).Round(time.Second), float64(perAccount*time.Duration(nAccounts))/float64(ours))
}
