package rules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// classSpellings are codes AWS services answer for one class of error, as
// S3, the JSON protocols, SNS and EC2 each spell it.
var classSpellings = map[snapshot.ErrorClass][]string{
	snapshot.ClassAccessDenied: {"AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation"},
	snapshot.ClassNotFound:     {"NotFound", "NotFoundException", "NoSuchEntity", "TrailNotFoundException"},
	snapshot.ClassThrottled:    {"Throttling", "ThrottlingException", "SlowDown", "RequestLimitExceeded"},
	snapshot.ClassInvalid:      {"CloudTrailARNInvalidException", "InvalidParameterValue"},
	snapshot.ClassOther:        {"InternalFailure", "InternalError", "MalformedResponse"},
}

// failingWith is the clean account where the reads whose errors rules tell
// apart by class fail with code, recorded as the inventory records them:
// another account's organization trail (status and selectors), its topic,
// the own topic, key and bucket ACL, and one region's trail list.
func failingWith(code string) *snapshot.Account {
	fail := func(action string) *snapshot.ReadError { return snapshot.NewReadError(action, code, "request failed") }
	foreignTopic := "arn:aws:sns:eu-west-1:210987654321:their-topic"
	return with(func(a *snapshot.Account) {
		org := goodTrail()
		org.ARN, org.Name, org.OwnerAccountID, org.IsOrganizationTrail = orgTrail, "org", otherAcct, true
		org.S3BucketName, org.SnsTopicARN, org.KmsKeyID = orgBucket, foreignTopic, ""
		failStatus(org, fail("cloudtrail:GetTrailStatus"))
		failSelectors(org, fail("cloudtrail:GetEventSelectors"))
		a.Trails = append(a.Trails, org)
		a.Topics[foreignTopic] = &snapshot.Topic{ARN: foreignTopic, Region: "eu-west-1", AccountID: otherAcct, Err: fail("sns:GetTopicAttributes")}
		a.Topics[mainTopic].Exists, a.Topics[mainTopic].Err = false, fail("sns:GetTopicAttributes")
		k := a.Keys[mainKey]
		k.State, k.Enabled, k.Err = "", false, fail("kms:DescribeKey")
		bucket0(a).ACL, bucket0(a).ACLErr = nil, fail("s3:GetBucketAcl")
		a.TrailListErrors = map[string]*snapshot.ReadError{"ap-south-1": fail("cloudtrail:DescribeTrails")}
	})
}

// wording is every finding's rule, status, resource, reason and evidence,
// with code written as CODE.
func wording(t *testing.T, fs []Finding, code string) []string {
	t.Helper()
	var out []string
	for _, f := range fs {
		ev, err := json.Marshal(f.Evidence)
		if err != nil {
			t.Fatalf("%s evidence: %v", f.RuleID, err)
		}
		line := f.RuleID + " " + string(f.Status) + " " + f.Resource + ": " + f.Reason + " " + string(ev)
		out = append(out, strings.ReplaceAll(line, code, "CODE"))
	}
	return out
}

// statuses is every finding's rule, resource and status.
func statuses(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.RuleID + " " + f.Resource + " " + string(f.Status) + "\n")
	}
	return b.String()
}

// TestOneClassOneWording: the class decided when a read error is recorded
// is all the rules go by. Every spelling of a class gives, on every rule,
// the same findings in the same words (the code aside); denied, not found
// and throttled give different verdicts.
func TestOneClassOneWording(t *testing.T) {
	verdicts := map[snapshot.ErrorClass]string{}
	for class, codes := range classSpellings {
		var want []string
		for i, code := range codes {
			if got := snapshot.ClassOf(code); got != class {
				t.Fatalf("%s is of class %s, listed under %s", code, got, class)
			}
			fs := Evaluate(failingWith(code))
			got := wording(t, fs, code)
			if !strings.Contains(strings.Join(got, "\n"), "CODE") {
				t.Fatalf("%s: no finding names the code:\n%s", code, strings.Join(got, "\n"))
			}
			if i == 0 {
				want, verdicts[class] = got, statuses(fs)
				continue
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s (%s) is worded unlike %s:\n%s\nwant:\n%s", code, class, codes[0],
					strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
	for _, pair := range [][2]snapshot.ErrorClass{
		{snapshot.ClassAccessDenied, snapshot.ClassNotFound},
		{snapshot.ClassAccessDenied, snapshot.ClassThrottled},
		{snapshot.ClassNotFound, snapshot.ClassThrottled},
		{snapshot.ClassInvalid, snapshot.ClassOther},
	} {
		if verdicts[pair[0]] == verdicts[pair[1]] {
			t.Errorf("%s and %s give the same verdicts:\n%s", pair[0], pair[1], verdicts[pair[0]])
		}
	}
}
