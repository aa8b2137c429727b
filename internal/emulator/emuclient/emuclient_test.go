package emuclient

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awstransport"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

func start(t *testing.T) (*Client, func(ak, sk, region string) aws.Config) {
	t.Helper()
	srv := awsemu.New(awsemu.Options{LookupEventsRate: -1})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	cfg := func(ak, sk, region string) aws.Config {
		return aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""),
			BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, HTTPClient: awstransport.NewClient()}
	}
	return New(url), cfg
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestControlClientDrivesAccountsFaultsAndRequestLog(t *testing.T) {
	ctx := context.Background()
	c, cfg := start(t)
	check(t, c.Health(ctx))
	check(t, c.AddAccount(ctx, "AKIDCTL", "ctlsecret", "333333333333"))
	id, err := sts.NewFromConfig(cfg("AKIDCTL", "ctlsecret", "us-east-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	check(t, err)
	if aws.ToString(id.Account) != "333333333333" {
		t.Fatalf("account = %s", aws.ToString(id.Account))
	}
	check(t, c.AddFault(ctx, Fault{Action: "sts:GetCallerIdentity", ErrorCode: "AccessDenied", Remaining: 1}))
	_, err = sts.NewFromConfig(cfg("test", "test", "us-east-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code(err) != "AccessDenied" {
		t.Fatalf("fault not applied: %v", err)
	}
	faults, err := c.Faults(ctx)
	check(t, err)
	if len(faults) != 0 {
		t.Fatalf("one-shot fault still active: %+v", faults)
	}
	counts, err := c.CallCounts(ctx)
	check(t, err)
	if counts["sts:GetCallerIdentity"] != 2 {
		t.Fatalf("counts = %v", counts)
	}
	check(t, c.ResetCalls(ctx))
	calls, err := c.Calls(ctx)
	check(t, err)
	if len(calls) != 0 {
		t.Fatalf("calls after reset = %v", calls)
	}
	check(t, c.SetLatency(ctx, 30*time.Millisecond))
	begin := time.Now()
	_, err = sts.NewFromConfig(cfg("test", "test", "us-east-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	check(t, err)
	if time.Since(begin) < 30*time.Millisecond {
		t.Fatal("latency not applied")
	}
	check(t, c.SetLatency(ctx, 0))
	check(t, c.SetLookupEventsRate(ctx, -1))
	check(t, c.ClearFaults(ctx))
	if err := c.SetBucketMFADelete(ctx, "123456789012", "no-such-bucket", "Enabled"); err == nil {
		t.Fatal("MFA Delete on a missing bucket accepted")
	}
}

func TestControlClientSetsStateOnlyAWSSets(t *testing.T) {
	ctx := context.Background()
	c, cfg := start(t)
	aws1 := cfg("test", "test", "us-east-1")
	s3c := s3.NewFromConfig(aws1, func(o *s3.Options) { o.UsePathStyle = true })
	ct := cloudtrail.NewFromConfig(aws1)

	check(t, c.AddForeignBucket(ctx, "their-logs", "444444444444", "us-east-1"))
	_, err := s3c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("their-logs")})
	if code(err) != "AccessDenied" {
		t.Fatalf("foreign bucket ACL: %v", err)
	}
	check(t, c.AddForeignTopic(ctx, "arn:aws:sns:us-east-1:444444444444:their-topic"))
	_, err = sns.NewFromConfig(aws1).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:us-east-1:444444444444:their-topic")})
	if code(err) != "AuthorizationError" {
		t.Fatalf("foreign topic: %v", err)
	}
	keyARN := "arn:aws:kms:us-east-1:444444444444:key/1234abcd-0000-4000-8000-000000000000"
	check(t, c.AddForeignKey(ctx, keyARN))
	_, err = kms.NewFromConfig(aws1).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyARN)})
	if code(err) != "AccessDeniedException" {
		t.Fatalf("foreign key: %v", err)
	}
	// A trail may deliver to the foreign bucket, notify the foreign topic and use the foreign key.
	tr, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("cross-account"), S3BucketName: aws.String("their-logs"),
		SnsTopicName: aws.String("arn:aws:sns:us-east-1:444444444444:their-topic"), KmsKeyId: aws.String(keyARN)})
	check(t, err)

	delivered := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	check(t, c.SetTrailStatus(ctx, TrailStatus{TrailARN: aws.ToString(tr.TrailARN),
		LatestDeliveryTime: delivered.Format(time.RFC3339), LatestNotificationError: "NotFound"}))
	st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: tr.TrailARN})
	check(t, err)
	if !st.LatestDeliveryTime.Equal(delivered) || aws.ToString(st.LatestNotificationError) != "NotFound" || st.LatestDigestDeliveryTime != nil {
		t.Fatalf("status = %+v", st)
	}
	check(t, c.SetTrailStatus(ctx, TrailStatus{TrailARN: aws.ToString(tr.TrailARN)}))
	st, err = ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: tr.TrailARN})
	check(t, err)
	if st.LatestDeliveryTime != nil || st.LatestNotificationError != nil {
		t.Fatalf("empty strings did not clear: %+v", st)
	}

	_, err = s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mfa-bucket")})
	check(t, err)
	check(t, c.SetBucketMFADelete(ctx, "123456789012", "mfa-bucket", "Enabled"))
	v, err := s3c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("mfa-bucket")})
	check(t, err)
	if v.MFADelete != "Enabled" {
		t.Fatalf("MFADelete = %q", v.MFADelete)
	}

	check(t, c.AddOrganizationTrail(ctx, OrganizationTrail{OwnerAccountID: "444444444444", MemberAccountIDs: []string{"123456789012"},
		Name: "org-wide", HomeRegion: "us-east-1", S3BucketName: "their-logs", IsMultiRegionTrail: true,
		IncludeGlobalServiceEvents: true, IsLogging: true, MemberCanReadStatus: true}))
	st, err = ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("arn:aws:cloudtrail:us-east-1:444444444444:trail/org-wide")})
	check(t, err)
	if !aws.ToBool(st.IsLogging) {
		t.Fatal("organization trail not logging")
	}

	// Events: the CreateTrail above is in the history; backdating moves it out of a recent window.
	recent := func() int {
		out, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(time.Now().Add(-24 * time.Hour)),
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateTrail")}}})
		check(t, err)
		return len(out.Events)
	}
	if n := recent(); n != 1 {
		t.Fatalf("recent CreateTrail events = %d", n)
	}
	check(t, c.BackdateEvents(ctx, "123456789012", 48*time.Hour))
	if n := recent(); n != 0 {
		t.Fatalf("backdated events still recent: %d", n)
	}
	check(t, c.AddEvent(ctx, EventInput{AccountID: "123456789012", Region: "us-east-1", EventName: "StopLogging",
		ResourceName: "arn:aws:cloudtrail:us-east-1:123456789012:trail/x", ErrorCode: "AccessDenied"}))
	out, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("StopLogging")}}})
	check(t, err)
	var doc map[string]any
	if len(out.Events) != 1 || json.Unmarshal([]byte(aws.ToString(out.Events[0].CloudTrailEvent)), &doc) != nil || doc["errorCode"] != "AccessDenied" {
		t.Fatalf("added event = %+v", out.Events)
	}
}
