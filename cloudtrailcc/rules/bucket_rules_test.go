package rules

import (
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// bucketCommonCases are the cases every per-bucket rule shares: another
// account's bucket, a missing bucket, no trails, facts not loaded, trails
// that could not be listed.
func bucketCommonCases(need snapshot.Need, action string, deny func(a *snapshot.Account, b *snapshot.Bucket)) []ruleCase {
	return []ruleCase{
		{"other account's bucket is skipped", with(func(a *snapshot.Account) {
			b := bucket0(a)
			b.Owned = false
			deny(a, b)
		}), mainBktARN, StatusSkip, []string{"ct-logs", "another account"}},
		{"missing bucket is skipped", with(func(a *snapshot.Account) {
			b := bucket0(a)
			b.NotFound = true
			deny(a, b)
		}), mainBktARN, StatusSkip, []string{"ct-logs", "does not exist"}},
		{"own bucket denied is an error", with(func(a *snapshot.Account) { deny(a, bucket0(a)) }),
			mainBktARN, StatusError, []string{"ct-logs", action, "AccessDenied"}},
		{"ownership unknown and denied is an error", with(func(a *snapshot.Account) {
			a.OwnBucketsErr = denied("s3:ListAllMyBuckets")
			b := bucket0(a)
			b.Owned, b.OwnedKnown = false, false
			deny(a, b)
		}), mainBktARN, StatusError, []string{"s3:ListAllMyBuckets", "AccessDenied"}},
		{"ownership unknown is an error even when the bucket reads fine", with(func(a *snapshot.Account) {
			a.OwnBucketsErr = denied("s3:ListAllMyBuckets")
			b := bucket0(a)
			b.Owned, b.OwnedKnown = false, false
		}), mainBktARN, StatusError, []string{"ct-logs", "belongs to this account", "s3:ListAllMyBuckets"}},
		{"fact not loaded is an error", with(func(a *snapshot.Account) { a.Loaded &^= need }),
			mainBktARN, StatusError, []string{"ct-logs", action, "NotRead"}},
		{"bucket never read is an error", with(func(a *snapshot.Account) { a.Buckets = nil }),
			mainBktARN, StatusError, []string{"ct-logs", "NotRead"}},
		{"no trails gives the account-level skip", with(func(a *snapshot.Account) { a.Trails = nil }),
			acctRes, StatusSkip, []string{"no CloudTrail trails in this account"}},
		{"trails not listed in a region is a region error", with(func(a *snapshot.Account) {
			a.TrailListErrors = map[string]*snapshot.ReadError{"eu-west-1": throttled("cloudtrail:DescribeTrails")}
		}), "arn:aws::eu-west-1:123456789012", StatusError, []string{"eu-west-1", "cloudtrail:DescribeTrails", "ThrottlingException"}},
	}
}

func TestBucketAccessLogging(t *testing.T) {
	cases := []ruleCase{
		{"logging on", cleanAccount(), mainBktARN, StatusOK, []string{"ct-logs", "access-logs", `"ct-logs/"`}},
		{"logging off", with(func(a *snapshot.Account) { bucket0(a).Logging = &snapshot.BucketLogging{} }),
			mainBktARN, StatusAlarm, []string{"ct-logs", "disabled"}},
		{"NoSuchBucket on the call is a skip", with(func(a *snapshot.Account) {
			b := bucket0(a)
			b.Logging, b.LoggingErr = nil, notFound("s3:GetBucketLogging", "NoSuchBucket")
		}), mainBktARN, StatusSkip, []string{"ct-logs", "does not exist"}},
	}
	cases = append(cases, bucketCommonCases(snapshot.NeedBucketLogging, "s3:GetBucketLogging", func(_ *snapshot.Account, b *snapshot.Bucket) {
		b.Logging, b.LoggingErr = nil, denied("s3:GetBucketLogging")
	})...)
	runCases(t, "bucket_access_logging", cases)
}

func TestBucketMFADelete(t *testing.T) {
	vers := func(status, mfa string) *snapshot.Account {
		return with(func(a *snapshot.Account) {
			bucket0(a).Versioning = &snapshot.BucketVersioning{Status: status, MFADelete: mfa}
		})
	}
	cases := []ruleCase{
		{"enabled", cleanAccount(), mainBktARN, StatusOK, []string{"ct-logs", "MFA Delete Enabled", "versioning Enabled"}},
		{"disabled", vers("Enabled", "Disabled"), mainBktARN, StatusAlarm, []string{"ct-logs", "MFA Delete Disabled", "versioning Enabled"}},
		{"never configured, versioning suspended", vers("Suspended", ""), mainBktARN, StatusAlarm,
			[]string{"never configured", "versioning Suspended"}},
		{"never configured, versioning never set", vers("", ""), mainBktARN, StatusAlarm,
			[]string{"never configured", "versioning never enabled"}},
	}
	cases = append(cases, bucketCommonCases(snapshot.NeedBucketVersioning, "s3:GetBucketVersioning", func(_ *snapshot.Account, b *snapshot.Bucket) {
		b.Versioning, b.VersioningErr = nil, denied("s3:GetBucketVersioning")
	})...)
	runCases(t, "bucket_mfa_delete", cases)

	// Evidence tells Disabled from missing.
	f, _ := findingFor(Evaluate(vers("Enabled", ""), "bucket_mfa_delete"), "bucket_mfa_delete", mainBktARN)
	if f.Evidence["mfa_delete_configured"] != false {
		t.Errorf("evidence mfa_delete_configured = %v, want false", f.Evidence["mfa_delete_configured"])
	}
}

// publicBucket returns the clean account with its bucket open on both paths
// (AllUsers READ grant, public policy, ACLs enabled, no Public Access Block).
func publicBucket(fn func(a *snapshot.Account, b *snapshot.Bucket)) *snapshot.Account {
	return with(func(a *snapshot.Account) {
		b := bucket0(a)
		b.ACL.Grants = append(b.ACL.Grants, snapshot.Grant{Type: "Group", URI: snapshot.AllUsersURI, Permission: "READ"})
		b.Policy = &snapshot.BucketPolicyStatus{Exists: true, IsPublic: true}
		b.PublicAccessBlock, b.ObjectOwnership = nil, "ObjectWriter"
		a.AccountPublicAccessBlock = nil
		fn(a, b)
	})
}

func TestBucketNotPublic(t *testing.T) {
	cases := []ruleCase{
		{"ACLs disabled and policy restricted", cleanAccount(), mainBktARN, StatusOK, []string{"ct-logs", "BucketOwnerEnforced", "RestrictPublicBuckets"}},
		{"both paths open", publicBucket(func(*snapshot.Account, *snapshot.Bucket) {}), mainBktARN, StatusAlarm,
			[]string{"ct-logs", "READ to AllUsers", "policy is public"}},
		{"account-level Ignore and Restrict", publicBucket(func(a *snapshot.Account, _ *snapshot.Bucket) {
			a.AccountPublicAccessBlock = &snapshot.PublicAccessBlock{IgnorePublicAcls: true, RestrictPublicBuckets: true}
		}), mainBktARN, StatusOK, []string{"IgnorePublicAcls and RestrictPublicBuckets on at account level"}},
		{"bucket-level Ignore and Restrict", publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
			b.PublicAccessBlock = &snapshot.PublicAccessBlock{IgnorePublicAcls: true, RestrictPublicBuckets: true}
		}), mainBktARN, StatusOK, []string{"IgnorePublicAcls and RestrictPublicBuckets on at bucket level"}},
		{"Block flags never make an existing grant or policy private", publicBucket(func(a *snapshot.Account, b *snapshot.Bucket) {
			b.ACL.Grants[1].URI, b.ACL.Grants[1].Permission = snapshot.AuthenticatedUsersURI, "WRITE"
			b.PublicAccessBlock = &snapshot.PublicAccessBlock{BlockPublicAcls: true, BlockPublicPolicy: true}
			a.AccountPublicAccessBlock = &snapshot.PublicAccessBlock{BlockPublicAcls: true, BlockPublicPolicy: true}
		}), mainBktARN, StatusAlarm, []string{"WRITE to AuthenticatedUsers", "policy is public"}},
		{"BucketOwnerEnforced closes the ACL path only", publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
			b.ObjectOwnership = "BucketOwnerEnforced"
		}), mainBktARN, StatusAlarm, []string{"policy is public"}},
		{"IgnorePublicAcls without RestrictPublicBuckets leaves the policy open", publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
			b.PublicAccessBlock = &snapshot.PublicAccessBlock{IgnorePublicAcls: true}
			b.Policy.IsPublic = true
		}), mainBktARN, StatusAlarm, []string{"policy is public"}},
		{"ACL grant only, no policy", publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
			b.Policy = &snapshot.BucketPolicyStatus{}
		}), mainBktARN, StatusAlarm, []string{"READ to AllUsers"}},
		{"private by facts: no public grant, no policy", publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
			b.ACL.Grants = b.ACL.Grants[:1]
			b.Policy = &snapshot.BucketPolicyStatus{}
		}), mainBktARN, StatusOK, []string{"no ACL grant to AllUsers", "no bucket policy"}},
		{"NoSuchBucketPolicy is a fact, not an error", publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
			b.ACL.Grants = b.ACL.Grants[:1]
			b.Policy, b.PolicyErr = nil, notFound("s3:GetBucketPolicyStatus", "NoSuchBucketPolicy")
		}), mainBktARN, StatusOK, []string{"no bucket policy"}},
		{"public grant with unreadable account PAB is an error", publicBucket(func(a *snapshot.Account, b *snapshot.Bucket) {
			b.Policy = &snapshot.BucketPolicyStatus{}
			a.AccountPublicAccessBlockErr = denied("s3:GetAccountPublicAccessBlock")
		}), mainBktARN, StatusError, []string{"s3:GetAccountPublicAccessBlock", "AccessDenied"}},
		{"unreadable ACL is an error", publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
			b.Policy = &snapshot.BucketPolicyStatus{}
			b.ACL, b.ACLErr = nil, denied("s3:GetBucketAcl")
		}), mainBktARN, StatusError, []string{"s3:GetBucketAcl", "AccessDenied"}},
		{"unreadable ACL is an error even when ACLs are disabled", with(func(a *snapshot.Account) {
			b := bucket0(a)
			b.ACL, b.ACLErr = nil, denied("s3:GetBucketAcl")
		}), mainBktARN, StatusError, []string{"s3:GetBucketAcl", "AccessDenied"}},
		{"unreadable account PAB is an error even when the bucket PAB is on", with(func(a *snapshot.Account) {
			a.AccountPublicAccessBlock, a.AccountPublicAccessBlockErr = nil, denied("s3:GetAccountPublicAccessBlock")
		}), mainBktARN, StatusError, []string{"s3:GetAccountPublicAccessBlock"}},
		{"open ACL path alarms even when the policy is unreadable", publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
			b.Policy, b.PolicyErr = nil, denied("s3:GetBucketPolicyStatus")
		}), mainBktARN, StatusAlarm, []string{"READ to AllUsers"}},
		{"unreadable policy is an error", publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
			b.ACL.Grants = b.ACL.Grants[:1]
			b.Policy, b.PolicyErr = nil, throttled("s3:GetBucketPolicyStatus")
		}), mainBktARN, StatusError, []string{"s3:GetBucketPolicyStatus", "ThrottlingException"}},
		{"public grant with unreadable ownership controls is an error", publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
			b.Policy = &snapshot.BucketPolicyStatus{}
			b.ObjectOwnership, b.OwnershipRead, b.OwnershipErr = "", false, denied("s3:GetBucketOwnershipControls")
		}), mainBktARN, StatusError, []string{"s3:GetBucketOwnershipControls"}},
	}
	cases = append(cases, bucketCommonCases(snapshot.NeedBucketPublic, "s3:GetBucketAcl", func(a *snapshot.Account, b *snapshot.Bucket) {
		// With the account-level block on, bucket facts would not matter.
		a.AccountPublicAccessBlock = nil
		b.ACL, b.ACLErr = nil, denied("s3:GetBucketAcl")
		b.Policy, b.PolicyErr = nil, denied("s3:GetBucketPolicyStatus")
		b.PublicAccessBlock, b.PublicAccessBlockRead, b.PublicAccessBlockErr = nil, false, denied("s3:GetBucketPublicAccessBlock")
		b.ObjectOwnership, b.OwnershipRead, b.OwnershipErr = "", false, denied("s3:GetBucketOwnershipControls")
	})...)
	runCases(t, "bucket_not_public", cases)

	// Block* flags are in the evidence.
	fs := Evaluate(publicBucket(func(_ *snapshot.Account, b *snapshot.Bucket) {
		b.PublicAccessBlock = &snapshot.PublicAccessBlock{BlockPublicAcls: true}
	}), "bucket_not_public")
	pab, _ := fs[0].Evidence["bucket_public_access_block"].(map[string]any)
	if pab["BlockPublicAcls"] != true {
		t.Errorf("evidence bucket_public_access_block = %v, want BlockPublicAcls true", fs[0].Evidence["bucket_public_access_block"])
	}
}

func TestOneFindingPerSharedBucket(t *testing.T) {
	a := cleanAccount()
	second := goodTrail()
	second.ARN, second.Name = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/second", "second"
	a.Trails = append(a.Trails, second)
	for _, id := range []string{"bucket_access_logging", "bucket_mfa_delete", "bucket_not_public"} {
		fs := Evaluate(a, id)
		if len(fs) != 1 || fs[0].Resource != mainBktARN {
			t.Errorf("%s: want one finding for %s, got %s", id, mainBktARN, dump(fs))
			continue
		}
		if trails, _ := fs[0].Evidence["trails"].([]string); len(trails) != 2 {
			t.Errorf("%s: evidence trails = %v, want both trails", id, fs[0].Evidence["trails"])
		}
	}
}
