package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

// demoAccountID is the account of the emulator's default credentials.
const demoAccountID = awsemu.DefaultAccountID

// loggingTrail makes the emulator's default account deliver hours of logs
// and digests from t0 for a trail "main" with log file validation; it
// returns an S3 client of the account.
func loggingTrail(t *testing.T, url string, srvSetClock func(time.Time) error, advance func(time.Duration) error, addEvent func(time.Time), t0 time.Time, hours int) *s3.Client {
	t.Helper()
	ctx := context.Background()
	if err := srvSetClock(t0); err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: credentials.NewStaticCredentialsProvider(demoAccessKey, demoSecretKey, "")}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ct := cloudtrail.NewFromConfig(cfg)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("verify-logs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("verify-logs"), EnableLogFileValidation: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	for m := 2; m < hours*60; m += 20 {
		addEvent(t0.Add(time.Duration(m) * time.Minute))
	}
	if err := advance(time.Duration(hours) * time.Hour); err != nil {
		t.Fatal(err)
	}
	return s3c
}

func TestVerifyReportsADeletedDigestAndExitsLikeValidateLogs(t *testing.T) {
	srv, url := emulatorServer(t)
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	s3c := loggingTrail(t, url, srv.SetClock, srv.AdvanceClock, func(at time.Time) {
		srv.AddEvent(awsemu.EventInput{AccountID: demoAccountID, Region: "us-east-1", EventName: "CreateUser", EventSource: "iam.amazonaws.com", EventTime: at})
	}, t0, 4)
	window := []string{"verify", "--start-time", "2026-11-30T08:00:00Z", "--end-time", "2026-11-30T12:00:00Z"}
	r := cli(t, "", append(window, emulatorArgs(url)...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "4/4 digest files valid") {
		t.Fatalf("intact: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	list, err := s3c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("verify-logs"), Prefix: aws.String("AWSLogs/" + demoAccountID + "/CloudTrail-Digest/")})
	if err != nil || len(list.Contents) != 4 {
		t.Fatalf("digests: %v %v", list, err)
	}
	deleted := *list.Contents[1].Key
	if _, err := s3c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("verify-logs"), Key: list.Contents[1].Key}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r = cli(t, dir, append(window, append(emulatorArgs(url), "--output", "json", "--export", "out.csv")...)...)
	if r.code != 1 {
		t.Fatalf("deleted digest: exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var doc struct {
		Results []struct{ Status, Object_key string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("json output: %v\n%s", err, r.stdout)
	}
	found := false
	for _, x := range doc.Results {
		if x.Object_key == deleted && x.Status == "deleted" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no deleted row for %s in %s", deleted, r.stdout)
	}
	csvOut, err := os.ReadFile(filepath.Join(dir, "out.csv"))
	if err != nil || !strings.Contains(string(csvOut), "deleted,digest,"+demoAccountID) {
		t.Fatalf("csv export: %v\n%s", err, csvOut)
	}

	for _, bad := range [][]string{
		{"verify", "--start-time", "2026-11-30T12:00:00Z", "--end-time", "2026-11-30T12:00:00Z"},
		{"verify", "--start-time", "yesterday"},
		{"verify", "--start-time", time.Now().Add(48 * time.Hour).Format(time.RFC3339)},
	} {
		r := cli(t, "", append(bad, emulatorArgs(url)...)...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, r.code)
		}
		r.oneErrorLine(t)
	}
}
