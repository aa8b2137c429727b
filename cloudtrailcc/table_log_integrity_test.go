package cloudtrailcc_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/tamper"
)

// TestLogIntegrityRowsShowATamperedLogInTheQueriedWindow delivers four
// hours of logs and digests, overwrites one log file with an ordinary
// PutObject and queries cloudtrailcc_log_integrity over that window.
func TestLogIntegrityRowsShowATamperedLogInTheQueriedWindow(t *testing.T) {
	ctx := context.Background()
	srv := awsemu.New(awsemu.Options{Regions: []string{"us-east-1"}})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	if err := srv.SetClock(t0); err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ct := cloudtrail.NewFromConfig(cfg)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("audit-logs")}); err != nil {
		t.Fatal(err)
	}
	trail, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("audit-logs"), EnableLogFileValidation: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	for m := 1; m < 240; m += 15 {
		srv.AddEvent(awsemu.EventInput{AccountID: awsemu.DefaultAccountID, Region: "us-east-1", EventName: "RunInstances", EventSource: "ec2.amazonaws.com", EventTime: t0.Add(time.Duration(m) * time.Minute)})
	}
	if err := srv.AdvanceClock(4 * time.Hour); err != nil {
		t.Fatal(err)
	}
	list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("audit-logs"), Prefix: aws.String("AWSLogs/" + awsemu.DefaultAccountID + "/CloudTrail/")})
	if err != nil || len(list.Contents) < 10 {
		t.Fatalf("delivered logs: %v %v", list, err)
	}
	tampered := *list.Contents[4].Key
	if err := tamper.OverwriteLog(ctx, s3c, "audit-logs", tampered, "RunInstances", "StopInstances"); err != nil {
		t.Fatal(err)
	}

	c, err := inproc.New(ctx, []inproc.Connection{{Name: "aws", Config: "endpoint_url = \"" + url + "\"\naccess_key = \"test\"\nsecret_key = \"test\"\nregions = [\"us-east-1\"]\n"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	rows, err := c.Query(ctx, "aws", "cloudtrailcc_log_integrity", nil, []inproc.Qual{
		{Column: "period_start", Operator: ">=", Value: t0}, {Column: "period_end", Operator: "<=", Value: t0.Add(4 * time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, r := range rows {
		counts[r["kind"].(string)+"/"+r["status"].(string)+"/"+r["control_status"].(string)]++
		if r["object_key"] == tampered && (r["status"] != "modified" || r["trail_arn"] != *trail.TrailARN || r["detail"] == nil) {
			t.Errorf("tampered log row %v", r)
		}
	}
	if counts["digest/valid/ok"] != 4 || counts["log/modified/alarm"] != 1 || counts["log/valid/ok"] < 9 {
		t.Fatalf("row counts %v", counts)
	}

	_, err = c.Query(ctx, "aws", "cloudtrailcc_log_integrity", nil, []inproc.Qual{{Column: "period_start", Operator: ">=", Value: time.Now().Add(time.Hour)}})
	if err == nil || !strings.Contains(err.Error(), "future") {
		t.Fatalf("window in the future: %v", err)
	}
}
