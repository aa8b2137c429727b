package seed_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// emulator starts a fresh in-process emulator and returns a Target for it.
func emulator(t *testing.T) seed.Target {
	t.Helper()
	t.Parallel()
	s := awsemu.New(awsemu.Options{Regions: []string{"eu-west-1", "us-east-1", "us-west-2"}})
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return seed.Target{EndpointURL: base, AccessKey: "test", SecretKey: "test", Region: "us-east-1", Control: emuclient.New(base)}
}

// clients returns region's SDK clients for tg.
func clients(t *testing.T, tg seed.Target, region string) *seed.Clients {
	t.Helper()
	c, err := seed.NewClients(tg, region)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// errorCode returns err's AWS error code ("" for none).
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestCleanSeedsTheTrailItDescribes(t *testing.T) {
	tg := emulator(t)
	ctx := t.Context()
	acct, err := seed.Clean(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.Uncontrolled) != 0 {
		t.Errorf("on the emulator every control step applies; left: %v", acct.Uncontrolled)
	}
	tr := acct.Trail("main")
	if tr == nil || len(acct.Trails) != 1 {
		t.Fatalf("want one trail with role main, got %+v", acct.Trails)
	}
	c := clients(t, tg, tr.HomeRegion)
	got, err := c.CloudTrail.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(tr.ARN)})
	if err != nil {
		t.Fatal(err)
	}
	g := got.Trail
	if !aws.ToBool(g.IsMultiRegionTrail) || !aws.ToBool(g.IncludeGlobalServiceEvents) || !aws.ToBool(g.LogFileValidationEnabled) ||
		aws.ToString(g.KmsKeyId) != tr.KeyARN || aws.ToString(g.CloudWatchLogsLogGroupArn) != tr.LogGroupARN ||
		aws.ToString(g.SnsTopicARN) != tr.TopicARN || aws.ToString(g.S3BucketName) != tr.Bucket {
		t.Errorf("GetTrail does not match the description: %+v vs %+v", g, tr)
	}
	sel, err := c.CloudTrail.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(tr.ARN)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sel.EventSelectors) != 1 || len(sel.EventSelectors[0].DataResources) != 1 || !aws.ToBool(sel.EventSelectors[0].IncludeManagementEvents) {
		t.Errorf("event selectors: %+v", sel.EventSelectors)
	}
	st, err := c.CloudTrail.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(tr.ARN)})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(st.IsLogging) || st.LatestCloudWatchLogsDeliveryTime == nil || time.Since(*st.LatestCloudWatchLogsDeliveryTime) > time.Hour ||
		st.LatestDeliveryError != nil {
		t.Errorf("trail status: logging %v, CloudWatch delivery %v, delivery error %v",
			aws.ToBool(st.IsLogging), st.LatestCloudWatchLogsDeliveryTime, aws.ToString(st.LatestDeliveryError))
	}
	key, err := c.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(tr.KeyARN)})
	if err != nil || !key.KeyMetadata.Enabled {
		t.Errorf("key %s: %v %+v", tr.KeyARN, err, key)
	}
	if _, err := c.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(tr.TopicARN)}); err != nil {
		t.Errorf("topic %s: %v", tr.TopicARN, err)
	}
}

func TestCleanSeedsAPrivateVersionedLoggedBucket(t *testing.T) {
	tg := emulator(t)
	ctx := t.Context()
	acct, err := seed.Clean(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	bucket := acct.Trail("main").Bucket
	c := clients(t, tg, tg.Region)
	v, err := c.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil || v.Status != s3types.BucketVersioningStatusEnabled || v.MFADelete != s3types.MFADeleteStatusEnabled {
		t.Errorf("versioning of %s: %v %+v", bucket, err, v)
	}
	l, err := c.S3.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String(bucket)})
	if err != nil || l.LoggingEnabled == nil || aws.ToString(l.LoggingEnabled.TargetBucket) != acct.Bucket("main-access-logs").Name {
		t.Errorf("logging of %s: %v %+v", bucket, err, l)
	}
	pab, err := c.S3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.IgnorePublicAcls) || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Errorf("public access block of %s: %v", bucket, err)
	}
	ps, err := c.S3.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String(bucket)})
	if err != nil || aws.ToBool(ps.PolicyStatus.IsPublic) {
		t.Errorf("policy of %s must exist and not be public (aws:SourceArn condition): %v %+v", bucket, err, ps)
	}
	acl, err := c.S3.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range acl.Grants {
		if g.Grantee != nil && g.Grantee.Type == s3types.TypeGroup {
			t.Errorf("owner-only ACL expected, found group grant %s", aws.ToString(g.Grantee.URI))
		}
	}
}

func TestBadSeedsDeletedTopicAndPublicBucket(t *testing.T) {
	tg := emulator(t)
	ctx := t.Context()
	acct, err := seed.Bad(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	regional := acct.Trail("regional")
	if regional == nil || regional.HomeRegion != "eu-west-1" || regional.MultiRegion || regional.GlobalEvents {
		t.Fatalf("regional trail: %+v", regional)
	}
	_, err = clients(t, tg, "eu-west-1").SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(regional.TopicARN)})
	if code := errorCode(err); code != "NotFound" {
		t.Errorf("topic named by the regional trail: want NotFound, got %v", err)
	}
	c := clients(t, tg, tg.Region)
	acl, err := c.S3.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(regional.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	public := false
	for _, g := range acl.Grants {
		public = public || (g.Grantee != nil && aws.ToString(g.Grantee.URI) == "http://acs.amazonaws.com/groups/global/AllUsers")
	}
	if !public {
		t.Errorf("bucket %s has no AllUsers grant: %+v", regional.Bucket, acl.Grants)
	}
	_, err = c.S3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(regional.Bucket)})
	if code := errorCode(err); code != "NoSuchPublicAccessBlockConfiguration" {
		t.Errorf("bucket public access block: want none, got %v", err)
	}
	st, err := c.CloudTrail.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(acct.Trail("global-stopped").ARN)})
	if err != nil || aws.ToBool(st.IsLogging) || st.StopLoggingTime == nil {
		t.Errorf("global-stopped: want stopped with a StopLoggingTime: %v %+v", err, st)
	}
}

func TestEveryResourceNameIsPrefixed(t *testing.T) {
	tg := emulator(t)
	acct, err := seed.Demo(t.Context(), tg)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tr := range acct.Trails {
		names = append(names, tr.Name)
	}
	for _, b := range acct.Buckets {
		names = append(names, b.Name)
	}
	for _, arn := range slices.Concat(acct.Topics, acct.DeletedTopics, acct.LogGroups) {
		names = append(names, arn[strings.LastIndex(strings.TrimSuffix(arn, ":*"), ":")+1:])
	}
	for _, n := range names {
		if !strings.HasPrefix(n, seed.NamePrefix) {
			t.Errorf("%q does not start with %q", n, seed.NamePrefix)
		}
		if len(n) > 63 {
			t.Errorf("%q is longer than a bucket name may be", n)
		}
	}
}

func TestWorkloadSeedsTheRequestedCounts(t *testing.T) {
	tg := emulator(t)
	acct, err := seed.Workload(t.Context(), tg, 12, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.Trails) != 12 || len(acct.TrailBuckets()) != 5 || len(acct.Topics) != 2 {
		t.Fatalf("seeded %d trails, %d buckets, %d topics; want 12, 5, 2", len(acct.Trails), len(acct.TrailBuckets()), len(acct.Topics))
	}
	homes := map[string]int{}
	for _, tr := range acct.Trails {
		homes[tr.HomeRegion]++
	}
	if len(homes) < 3 {
		t.Errorf("trails not spread over the enabled regions: %v", homes)
	}
}

func TestWorkloadRefusesTrailsWithoutBuckets(t *testing.T) {
	if _, err := seed.Workload(context.Background(), seed.Target{}, 2, 0, 0); err == nil || !strings.Contains(err.Error(), "bucket") {
		t.Fatalf("Workload(2 trails, 0 buckets): want an error about buckets, got %v", err)
	}
}

func TestBuilderStopsAtFirstFailedStepNamingIt(t *testing.T) {
	tg := emulator(t)
	b := seed.NewBuilder(t.Context(), tg, "broken")
	b.Trail(seed.TrailSpec{Role: "main", Bucket: seed.NamePrefix + "does-not-exist"})
	topic := b.Topic("us-east-1", "after")
	_, err := b.Account()
	if err == nil || !strings.Contains(err.Error(), "cloudtrail:CreateTrail") {
		t.Fatalf("want an error naming cloudtrail:CreateTrail, got %v", err)
	}
	if topic != "" {
		t.Errorf("a step after the failure still ran (topic %s)", topic)
	}
}

func TestWithoutControlEndpointStateOnlyAWSSetsIsReportedAsLeftUnset(t *testing.T) {
	tg := emulator(t)
	tg.Control = nil
	acct, err := seed.Clean(t.Context(), tg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mfa_delete", "trail_status", "events_backdated"} {
		if !slices.Contains(acct.Uncontrolled, want) {
			t.Errorf("Uncontrolled %v lacks %q", acct.Uncontrolled, want)
		}
	}
	if b := acct.Bucket("main-trail"); b == nil || b.MFADelete {
		t.Errorf("MFA Delete cannot be enabled without the control endpoint: %+v", b)
	}
	b := seed.NewBuilder(t.Context(), tg, "foreign")
	b.ForeignBucket("x", "210987654321", "us-east-1")
	if _, err := b.Account(); !errors.Is(err, seed.ErrNoControl) {
		t.Errorf("ForeignBucket without control: want ErrNoControl, got %v", err)
	}
}

func TestWorkloadRefusesMoreTrailsThanTheRegionsHold(t *testing.T) {
	tg := emulator(t)
	_, err := seed.Workload(t.Context(), tg, 14, 1, 0) // 3 regions hold 1 + 3*4 = 13
	if err == nil || !strings.Contains(err.Error(), "per region") {
		t.Fatalf("want an error about the per-region trail limit, got %v", err)
	}
}

func TestDestroyRemovesWhatBadCreated(t *testing.T) {
	tg := emulator(t)
	ctx := t.Context()
	acct, err := seed.Bad(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Destroy(ctx, tg, acct); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	for _, region := range []string{"eu-west-1", "us-east-1", "us-west-2"} {
		out, err := clients(t, tg, region).CloudTrail.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.TrailList) != 0 {
			t.Errorf("%s: %d trails left", region, len(out.TrailList))
		}
	}
	out, err := clients(t, tg, tg.Region).S3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range out.Buckets {
		t.Errorf("bucket %s left", aws.ToString(b.Name))
	}
	if err := seed.Destroy(ctx, tg, acct); err != nil {
		t.Errorf("a second Destroy must find everything gone and not fail: %v", err)
	}
}
