//go:build e2e

package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/tamper"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/mods"
)

// integrityAccount is the account whose trail delivers log and digest
// files for the log file integrity benchmark (its own schema: a trail and
// bucket of its own would change the other accounts' findings).
var integrityAccount = account{schema: "integrity", accessKey: "AKIAE2EINTEGRITY", secretKey: "e2e-integrity-secret", accountID: "456789012345"}

// integrityBucket is the integrity account's trail bucket.
const integrityBucket = "e2e-integrity-logs"

// integrityHours is how many hours the trail delivers before the runs.
const integrityHours = 3

// assertLogIntegrityBenchmark runs the log file integrity benchmark on a
// trail that delivered three hours of log and digest files, ending at the
// last whole hour (the table's default window is the last 24 hours): the
// intact chain gives ok rows (and info for the hours before the trail
// existed), no alarm, exit 0. After a log file is overwritten with an
// ordinary PutObject, that file is an alarm saying modified, exit 1, and
// the rest stays ok; after a digest is deleted, it is an alarm saying
// deleted (that run with connection_name among the dimensions).
func (e *env) assertLogIntegrityBenchmark(t *testing.T) {
	ctx := context.Background()
	a := integrityAccount
	if err := e.emulator.AddAccount(ctx, a.accessKey, a.secretKey, a.accountID); err != nil {
		t.Fatal(err)
	}
	// The delivery clock stands still until moved; moving it back and
	// forward again delivers only the hours of trails logging since then.
	end := time.Now().UTC().Truncate(time.Hour)
	start := end.Add(-integrityHours * time.Hour)
	if err := e.emulator.SetClock(ctx, start); err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(e.emulatorURL), Credentials: credentials.NewStaticCredentialsProvider(a.accessKey, a.secretKey, "")}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ct := cloudtrail.NewFromConfig(cfg)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(integrityBucket)}); err != nil {
		t.Fatal(err)
	}
	trail, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("integrity"), S3BucketName: aws.String(integrityBucket), EnableLogFileValidation: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("integrity")}); err != nil {
		t.Fatal(err)
	}
	for m := 5; m < integrityHours*60; m += 20 {
		if err := e.emulator.AddEvent(ctx, eventInput(a.accountID, start.Add(time.Duration(m)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.emulator.AdvanceClock(ctx, integrityHours*time.Hour); err != nil {
		t.Fatal(err)
	}
	logKeys := listKeys(t, s3c, "AWSLogs/"+a.accountID+"/CloudTrail/")
	digestKeys := listKeys(t, s3c, "AWSLogs/"+a.accountID+"/CloudTrail-Digest/")
	if len(digestKeys) != integrityHours || len(logKeys) < integrityHours {
		t.Fatalf("the trail delivered %d digests and %d log files, want %d digests and a log file an hour", len(digestKeys), len(logKeys), integrityHours)
	}
	e.install(t, a, nil)

	opts := benchmarkOptions{benchmark: "cloudtrailcc.benchmark." + mods.IntegrityBenchmark, wantControls: []string{"control." + mods.IntegrityControl}}
	opts.wantExits = []int{0}
	run := e.benchmark(t, a, opts)
	got := integrityStatuses(t, run, *trail.TrailARN)
	for _, key := range append(slices.Clone(digestKeys), logKeys...) {
		uri := "s3://" + integrityBucket + "/" + key
		if got[uri] != "ok" {
			t.Errorf("intact chain: %s is %q, want ok", uri, got[uri])
		}
	}
	for resource, status := range got {
		if status != "ok" && !(status == "info" && resource == *trail.TrailARN) {
			t.Errorf("intact chain: %s is %s, want ok (info only for the hours before the trail)", resource, status)
		}
	}
	t.Logf("intact chain: %d results, %d digests and %d log files ok; before the trail: %s", len(got), len(digestKeys), len(logKeys), resultReason(run, *trail.TrailARN))

	tampered := logKeys[len(logKeys)/2]
	if err := tamper.OverwriteLog(context.Background(), s3c, integrityBucket, tampered, "DeleteBucket", "ListBuckets"); err != nil {
		t.Fatal(err)
	}
	opts.wantExits = []int{1}
	run = e.benchmark(t, a, opts)
	after := integrityStatuses(t, run, *trail.TrailARN)
	uri := "s3://" + integrityBucket + "/" + tampered
	for resource, status := range after {
		want := got[resource]
		if resource == uri {
			want = "alarm"
		}
		if status != want {
			t.Errorf("after overwriting %s: %s is %s, want %s", tampered, resource, status, want)
		}
	}
	reason := resultReason(run, uri)
	if !strings.Contains(reason, "is modified") {
		t.Errorf("the overwritten log's reason %q does not say it was modified", reason)
	}
	t.Logf("after overwriting a log file: %s", reason)

	// A digest deleted from the middle of the chain: its successor names
	// it, so it is reported deleted, though no object is left to list.
	deleted := digestKeys[1]
	if _, err := s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(integrityBucket), Key: aws.String(deleted)}); err != nil {
		t.Fatal(err)
	}
	// This run adds connection_name to the dimensions, as the rules'
	// controls take it.
	opts.args = []string{"--var", `common_dimensions=["account_id","region","connection_name"]`}
	run = e.benchmark(t, a, opts)
	recs := readCSV(t, "powerpipe", run.csv)
	if col := slices.Index(recs[0], "connection_name"); col < 0 || recs[1][col] == "" || recs[1][col] == "<nil>" {
		t.Errorf("with connection_name in common_dimensions: CSV header %v, first row %v", recs[0], recs[1])
	}
	uri = "s3://" + integrityBucket + "/" + deleted
	if after := integrityStatuses(t, run, *trail.TrailARN); after[uri] != "alarm" || !strings.Contains(resultReason(run, uri), "is deleted") {
		t.Errorf("after deleting %s: %s, reason %q; want an alarm saying deleted", deleted, after[uri], resultReason(run, uri))
	}
	t.Logf("after deleting a digest: %s", resultReason(run, uri))
}

// integrityStatuses returns the control's status per resource (for the
// trail's ARN, the resource of gaps, the worst of its rows), checking that
// no file is reported twice and that every CSV row names the trail in its
// trail_arn dimension.
func integrityStatuses(t *testing.T, run benchmarkRun, trailARN string) map[string]string {
	t.Helper()
	rank := map[string]int{"ok": 0, "info": 1, "error": 2, "alarm": 3}
	out := map[string]string{}
	for _, r := range run.controls["control."+mods.IntegrityControl].Results {
		prev, seen := out[r.Resource]
		if seen && r.Resource != trailARN {
			t.Errorf("%s is reported twice", r.Resource)
		}
		if !seen || rank[r.Status] > rank[prev] {
			out[r.Resource] = r.Status
		}
	}
	recs := readCSV(t, "powerpipe", run.csv)
	col := slices.Index(recs[0], "trail_arn")
	if col < 0 {
		t.Fatalf("CSV header %v has no trail_arn dimension", recs[0])
	}
	for _, r := range recs[1:] {
		if r[col] != trailARN {
			t.Errorf("CSV row with trail_arn %q, want %s", r[col], trailARN)
		}
	}
	return out
}

// eventInput is a DeleteBucket event of account at the given time.
func eventInput(account string, at time.Time) emuclient.EventInput {
	return emuclient.EventInput{AccountID: account, Region: "us-east-1", EventName: "DeleteBucket", EventSource: "s3.amazonaws.com", EventTime: at}
}

// resultReason is the reason of the control's result for resource.
func resultReason(run benchmarkRun, resource string) string {
	for _, r := range run.controls["control."+mods.IntegrityControl].Results {
		if r.Resource == resource {
			return r.Reason
		}
	}
	return ""
}

// listKeys lists the integrity bucket's keys under prefix.
func listKeys(t *testing.T, c *s3.Client, prefix string) []string {
	t.Helper()
	var out []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(integrityBucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	return out
}
