package rules

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// contractIDs are the rule ids in catalogue order.
var contractIDs = []string{"bucket_access_logging", "bucket_mfa_delete", "bucket_not_public", "config_changes",
	"multi_region", "global_services", "cloudwatch_integration", "log_file_validation", "kms_encryption",
	"data_events", "delivery_failing", "duplicate_global_events", "management_events", "sns_topic_exists"}

// seedTitles are the Cloud Conformity titles, by id.
var seedTitles = map[string]string{
	"bucket_access_logging":   "Enable access logging for AWS CloudTrail buckets",
	"bucket_mfa_delete":       "Enable MFA Delete for AWS CloudTrail bucket",
	"bucket_not_public":       "AWS CloudTrail insecure buckets",
	"config_changes":          "Monitor AWS CloudTrail Configuration Changes",
	"multi_region":            "Enable AWS CloudTrail multi-region API logging",
	"global_services":         "Enable AWS CloudTrail logging for global services",
	"cloudwatch_integration":  "Enable AWS CloudTrail integration with CloudWatch",
	"log_file_validation":     "Enable AWS CloudTrail log file integrity validation",
	"kms_encryption":          "Enable AWS CloudTrail log files encryption",
	"data_events":             "Enable Data Events Logging for CloudTrail Trails",
	"delivery_failing":        "AWS CloudTrail Log Files Delivery Failing",
	"duplicate_global_events": "Avoid duplicate entries in AWS CloudTrail logs",
	"management_events":       "Enable Management Events for CloudTrail trails",
	"sns_topic_exists":        "AWS CloudTrail Referencing Missing SNS Topic",
}

func TestCatalogue(t *testing.T) {
	cat := Catalogue()
	var ids []string
	for _, r := range cat {
		ids = append(ids, r.ID)
		if r.Title != seedTitles[r.ID] {
			t.Errorf("%s: title %q, want %q", r.ID, r.Title, seedTitles[r.ID])
		}
		for field, v := range map[string]string{"ConformityRisk": r.ConformityRisk, "Description": r.Description,
			"Scope": r.Scope, "Remediation": r.Remediation, "RemediationCLI": r.RemediationCLI, "Severity": string(r.Severity)} {
			if v == "" {
				t.Errorf("%s: %s is empty", r.ID, field)
			}
		}
		if (r.ConformityID == "") != (r.ID == "sns_topic_exists") {
			t.Errorf("%s: ConformityID %q (only sns_topic_exists has none)", r.ID, r.ConformityID)
		}
		if r.ID == "sns_topic_exists" && !strings.Contains(r.Description, "no rule id") {
			t.Errorf("sns_topic_exists: the description must say Conformity has no rule id")
		}
		if !slices.Contains([]Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}, r.Severity) {
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
		if len(r.IAMActions) == 0 || len(r.References) == 0 || r.Needs == 0 {
			t.Errorf("%s: IAMActions, References and Needs must be set", r.ID)
		}
		for _, u := range r.References {
			if !strings.HasPrefix(u, "https://docs.aws.amazon.com/") {
				t.Errorf("%s: reference %q is not AWS documentation", r.ID, u)
			}
		}
		for _, a := range r.IAMActions {
			verb := a[strings.Index(a, ":")+1:]
			if !(strings.HasPrefix(verb, "Describe") || strings.HasPrefix(verb, "Get") || strings.HasPrefix(verb, "List") || strings.HasPrefix(verb, "Lookup")) {
				t.Errorf("%s: IAM action %q is not read-only", r.ID, a)
			}
		}
		if !strings.Contains(r.RemediationCLI, "aws ") {
			t.Errorf("%s: RemediationCLI %q is not an AWS CLI command", r.ID, r.RemediationCLI)
		}
	}
	if !slices.Equal(ids, contractIDs) {
		t.Errorf("catalogue ids %v, want %v", ids, contractIDs)
	}
	// Related is set wherever a rule maps to Security Hub or CIS controls.
	for _, id := range []string{"bucket_access_logging", "bucket_mfa_delete", "bucket_not_public", "config_changes", "multi_region",
		"cloudwatch_integration", "log_file_validation", "kms_encryption", "data_events", "management_events"} {
		r, _ := Lookup(id)
		if len(r.Related) == 0 {
			t.Errorf("%s: Related is empty", id)
		}
	}
	// Copies: changing what Catalogue returns changes nothing.
	cat[0].Title = "changed"
	cat[0].IAMActions[0] = "changed"
	if r, _ := Lookup(contractIDs[0]); r.Title == "changed" || r.IAMActions[0] == "changed" {
		t.Error("Catalogue returned shared entries")
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup found an unknown id")
	}
}

func TestNeedsOf(t *testing.T) {
	if got := NeedsOf("log_file_validation"); got != snapshot.NeedTrails {
		t.Errorf("log_file_validation needs %b, want NeedTrails", got)
	}
	if got := NeedsOf("bucket_access_logging"); got.Has(snapshot.NeedBucketPublic) || !got.Has(snapshot.NeedBucketLogging) {
		t.Errorf("bucket_access_logging needs %b", got)
	}
	all := NeedsOf()
	for _, r := range Catalogue() {
		if !all.Has(r.Needs) {
			t.Errorf("NeedsOf() lacks %s's needs", r.ID)
		}
	}
	if NeedsOf("nope") != 0 {
		t.Error("unknown id needs something")
	}
}

func TestCleanAccountHasNoAlarmOrError(t *testing.T) {
	fs := Evaluate(cleanAccount())
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.RuleID] = true
		if f.Status == StatusAlarm || f.Status == StatusError {
			t.Errorf("%s %s %s: %s", f.RuleID, f.Status, f.Resource, f.Reason)
		}
	}
	if len(seen) != len(contractIDs) {
		t.Errorf("%d rules reported, want %d", len(seen), len(contractIDs))
	}
}

func TestBadAccountAlarmsOnEveryRule(t *testing.T) {
	fs := Evaluate(badAccount())
	alarmed := map[string]bool{}
	for _, f := range fs {
		if f.Status == StatusAlarm {
			alarmed[f.RuleID] = true
		}
	}
	for _, id := range contractIDs {
		if !alarmed[id] {
			t.Errorf("rule %s gave no alarm on the bad account", id)
		}
	}
}

func TestEveryRuleAppearsWithZeroTrails(t *testing.T) {
	a := with(func(a *snapshot.Account) {
		a.Trails, a.Buckets, a.Topics, a.Keys = nil, nil, nil, nil
	})
	fs := Evaluate(a)
	per := map[string][]Finding{}
	for _, f := range fs {
		per[f.RuleID] = append(per[f.RuleID], f)
	}
	for _, r := range Catalogue() {
		got := per[r.ID]
		if len(got) == 0 {
			t.Errorf("%s: no finding", r.ID)
			continue
		}
		if r.Scope == ScopeTrail || r.Scope == ScopeBucket {
			if len(got) != 1 || got[0].Status != StatusSkip || got[0].Resource != acctRes || got[0].Reason != noTrailsReason {
				t.Errorf("%s: want one account-level skip %q, got%s", r.ID, noTrailsReason, dump(got))
			}
		}
	}
}

func TestEveryRuleAppearsOnAnEmptySnapshot(t *testing.T) {
	a := &snapshot.Account{AccountID: acctID, Partition: "aws", ReadAt: now}
	fs := Evaluate(a)
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.RuleID] = true
		if f.Status != StatusError {
			t.Errorf("%s: %s on a snapshot with nothing loaded: %s", f.RuleID, f.Status, f.Reason)
		}
	}
	if len(seen) != len(contractIDs) {
		t.Errorf("%d rules reported, want %d", len(seen), len(contractIDs))
	}
}

// TestReadErrorNeverOK injects a failed read of each fact into the clean
// account (own and other accounts' resources) and checks that no rule that
// depends on the fact reports ok.
func TestReadErrorNeverOK(t *testing.T) {
	failBucket := func(fn func(b *snapshot.Bucket)) func(a *snapshot.Account) {
		return func(a *snapshot.Account) {
			fn(bucket0(a))
			a.AccountPublicAccessBlock, a.AccountPublicAccessBlockErr = nil, denied("s3:GetAccountPublicAccessBlock")
		}
	}
	allRegions := func(action string) map[string]*snapshot.ReadError {
		m := map[string]*snapshot.ReadError{}
		for _, r := range cleanAccount().Regions {
			m[r] = throttled(action)
		}
		return m
	}
	cases := []struct {
		name   string
		inject func(a *snapshot.Account)
		rules  []string
	}{
		{"trail status throttled", func(a *snapshot.Account) { failStatus(trail0(a), throttled("cloudtrail:GetTrailStatus")) },
			[]string{"cloudwatch_integration", "delivery_failing", "multi_region", "global_services"}},
		{"trail status denied", func(a *snapshot.Account) { failStatus(trail0(a), denied("cloudtrail:GetTrailStatus")) },
			[]string{"cloudwatch_integration", "delivery_failing", "multi_region", "global_services"}},
		{"org trail status denied", func(a *snapshot.Account) {
			trail0(a).OwnerAccountID = otherAcct
			failStatus(trail0(a), denied("cloudtrail:GetTrailStatus"))
		}, []string{"cloudwatch_integration", "delivery_failing", "multi_region", "global_services"}},
		{"selectors throttled", func(a *snapshot.Account) { failSelectors(trail0(a), throttled("cloudtrail:GetEventSelectors")) },
			[]string{"data_events", "management_events", "multi_region"}},
		{"regions unreadable", func(a *snapshot.Account) {
			a.Regions, a.RegionsErr = []string{"us-east-1"}, denied("ec2:DescribeRegions")
		},
			[]string{"config_changes"}},
		{"bucket ownership unknown, facts readable", func(a *snapshot.Account) {
			a.OwnBucketsErr = denied("s3:ListAllMyBuckets")
			b := bucket0(a)
			b.Owned, b.OwnedKnown = false, false
		}, contractIDs[:3:3]},
		{"org trail selectors denied", func(a *snapshot.Account) {
			trail0(a).OwnerAccountID = otherAcct
			failSelectors(trail0(a), denied("cloudtrail:GetEventSelectors"))
		}, []string{"data_events", "management_events"}},
		{"bucket logging", failBucket(func(b *snapshot.Bucket) { b.Logging, b.LoggingErr = nil, denied("s3:GetBucketLogging") }),
			[]string{"bucket_access_logging"}},
		{"bucket versioning", failBucket(func(b *snapshot.Bucket) { b.Versioning, b.VersioningErr = nil, denied("s3:GetBucketVersioning") }),
			[]string{"bucket_mfa_delete"}},
		{"bucket public facts", failBucket(func(b *snapshot.Bucket) {
			b.ACL, b.ACLErr = nil, denied("s3:GetBucketAcl")
			b.Policy, b.PolicyErr = nil, denied("s3:GetBucketPolicyStatus")
			b.PublicAccessBlock, b.PublicAccessBlockRead, b.PublicAccessBlockErr = nil, false, denied("s3:GetBucketPublicAccessBlock")
			b.ObjectOwnership, b.OwnershipRead, b.OwnershipErr = "", false, denied("s3:GetBucketOwnershipControls")
		}), []string{"bucket_not_public"}},
		{"bucket ACL alone", func(a *snapshot.Account) { bucket0(a).ACL, bucket0(a).ACLErr = nil, denied("s3:GetBucketAcl") },
			[]string{"bucket_not_public"}},
		{"bucket policy status alone", func(a *snapshot.Account) {
			bucket0(a).Policy, bucket0(a).PolicyErr = nil, denied("s3:GetBucketPolicyStatus")
		}, []string{"bucket_not_public"}},
		{"bucket ownership controls alone", func(a *snapshot.Account) {
			b := bucket0(a)
			b.ObjectOwnership, b.OwnershipRead, b.OwnershipErr = "", false, denied("s3:GetBucketOwnershipControls")
		}, []string{"bucket_not_public"}},
		{"bucket ownership unknown", func(a *snapshot.Account) {
			a.OwnBucketsErr = denied("s3:ListAllMyBuckets")
			b := bucket0(a)
			b.Owned, b.OwnedKnown = false, false
			b.Logging, b.LoggingErr = nil, denied("s3:GetBucketLogging")
		}, []string{"bucket_access_logging"}},
		{"key throttled", func(a *snapshot.Account) { a.Keys[mainKey].Err = throttled("kms:DescribeKey") },
			[]string{"kms_encryption"}},
		{"key denied", func(a *snapshot.Account) { a.Keys[mainKey].Err = denied("kms:DescribeKey") },
			[]string{"kms_encryption"}},
		{"topic throttled", func(a *snapshot.Account) {
			a.Topics[mainTopic].Exists, a.Topics[mainTopic].Err = false, throttled("sns:GetTopicAttributes")
		}, []string{"sns_topic_exists"}},
		{"lookup events failed everywhere", func(a *snapshot.Account) { a.ConfigChangeErrors = allRegions("cloudtrail:LookupEvents") },
			[]string{"config_changes"}},
		{"trails not listed anywhere", func(a *snapshot.Account) {
			a.Trails = nil
			a.TrailListErrors = allRegions("cloudtrail:DescribeTrails")
		}, contractIDs[:3:3]},
		{"trails not listed anywhere (trail rules)", func(a *snapshot.Account) {
			a.Trails = nil
			a.TrailListErrors = allRegions("cloudtrail:DescribeTrails")
		}, []string{"multi_region", "global_services", "cloudwatch_integration", "log_file_validation", "kms_encryption",
			"data_events", "delivery_failing", "duplicate_global_events", "management_events", "sns_topic_exists"}},
		{"nothing loaded", func(a *snapshot.Account) { a.Loaded = 0 }, contractIDs},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := Evaluate(with(tc.inject), tc.rules...)
			seen := map[string]bool{}
			for _, f := range fs {
				seen[f.RuleID] = true
				if f.Status == StatusOK {
					t.Errorf("%s ok on %s despite the failed read: %s", f.RuleID, f.Resource, f.Reason)
				}
			}
			if len(seen) != len(tc.rules) {
				t.Errorf("%d of %d rules reported:%s", len(seen), len(tc.rules), dump(fs))
			}
		})
	}
}

func TestEvaluateOrderAndDeterminism(t *testing.T) {
	a := badAccount()
	a.Trails = append(a.Trails, goodTrail(), regionalTrail("eu", "eu-west-1"))
	a.Buckets[mainBucket] = goodBucket(mainBucket)
	first := Evaluate(a)
	for range 5 {
		if again := Evaluate(a); !reflect.DeepEqual(first, again) {
			t.Fatal("Evaluate is not deterministic")
		}
	}
	rank := map[string]int{}
	for i, id := range contractIDs {
		rank[id] = i
	}
	for i := 1; i < len(first); i++ {
		p, f := first[i-1], first[i]
		if rank[p.RuleID] > rank[f.RuleID] || (p.RuleID == f.RuleID && p.Resource > f.Resource) {
			t.Errorf("out of order: %s %s before %s %s", p.RuleID, p.Resource, f.RuleID, f.Resource)
		}
	}
	// Selected rules come in catalogue order whatever the argument order;
	// unknown ids are ignored.
	fs := Evaluate(a, "sns_topic_exists", "nope", "log_file_validation")
	if fs[0].RuleID != "log_file_validation" || fs[len(fs)-1].RuleID != "sns_topic_exists" {
		t.Errorf("subset order wrong:%s", dump(fs))
	}
	if Evaluate(nil) != nil {
		t.Error("Evaluate(nil) returned findings")
	}
}

func TestFindingsCarryIdentityAndSerialise(t *testing.T) {
	for name, a := range map[string]*snapshot.Account{"clean": cleanAccount(), "bad": badAccount(),
		"empty": {AccountID: acctID, ReadAt: now}} {
		for _, f := range Evaluate(a) {
			r, _ := Lookup(f.RuleID)
			if f.AccountID != acctID || f.Severity != r.Severity || f.Reason == "" || f.Resource == "" || f.Evidence == nil {
				t.Errorf("%s: incomplete finding %+v", name, f)
			}
			if !strings.HasPrefix(f.Resource, "arn:") {
				t.Errorf("%s: resource %q is not an ARN", name, f.Resource)
			}
			if _, err := json.Marshal(f); err != nil {
				t.Errorf("%s: %s finding does not serialise: %v", name, f.RuleID, err)
			}
		}
	}
}
