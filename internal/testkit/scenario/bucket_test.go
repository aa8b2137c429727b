package scenario

import (
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// bucketTrail seeds one logging trail delivering to a bucket made by spec
// (CloudTrail policy added) and returns the account and the bucket's ARN.
func bucketTrail(e *env, spec seed.BucketSpec) (*seed.Account, string) {
	var name string
	acct := e.build("bucket", func(b *seed.Builder) {
		spec.Role = "trail-bucket"
		spec.CloudTrailFor = []string{b.TrailARN(b.HomeRegion(), "main")}
		name = b.Bucket(spec)
		b.Trail(seed.TrailSpec{Role: "main", Bucket: name, MultiRegion: true, GlobalEvents: true, Logging: true})
	})
	return acct, acct.BucketARN(name)
}

func TestBucketAccessLoggingOKNamesTargetBucketAndPrefix(t *testing.T) {
	e := newEnv(t)
	var logs string
	acct := e.build("logging", func(b *seed.Builder) {
		logs = b.Bucket(seed.BucketSpec{Role: "logs", AccessLogTarget: true})
		trail(b, seed.TrailSpec{Role: "main", Bucket: b.Bucket(seed.BucketSpec{Role: "trail-bucket",
			CloudTrailFor: []string{b.TrailARN(b.HomeRegion(), "main")}, LogTarget: logs}), Logging: true})
	})
	bucket := acct.Trail("main").Bucket
	e.expect(e.findings(), "bucket_access_logging", acct.BucketARN(bucket), "ok", logs, bucket+"/")
}

func TestBucketAccessLoggingAlarmsWhenLoggingIsOff(t *testing.T) {
	e := newEnv(t)
	_, bucket := bucketTrail(e, seed.BucketSpec{BlockPublicAccess: true})
	e.expect(e.findings(), "bucket_access_logging", bucket, "alarm")
}

func TestBucketMFADeleteOKWhenEnabled(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, bucket := bucketTrail(e, seed.BucketSpec{BlockPublicAccess: true, MFADelete: true})
	e.expect(e.findings(), "bucket_mfa_delete", bucket, "ok", "Enabled")
}

func TestBucketMFADeleteAlarmSaysVersioningNeverConfigured(t *testing.T) {
	e := newEnv(t)
	_, bucket := bucketTrail(e, seed.BucketSpec{BlockPublicAccess: true})
	f := e.expect(e.findings(), "bucket_mfa_delete", bucket, "alarm", "never")
	if f.Evidence == nil {
		t.Errorf("no evidence on %s", f)
	}
}

func TestBucketMFADeleteAlarmTellsDisabledFromMissing(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	var name string
	acct := e.build("mfa", func(b *seed.Builder) {
		name = b.Bucket(seed.BucketSpec{Role: "trail-bucket", CloudTrailFor: []string{b.TrailARN(b.HomeRegion(), "main")},
			BlockPublicAccess: true, Versioning: "Enabled"})
		b.SetMFADelete(name, "Disabled")
		b.Trail(seed.TrailSpec{Role: "main", Bucket: name, Logging: true})
	})
	e.expect(e.findings(), "bucket_mfa_delete", acct.BucketARN(name), "alarm", "Disabled", "Enabled")
}

func TestBucketMFADeleteAlarmSaysVersioningSuspended(t *testing.T) {
	e := newEnv(t)
	_, bucket := bucketTrail(e, seed.BucketSpec{BlockPublicAccess: true, Versioning: "Suspended"})
	e.expect(e.findings(), "bucket_mfa_delete", bucket, "alarm", "Suspended")
}

func TestBucketNotPublicOKWithBucketPublicAccessBlock(t *testing.T) {
	e := newEnv(t)
	_, bucket := bucketTrail(e, seed.BucketSpec{BlockPublicAccess: true})
	e.expect(e.findings(), "bucket_not_public", bucket, "ok")
}

func TestBucketNotPublicOKWhenAccountPublicAccessBlockIgnoresPublicACL(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("accountpab", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", Bucket: b.Bucket(seed.BucketSpec{Role: "trail-bucket",
			CloudTrailFor: []string{b.TrailARN(b.HomeRegion(), "main")}, PublicReadACL: true}), Logging: true})
		b.AccountPublicAccessBlock(true, true) // after the grant: a public ACL cannot be put while BlockPublicAcls is on
	})
	e.expect(e.findings(), "bucket_not_public", acct.BucketARN(acct.Trail("main").Bucket), "ok", "IgnorePublicAcls", "account")
}

func TestBucketNotPublicAlarmsOnAllUsersACLGrant(t *testing.T) {
	e := newEnv(t)
	_, bucket := bucketTrail(e, seed.BucketSpec{PublicReadACL: true})
	e.expect(e.findings(), "bucket_not_public", bucket, "alarm", "AllUsers", "READ")
}

func TestBucketNotPublicAlarmsOnPublicPolicy(t *testing.T) {
	e := newEnv(t)
	_, bucket := bucketTrail(e, seed.BucketSpec{PublicPolicy: true})
	e.expect(e.findings(), "bucket_not_public", bucket, "alarm", "policy")
}

func TestBucketNotPublicOKForSourceArnPolicyWithoutPublicAccessBlock(t *testing.T) {
	e := newEnv(t)
	_, bucket := bucketTrail(e, seed.BucketSpec{})
	f := e.expect(e.findings(), "bucket_not_public", bucket, "ok")
	if f.Status == "error" {
		e.failf("bucket_not_public", "a missing Public Access Block is a fact, not an error: %s", f)
	}
}

func TestBucketNotPublicTreatsMissingPolicyAndPublicAccessBlockAsFacts(t *testing.T) {
	e := newEnv(t)
	var name string
	acct := e.build("nopolicy", func(b *seed.Builder) {
		name = b.Bucket(seed.BucketSpec{Role: "trail-bucket"})
		b.Trail(seed.TrailSpec{Role: "main", Bucket: name, Logging: true})
	})
	e.expect(e.findings(), "bucket_not_public", acct.BucketARN(name), "ok")
}

func TestBucketRulesReportASharedBucketOnce(t *testing.T) {
	e := newEnv(t)
	var name string
	acct := e.build("shared", func(b *seed.Builder) {
		r := b.HomeRegion()
		name = b.Bucket(seed.BucketSpec{Role: "shared", BlockPublicAccess: true,
			CloudTrailFor: []string{b.TrailARN(r, "one"), b.TrailARN(r, "two"), b.TrailARN("eu-west-1", "three")}})
		b.Trail(seed.TrailSpec{Role: "one", Bucket: name, Logging: true})
		b.Trail(seed.TrailSpec{Role: "two", Bucket: name, Logging: true})
		b.Trail(seed.TrailSpec{Role: "three", Region: "eu-west-1", Bucket: name, Logging: true})
	})
	fs := e.findings()
	for _, rule := range []string{"bucket_access_logging", "bucket_mfa_delete", "bucket_not_public"} {
		if n := len(fs.rule(rule).about(acct.BucketARN(name))); n != 1 {
			t.Errorf("%s: %d findings about the bucket three trails share, want 1:%s", rule, n, fs.rule(rule))
		}
	}
}

func TestBucketRulesSkipAnotherAccountsBucket(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	var name string
	acct := e.build("foreign", func(b *seed.Builder) {
		name = b.ForeignBucket("central-logs", "210987654321", "us-east-1")
		b.Trail(seed.TrailSpec{Role: "main", Bucket: name, MultiRegion: true, GlobalEvents: true, Logging: true})
	})
	fs := e.findings()
	for _, rule := range []string{"bucket_access_logging", "bucket_mfa_delete", "bucket_not_public"} {
		e.expect(fs, rule, acct.BucketARN(name), "skip", name)
	}
}

func TestBucketRulesSkipMissingBucket(t *testing.T) {
	e := newEnv(t)
	var name string
	acct := e.build("gone", func(b *seed.Builder) {
		name = b.Bucket(seed.BucketSpec{Role: "trail-bucket", CloudTrailFor: []string{b.TrailARN(b.HomeRegion(), "main")}})
		b.Trail(seed.TrailSpec{Role: "main", Bucket: name, Logging: true})
		b.DeleteBucket(name)
	})
	fs := e.findings()
	for _, rule := range []string{"bucket_access_logging", "bucket_mfa_delete", "bucket_not_public"} {
		e.expect(fs, rule, acct.BucketARN(name), "skip", name, "does not exist")
	}
}

func TestBucketAccessLoggingErrorsWhenOwnBucketDenied(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, bucket := bucketTrail(e, seed.BucketSpec{BlockPublicAccess: true})
	e.deny("s3:GetBucketLogging")
	e.expect(e.findings(), "bucket_access_logging", bucket, "error", "GetBucketLogging", "AccessDenied")
}

func TestBucketRulesSkipAccountWithoutTrails(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("empty", func(*seed.Builder) {})
	fs := e.findings()
	for _, rule := range []string{"bucket_access_logging", "bucket_mfa_delete", "bucket_not_public"} {
		e.expect(fs, rule, acct.ARN(), "skip", "no CloudTrail trail")
	}
}
