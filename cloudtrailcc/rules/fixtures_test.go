package rules

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// Fixture identities.
const (
	acctID     = "123456789012"
	otherAcct  = "210987654321"
	mainTrail  = "arn:aws:cloudtrail:us-east-1:123456789012:trail/main"
	mainBucket = "ct-logs"
	mainBktARN = "arn:aws:s3:::ct-logs"
	mainTopic  = "arn:aws:sns:us-east-1:123456789012:ct-topic"
	mainKey    = "arn:aws:kms:us-east-1:123456789012:key/1111-2222"
	mainGroup  = "arn:aws:logs:us-east-1:123456789012:log-group:ct:*"
	acctRes    = "arn:aws:::123456789012"
	orgTrail   = "arn:aws:cloudtrail:us-east-1:210987654321:trail/org"
	orgBucket  = "org-logs"
)

// now is the fixtures' ReadAt.
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func tp(t time.Time) *time.Time { return &t }

func hoursAgo(h float64) *time.Time { return tp(now.Add(-time.Duration(h * float64(time.Hour)))) }

// allPAB is a Public Access Block with every flag on.
func allPAB() *snapshot.PublicAccessBlock {
	return &snapshot.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}
}

// denied is an AccessDenied read error of action.
func denied(action string) *snapshot.ReadError {
	return &snapshot.ReadError{Action: action, Code: "AccessDenied", Message: "not authorized", Class: snapshot.ClassAccessDenied}
}

// notFound is a not-found read error of action.
func notFound(action, code string) *snapshot.ReadError {
	return &snapshot.ReadError{Action: action, Code: code, Message: "does not exist", Class: snapshot.ClassNotFound}
}

// throttled is a throttling read error of action.
func throttled(action string) *snapshot.ReadError {
	return &snapshot.ReadError{Action: action, Code: "ThrottlingException", Message: "rate exceeded", Class: snapshot.ClassThrottled}
}

// goodTrail is a trail that passes every per-trail rule.
func goodTrail() *snapshot.Trail {
	return &snapshot.Trail{
		ARN: mainTrail, Name: "main", HomeRegion: "us-east-1", OwnerAccountID: acctID,
		S3BucketName: mainBucket, SnsTopicARN: mainTopic,
		IncludeGlobalServiceEvents: true, IsMultiRegionTrail: true, LogFileValidationEnabled: true,
		CloudWatchLogsLogGroupARN: mainGroup, CloudWatchLogsRoleARN: "arn:aws:iam::123456789012:role/ct-cw",
		KmsKeyID: mainKey,
		Status: &snapshot.TrailStatus{
			IsLogging: true, LatestDeliveryTime: hoursAgo(0.2), LatestCloudWatchLogsDeliveryTime: hoursAgo(1),
			StartLoggingTime: hoursAgo(1000),
		},
		Selectors: &snapshot.EventSelectors{
			Classic: []snapshot.ClassicSelector{{
				ReadWriteType: "All", IncludeManagementEvents: true,
				DataResources:                 []snapshot.DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3"}}},
				ExcludeManagementEventSources: []string{},
			}},
		},
	}
}

// goodBucket is a private, logged, MFA-Delete bucket.
func goodBucket(name string) *snapshot.Bucket {
	return &snapshot.Bucket{
		Name: name, Owned: true, OwnedKnown: true, Region: "us-east-1",
		Logging:    &snapshot.BucketLogging{TargetBucket: "access-logs", TargetPrefix: name + "/"},
		Versioning: &snapshot.BucketVersioning{Status: "Enabled", MFADelete: "Enabled"},
		ACL: &snapshot.BucketACL{OwnerID: "owner", Grants: []snapshot.Grant{
			{Type: "CanonicalUser", ID: "owner", Permission: "FULL_CONTROL"}}},
		Policy:            &snapshot.BucketPolicyStatus{Exists: true, IsPublic: false},
		PublicAccessBlock: allPAB(), PublicAccessBlockRead: true,
		ObjectOwnership: "BucketOwnerEnforced", OwnershipRead: true,
	}
}

// cleanAccount is an account where every rule passes.
func cleanAccount() *snapshot.Account {
	return &snapshot.Account{
		AccountID: acctID, Partition: "aws", CallerARN: "arn:aws:iam::123456789012:user/auditor", ReadAt: now,
		Regions:                  []string{"ap-south-1", "eu-west-1", "us-east-1"},
		Trails:                   []*snapshot.Trail{goodTrail()},
		Buckets:                  map[string]*snapshot.Bucket{mainBucket: goodBucket(mainBucket)},
		AccountPublicAccessBlock: allPAB(),
		Topics:                   map[string]*snapshot.Topic{mainTopic: {ARN: mainTopic, Region: "us-east-1", AccountID: acctID, Exists: true}},
		Keys:                     map[string]*snapshot.Key{mainKey: {ID: mainKey, Region: "us-east-1", AccountID: acctID, State: "Enabled", Enabled: true}},
		ConfigChangeWindowStart:  now.Add(-24 * time.Hour), ConfigChangeWindowEnd: now,
		ConfigChangeEventNames: snapshot.DefaultConfigChangeEventNames,
		Loaded:                 snapshot.NeedAll,
	}
}

// badTrail is a trail that fails every per-trail rule.
func badTrail(name string) *snapshot.Trail {
	return &snapshot.Trail{
		ARN: "arn:aws:cloudtrail:us-east-1:123456789012:trail/" + name, Name: name, HomeRegion: "us-east-1",
		OwnerAccountID: acctID, S3BucketName: "bad-logs", SnsTopicARN: "arn:aws:sns:us-east-1:123456789012:gone",
		IncludeGlobalServiceEvents: true,
		Status:                     &snapshot.TrailStatus{IsLogging: false, StopLoggingTime: hoursAgo(30), LatestDeliveryTime: hoursAgo(31)},
		Selectors: &snapshot.EventSelectors{Classic: []snapshot.ClassicSelector{{
			ReadWriteType: "All", IncludeManagementEvents: false}}},
	}
}

// badAccount is an account where every rule alarms.
func badAccount() *snapshot.Account {
	a := cleanAccount()
	a.Trails = []*snapshot.Trail{badTrail("regional-a"), badTrail("regional-b")}
	a.Buckets = map[string]*snapshot.Bucket{"bad-logs": {
		Name: "bad-logs", Owned: true, OwnedKnown: true, Region: "us-east-1",
		Logging:    &snapshot.BucketLogging{},
		Versioning: &snapshot.BucketVersioning{},
		ACL: &snapshot.BucketACL{OwnerID: "owner", Grants: []snapshot.Grant{
			{Type: "CanonicalUser", ID: "owner", Permission: "FULL_CONTROL"},
			{Type: "Group", URI: snapshot.AllUsersURI, Permission: "READ"}}},
		Policy:                &snapshot.BucketPolicyStatus{Exists: true, IsPublic: true},
		PublicAccessBlockRead: true, ObjectOwnership: "ObjectWriter", OwnershipRead: true,
	}}
	a.AccountPublicAccessBlock = nil
	gone := "arn:aws:sns:us-east-1:123456789012:gone"
	a.Topics = map[string]*snapshot.Topic{gone: {ARN: gone, Region: "us-east-1", AccountID: acctID,
		Err: notFound("sns:GetTopicAttributes", "NotFound")}}
	a.Keys = nil
	a.ConfigChanges = []*snapshot.ConfigChangeEvent{{
		EventID: "e1", EventName: "StopLogging", EventTime: now.Add(-2 * time.Hour), Region: "us-east-1",
		EventSource: "cloudtrail.amazonaws.com", UserIdentityType: "IAMUser",
		UserIdentityARN: "arn:aws:iam::123456789012:user/mallory", SourceIPAddress: "198.51.100.7",
		RequestParameters: json.RawMessage(`{"name":"regional-a"}`), Trail: "regional-a",
	}}
	return a
}

// with returns the clean account changed by fn.
func with(fn func(a *snapshot.Account)) *snapshot.Account {
	a := cleanAccount()
	fn(a)
	return a
}

// trail0 returns the account's first trail.
func trail0(a *snapshot.Account) *snapshot.Trail { return a.Trails[0] }

// bucket0 returns the clean account's bucket.
func bucket0(a *snapshot.Account) *snapshot.Bucket { return a.Buckets[mainBucket] }

// ruleCase is one expected finding of one rule on one account.
type ruleCase struct {
	name     string
	acct     *snapshot.Account
	resource string
	status   Status
	words    []string // must all appear in the reason
}

// runCases evaluates rule on each case's account and checks the finding for
// the case's resource.
func runCases(t *testing.T, rule string, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := Evaluate(tc.acct, rule)
			f, ok := findingFor(fs, rule, tc.resource)
			if !ok {
				t.Fatalf("no %s finding for %s; got %s", rule, tc.resource, dump(fs))
			}
			if f.Status != tc.status {
				t.Errorf("status = %s, want %s; reason: %s", f.Status, tc.status, f.Reason)
			}
			for _, w := range tc.words {
				if !strings.Contains(f.Reason, w) {
					t.Errorf("reason %q lacks %q", f.Reason, w)
				}
			}
			if _, err := json.Marshal(f.Evidence); err != nil {
				t.Errorf("evidence does not serialise: %v", err)
			}
		})
	}
}

// findingFor returns the first finding of rule for resource.
func findingFor(fs []Finding, rule, resource string) (Finding, bool) {
	for _, f := range fs {
		if f.RuleID == rule && f.Resource == resource {
			return f, true
		}
	}
	return Finding{}, false
}

// dump formats findings for failure messages.
func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n  " + f.RuleID + " " + string(f.Status) + " " + f.Resource + ": " + f.Reason)
	}
	return b.String()
}

// hasFinding reports whether fs holds a finding with f's rule, status,
// resource and reason.
func hasFinding(fs []Finding, f Finding) bool {
	return slices.ContainsFunc(fs, func(g Finding) bool { return dump([]Finding{g}) == dump([]Finding{f}) })
}

// contains is strings.Contains, for brevity.
func contains(s, sub string) bool { return strings.Contains(s, sub) }
