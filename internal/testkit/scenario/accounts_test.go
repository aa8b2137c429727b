package scenario

import (
	"context"
	"slices"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// trail creates a trail with its own private bucket (CloudTrail policy
// limited by aws:SourceArn, Public Access Block on) unless spec names one.
func trail(b *seed.Builder, spec seed.TrailSpec) *seed.Trail {
	if spec.Region == "" {
		spec.Region = b.HomeRegion()
	}
	if spec.Bucket == "" {
		spec.Bucket = b.Bucket(seed.BucketSpec{Role: spec.Role + "-bucket",
			CloudTrailFor: []string{b.TrailARN(spec.Region, spec.Role)}, BlockPublicAccess: true})
	}
	return b.Trail(spec)
}

func TestCleanAccountHasNoAlarmAndNoError(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.seed(seed.Clean)
	fs := e.findings()
	for _, rule := range allRules {
		got := fs.rule(rule)
		if len(got) == 0 {
			e.failf(rule, "%s: no finding (every rule appears in every report)", rule)
			continue
		}
		if rule == "config_changes" && !e.moto && slices.Contains(acct.Uncontrolled, "events_backdated") {
			t.Logf("config_changes not asserted: the setup's own changes could not be aged out of the window")
			continue
		}
		if bad := append(got.withStatus("alarm"), got.withStatus("error")...); len(bad) > 0 {
			e.failf(rule, "%s: clean account has alarm/error findings:%s", rule, bad)
		}
		if len(got.withStatus("ok")) == 0 {
			e.failf(rule, "%s: clean account has no ok finding:%s", rule, got)
		}
	}
}

func TestBadAccountAlarmsEveryRule(t *testing.T) {
	e := newEnv(t)
	acct := e.seed(seed.Bad)
	fs := e.findings()
	for _, rule := range allRules {
		if len(fs.rule(rule).withStatus("alarm")) == 0 {
			e.failf(rule, "%s: bad account gives no alarm:%s", rule, fs.rule(rule))
		}
	}
	regional, bucket := acct.Trail("regional"), acct.BucketARN(acct.Bucket("trail").Name)
	e.expect(fs, "bucket_not_public", bucket, "alarm", "AllUsers")
	e.expect(fs, "bucket_access_logging", bucket, "alarm")
	e.expect(fs, "bucket_mfa_delete", bucket, "alarm")
	e.expect(fs, "log_file_validation", regional.ARN, "alarm", regional.Name)
	e.expect(fs, "kms_encryption", regional.ARN, "alarm", "SSE-S3")
	e.expect(fs, "cloudwatch_integration", regional.ARN, "alarm")
	e.expect(fs, "management_events", regional.ARN, "alarm")
	e.expect(fs, "sns_topic_exists", regional.ARN, "alarm", acct.DeletedTopics[0])
	e.expect(fs, "data_events", acct.Trail("global-stopped").ARN, "alarm")
	e.expect(fs, "delivery_failing", acct.Trail("global-stopped").ARN, "alarm", "not logging")
	if e.target.Control != nil || e.moto { // on moto, only motoGaps may excuse it
		e.expect(fs, "delivery_failing", regional.ARN, "alarm", "AccessDenied")
	}
}

func TestDemoAccountShowsItsDeliberateMistakes(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	acct := e.seed(seed.Demo)
	fs := e.findings()
	audit, eu, legacy := acct.Trail("org-audit"), acct.Trail("eu-app"), acct.Trail("us-legacy")
	e.expectRule(fs, "multi_region", "ok", audit.Name)
	e.expectRule(fs, "global_services", "ok")
	e.expectRule(fs, "duplicate_global_events", "alarm", audit.Name, legacy.Name)
	e.expect(fs, "kms_encryption", audit.ARN, "ok")
	e.expect(fs, "kms_encryption", eu.ARN, "alarm")
	e.expect(fs, "log_file_validation", eu.ARN, "alarm")
	e.expect(fs, "bucket_not_public", acct.BucketARN(eu.Bucket), "alarm", "AllUsers")
	e.expect(fs, "bucket_not_public", acct.BucketARN(audit.Bucket), "ok")
	e.expect(fs, "bucket_mfa_delete", acct.BucketARN(audit.Bucket), "alarm")
	e.expect(fs, "bucket_access_logging", acct.BucketARN(eu.Bucket), "alarm")
	e.expect(fs, "sns_topic_exists", eu.ARN, "alarm")
	e.expect(fs, "delivery_failing", eu.ARN, "alarm", "NotFound")
	e.expect(fs, "cloudwatch_integration", legacy.ARN, "alarm")
	e.expect(fs, "cloudwatch_integration", audit.ARN, "ok")
	e.expect(fs, "data_events", legacy.ARN, "alarm")
	e.expect(fs, "data_events", audit.ARN, "ok")
	e.expect(fs, "management_events", eu.ARN, "alarm")
	for _, rule := range allRules {
		if rule != "multi_region" && rule != "global_services" && len(fs.rule(rule).withStatus("alarm")) == 0 {
			e.failf(rule, "%s: the demo account shows no alarm:%s", rule, fs.rule(rule))
		}
	}
}

func TestWorkloadW1SeedsThreeTrailsTwoBucketsOneTopic(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	e.regions = []string{"*"} // Workload spreads trails over every enabled region
	acct := e.seed(func(ctx context.Context, tg seed.Target) (*seed.Account, error) {
		return seed.Workload(ctx, tg, 3, 2, 1)
	})
	if len(acct.Trails) != 3 || len(acct.TrailBuckets()) != 2 || len(acct.Topics) != 1 {
		t.Fatalf("seeded %d trails, %d buckets, %d topics; want 3, 2, 1", len(acct.Trails), len(acct.TrailBuckets()), len(acct.Topics))
	}
	fs := e.findings()
	if n := len(fs.rule("log_file_validation")); n != 3 {
		e.failf("log_file_validation", "log_file_validation: %d findings, want one per trail (3):%s", n, fs.rule("log_file_validation"))
	}
	if n := len(fs.rule("bucket_not_public")); n != 2 {
		e.failf("bucket_not_public", "bucket_not_public: %d findings, want one per bucket (2):%s", n, fs.rule("bucket_not_public"))
	}
	e.expectRule(fs, "sns_topic_exists", "ok")
	e.expectRule(fs, "multi_region", "ok", acct.Trails[0].Name)
}

func TestWorkloadW2SeedsFortyTrailsThirtyBuckets(t *testing.T) {
	e := newEnvWith(t, awsemu.Options{}) // all 17 default regions: 40 trails need more than 3 regions' 5-trail limits
	e.exclusive()
	e.regions = []string{"*"}
	acct := e.seed(func(ctx context.Context, tg seed.Target) (*seed.Account, error) {
		return seed.Workload(ctx, tg, 40, 30, 0)
	})
	if len(acct.Trails) != 40 || len(acct.TrailBuckets()) != 30 {
		t.Fatalf("seeded %d trails, %d buckets; want 40, 30", len(acct.Trails), len(acct.TrailBuckets()))
	}
	fs := e.findings()
	if n := len(fs.rule("delivery_failing")); n != 40 {
		t.Errorf("delivery_failing: %d findings, want 40", n)
	}
	if n := len(fs.rule("bucket_mfa_delete")); n != 30 {
		t.Errorf("bucket_mfa_delete: %d findings, want 30", n)
	}
}
