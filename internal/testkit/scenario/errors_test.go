package scenario

import (
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// Each test here denies one read a rule needs and checks the rule says
// error (or info where the rule cannot decide by design) naming the call, never ok.

func TestBucketMFADeleteErrorsWhenVersioningDenied(t *testing.T) {
	e := newEnv(t)
	_, bucket := bucketTrail(e, seed.BucketSpec{BlockPublicAccess: true, Versioning: "Enabled"})
	e.deny("s3:GetBucketVersioning")
	e.expect(e.findings(), "bucket_mfa_delete", bucket, "error", "GetBucketVersioning", "AccessDenied")
}

func TestBucketNotPublicErrorsWhenPolicyStatusDenied(t *testing.T) {
	e := newEnv(t)
	_, bucket := bucketTrail(e, seed.BucketSpec{BlockPublicAccess: true})
	e.deny("s3:GetBucketPolicyStatus")
	e.expect(e.findings(), "bucket_not_public", bucket, "error", "GetBucketPolicyStatus")
}

func TestMultiRegionErrorsWhenTrailsCannotBeListed(t *testing.T) {
	e := newEnv(t)
	acct := e.build("nolist", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true, Logging: true})
	})
	e.deny("cloudtrail:DescribeTrails")
	e.expect(e.findings(), "multi_region", acct.ARN(), "error", "DescribeTrails")
}

func TestCloudWatchIntegrationErrorsWhenStatusDenied(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Status: seed.Healthy()}, withLogGroup)
	e.deny("cloudtrail:GetTrailStatus")
	e.expect(e.findings(), "cloudwatch_integration", tr.ARN, "error", "GetTrailStatus")
}

func TestDeliveryFailingErrorsWhenStatusDenied(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true})
	e.deny("cloudtrail:GetTrailStatus")
	e.expect(e.findings(), "delivery_failing", tr.ARN, "error", "GetTrailStatus")
}

func TestKMSEncryptionInfoWhenDescribeKeyDenied(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true}, withKey(seed.KeyEnabled))
	e.deny("kms:DescribeKey")
	e.expect(e.findings(), "kms_encryption", tr.ARN, "info", tr.KeyARN, "not verifiable")
}

func TestDataEventsErrorsWhenSelectorsDenied(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Classic: seed.AllS3DataEvents()})
	e.deny("cloudtrail:GetEventSelectors")
	e.expect(e.findings(), "data_events", tr.ARN, "error", "GetEventSelectors")
}

func TestManagementEventsErrorsWhenSelectorsDenied(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true})
	e.deny("cloudtrail:GetEventSelectors")
	e.expect(e.findings(), "management_events", tr.ARN, "error", "GetEventSelectors")
}

func TestGlobalServicesErrorsWhenStatusDenied(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("gsdenied", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true, Logging: true})
	})
	e.deny("cloudtrail:GetTrailStatus")
	e.expect(e.findings(), "global_services", acct.ARN(), "error", "GetTrailStatus")
}

func TestCloudWatchIntegrationOKJustInsideThe24HourWindow(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Status: &seed.TrailStatus{DeliveredAgo: time.Minute, CloudWatchAgo: 23 * time.Hour}},
		withLogGroup)
	e.expect(e.findings(), "cloudwatch_integration", tr.ARN, "ok")
}

func TestCloudWatchIntegrationAlarmsJustOutsideThe24HourWindow(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Status: &seed.TrailStatus{DeliveredAgo: time.Minute, CloudWatchAgo: 25 * time.Hour}},
		withLogGroup)
	e.expect(e.findings(), "cloudwatch_integration", tr.ARN, "alarm")
}
