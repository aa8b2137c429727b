package scenario

import (
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

func TestMultiRegionTrailShadowCopiesCountedOnce(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("shadow", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true, Validation: true, Logging: true})
	})
	tr := acct.Trail("main")
	fs := e.findings()
	for _, rule := range []string{"cloudwatch_integration", "log_file_validation", "kms_encryption", "data_events",
		"delivery_failing", "management_events", "sns_topic_exists"} {
		got := fs.rule(rule)
		if len(got) != 1 || got[0].Resource != tr.ARN {
			t.Errorf("%s: want exactly one finding, about %s (home %s), got:%s", rule, tr.ARN, tr.HomeRegion, got)
		} else if got[0].Region != tr.HomeRegion {
			t.Errorf("%s: finding region %q, want the trail's home region %q", rule, got[0].Region, tr.HomeRegion)
		}
	}
	e.expect(fs, "duplicate_global_events", acct.ARN(), "ok")
}

func TestOrganizationTrailOfAnotherAccountIsSkippedNamingItsOwner(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	acct := e.build("org", func(b *seed.Builder) {
		b.OrganizationTrail(seed.OrganizationTrailSpec{Role: "org", Owner: managementAccount,
			Bucket: b.ForeignBucket("org-logs", managementAccount, "us-east-1"), MultiRegion: true, GlobalEvents: true, Logging: true})
		trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true, Logging: true})
	})
	org := acct.Trail("org")
	fs := e.findings()
	// Its status cannot be read from this account: the rules that need it skip.
	e.expect(fs, "delivery_failing", org.ARN, "skip", managementAccount)
	for _, f := range fs.about(org.ARN) {
		if f.Status == "error" {
			t.Errorf("organization trail of another account: %s", f)
		}
	}
	e.expect(fs, "bucket_not_public", acct.BucketARN(org.Bucket), "skip", org.Bucket)
	e.expect(fs, "multi_region", acct.ARN(), "ok", acct.Trail("main").Name)
}

func TestAccountWithoutTrailsSkipsEveryPerResourceRuleOnce(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("bare", func(*seed.Builder) {})
	fs := e.findings()
	for _, rule := range allRules {
		got := fs.rule(rule)
		if len(got) == 0 {
			e.failf(rule, "%s: missing from the report", rule)
		}
		for _, f := range got {
			if f.Status == "error" {
				e.failf(rule, "%s: error in an account without trails: %s", rule, f)
			}
		}
	}
	e.expect(fs, "multi_region", acct.ARN(), "alarm", "no CloudTrail trail")
	e.expect(fs, "log_file_validation", acct.ARN(), "skip")
}

func TestMultiRegionTrailHomedOutsideConfiguredRegionsStillCounts(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("outside", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", Region: "us-east-1", MultiRegion: true, GlobalEvents: true, Logging: true})
	})
	e.regions = []string{"eu-west-1"}
	tr := acct.Trail("main")
	fs := e.findings()
	e.expect(fs, "multi_region", acct.ARN(), "ok", tr.Name)
	if f := e.expect(fs, "log_file_validation", tr.ARN, "alarm"); f.Region != "us-east-1" {
		t.Errorf("the trail is evaluated in its home region us-east-1, got %q", f.Region)
	}
}

func TestBucketFindingsCarryTheBucketsOwnRegion(t *testing.T) {
	e := newEnv(t)
	var eu, east string
	acct := e.build("regions", func(b *seed.Builder) {
		eu = b.Bucket(seed.BucketSpec{Role: "eu-bucket", Region: "eu-west-1", BlockPublicAccess: true,
			CloudTrailFor: []string{b.TrailARN("us-east-1", "main")}})
		east = b.Bucket(seed.BucketSpec{Role: "east-bucket", Region: "us-east-1", BlockPublicAccess: true,
			CloudTrailFor: []string{b.TrailARN("us-west-2", "west")}})
		b.Trail(seed.TrailSpec{Role: "main", Region: "us-east-1", Bucket: eu, Logging: true})
		b.Trail(seed.TrailSpec{Role: "west", Region: "us-west-2", Bucket: east, Logging: true})
	})
	fs := e.findings()
	for bucket, region := range map[string]string{eu: "eu-west-1", east: "us-east-1"} {
		if f := e.expect(fs, "bucket_not_public", acct.BucketARN(bucket), "ok"); f.Region != region {
			t.Errorf("bucket %s: finding region %q, want %q (GetBucketLocation)", bucket, f.Region, region)
		}
	}
}

func TestBucketNotPublicOKUnderModernBucketDefaults(t *testing.T) {
	e := newEnvWith(t, awsemu.Options{Regions: emulatorRegions, ModernBucketDefaults: true})
	var name string
	acct := e.build("modern", func(b *seed.Builder) {
		name = b.Bucket(seed.BucketSpec{Role: "trail-bucket", CloudTrailFor: []string{b.TrailARN(b.HomeRegion(), "main")}})
		b.Trail(seed.TrailSpec{Role: "main", Bucket: name, Logging: true})
	})
	e.expect(e.findings(), "bucket_not_public", acct.BucketARN(name), "ok")
}

func TestBadAccountBucketIsPublicUnderModernBucketDefaults(t *testing.T) {
	e := newEnvWith(t, awsemu.Options{Regions: emulatorRegions, ModernBucketDefaults: true})
	acct := e.seed(seed.Bad)
	e.expect(e.findings(), "bucket_not_public", acct.BucketARN(acct.Bucket("trail").Name), "alarm", "AllUsers")
}
