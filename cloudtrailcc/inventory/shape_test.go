package inventory

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	ctypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// TestReplyGuardJudgesTheBody checks the response guard against the
// replies AWS and honest AWS-compatible servers send (which must pass,
// whatever their Content-Type) and those a proxy or a broken endpoint
// sends (which must not).
func TestReplyGuardJudgesTheBody(t *testing.T) {
	const loginPage = `<!DOCTYPE html><html><head><title>Sign in</title></head><body><form method="post" action="/login"><input name="user"><input name="password" type="password"></form></body></html>`
	for _, c := range []struct {
		name, action, contentType, body string
		ok                              bool
	}{
		{"S3 never-configured versioning", "s3:GetBucketVersioning", "application/xml",
			`<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`, true},
		{"moto's never-configured versioning", "s3:GetBucketVersioning", "application/xml",
			`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`, true},
		{"moto's versioning", "s3:GetBucketVersioning", "application/xml",
			`<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></GetBucketVersioningResponse>`, true},
		{"S3 us-east-1 location without Content-Type", "s3:GetBucketLocation", "",
			`<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`, true},
		{"EC2 with charset", "ec2:DescribeRegions", "text/xml;charset=UTF-8", `<DescribeRegionsResponse><regionInfo/></DescribeRegionsResponse>`, true},
		{"CloudTrail with no trails", "cloudtrail:DescribeTrails", "application/x-amz-json-1.1", `{"trailList":[]}`, true},
		{"moto's CloudTrail labelled text/html", "cloudtrail:DescribeTrails", "text/html; charset=utf-8", `{"trailList": []}`, true},
		{"moto's KMS labelled text/html", "kms:DescribeKey", "text/html; charset=utf-8", `{"KeyMetadata": {"KeyState": "Enabled", "KeyUsage": null}}`, true},
		{"moto's Organizations labelled text/html", "organizations:ListAccounts", "text/html; charset=utf-8", `{"Accounts": [], "NextToken": null}`, true},
		{"JSON without Content-Type", "cloudtrail:GetTrailStatus", "", `{"IsLogging":true}`, true},
		{"STS without Content-Type", "sts:GetCallerIdentity", "", `<GetCallerIdentityResponse/>`, true},

		{"moto's bucket listing for ?policyStatus", "s3:GetBucketPolicyStatus", "application/xml",
			`<?xml version="1.0" encoding="utf-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated><Name>b</Name></ListBucketResult>`, false},
		{"S3 another root element", "s3:GetBucketVersioning", "application/xml", `<BucketLoggingStatus/>`, false},
		{"versioning root for an ACL", "s3:GetBucketAcl", "application/xml", `<GetBucketVersioningResponse/>`, false},
		{"login page for JSON", "cloudtrail:DescribeTrails", "text/html; charset=utf-8", loginPage, false},
		{"login page for XML", "s3:GetBucketAcl", "text/html; charset=utf-8", loginPage, false},
		{"login page as XML", "s3:GetBucketAcl", "application/xml", loginPage, false},
		{"XHTML page", "sts:GetCallerIdentity", "text/xml", `<html><body>Sign in</body></html>`, false},
		{"JSON array", "kms:DescribeKey", "application/x-amz-json-1.1", `[{"KeyMetadata":{}}]`, false},
		{"truncated JSON", "kms:DescribeKey", "application/x-amz-json-1.1", `{"KeyMetadata":{"KeyState":"Ena`, false},
		{"truncated XML", "s3:GetBucketAcl", "application/xml", `<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList>`, false},
		{"two XML roots", "s3:GetBucketLogging", "application/xml", `<BucketLoggingStatus/><BucketLoggingStatus/>`, false},
		{"text after the XML root", "s3:GetBucketLogging", "application/xml", `<BucketLoggingStatus/>trailing`, false},
		{"XML for JSON", "cloudtrail:DescribeTrails", "application/x-amz-json-1.1", `<trailList/>`, false},
		{"empty body", "kms:DescribeKey", "application/x-amz-json-1.1", "", false},
		{"empty versioning body", "s3:GetBucketVersioning", "application/xml", "", false},
		{"whitespace body", "s3:GetBucketAcl", "application/xml", " \n", false},
		{"operation without a declared shape", "s3:GetBucketPolicy", "application/json", `{}`, false},
	} {
		what := replyMissing(c.action, c.contentType, []byte(c.body))
		if (what == "") != c.ok {
			t.Errorf("%s: refused %q, want accepted %v", c.name, what, c.ok)
		}
	}
}

// TestTrailListShape checks DescribeTrails' shape: an empty list is a
// region without trails, a missing list, a trail whose home region is not
// a region name, or one without its bucket, global-events, validation,
// multi-region or organization flag is malformed.
func TestTrailListShape(t *testing.T) {
	trail := func(home string) ctypes.Trail {
		return ctypes.Trail{TrailARN: aws.String("arn:aws:cloudtrail:us-east-1:123456789012:trail/t"), Name: aws.String("t"), HomeRegion: aws.String(home),
			S3BucketName: aws.String("logs"), IncludeGlobalServiceEvents: aws.Bool(false),
			LogFileValidationEnabled: aws.Bool(true), IsMultiRegionTrail: aws.Bool(false), IsOrganizationTrail: aws.Bool(false)}
	}
	without := func(drop func(*ctypes.Trail)) *cloudtrail.DescribeTrailsOutput {
		t := trail("us-east-1")
		drop(&t)
		return &cloudtrail.DescribeTrailsOutput{TrailList: []ctypes.Trail{t}}
	}
	check := replyShapes["cloudtrail:DescribeTrails"].check
	for _, c := range []struct {
		name string
		out  *cloudtrail.DescribeTrailsOutput
		ok   bool
	}{
		{"no trails", &cloudtrail.DescribeTrailsOutput{TrailList: []ctypes.Trail{}}, true},
		{"one trail", &cloudtrail.DescribeTrailsOutput{TrailList: []ctypes.Trail{trail("us-gov-west-1")}}, true},
		{"no list", &cloudtrail.DescribeTrailsOutput{}, false},
		{"path in home region", &cloudtrail.DescribeTrailsOutput{TrailList: []ctypes.Trail{trail("../x")}}, false},
		{"newline in home region", &cloudtrail.DescribeTrailsOutput{TrailList: []ctypes.Trail{trail("us-east-1\n")}}, false},
		{"no S3BucketName", without(func(t *ctypes.Trail) { t.S3BucketName = nil }), false},
		{"no IncludeGlobalServiceEvents", without(func(t *ctypes.Trail) { t.IncludeGlobalServiceEvents = nil }), false},
		{"no LogFileValidationEnabled", without(func(t *ctypes.Trail) { t.LogFileValidationEnabled = nil }), false},
		{"no IsMultiRegionTrail", without(func(t *ctypes.Trail) { t.IsMultiRegionTrail = nil }), false},
		{"no IsOrganizationTrail", without(func(t *ctypes.Trail) { t.IsOrganizationTrail = nil }), false},
	} {
		if what := check(c.out); (what == "") != c.ok {
			t.Errorf("%s: missing %q, want accepted %v", c.name, what, c.ok)
		}
	}
	if what := check(&cloudtrail.GetTrailStatusOutput{}); what == "" {
		t.Error("a reply of another operation's type passed DescribeTrails' shape")
	}
}

// TestRegionPartition checks the partition a listed region is kept in.
func TestRegionPartition(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "aws", "eu-central-2": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "eu-isoe-west-1": "aws-iso-e",
	} {
		if got := regionPartition(region); got != want {
			t.Errorf("regionPartition(%q) = %q, want %q", region, got, want)
		}
	}
}

// TestChangeEventShape checks LookupEvents' shape: an event whose
// CloudTrailEvent document is missing or not JSON names no trail, so the
// page is malformed; an empty page is a region without changes.
func TestChangeEventShape(t *testing.T) {
	event := func(doc *string) *cloudtrail.LookupEventsOutput {
		return &cloudtrail.LookupEventsOutput{Events: []ctypes.Event{{EventName: aws.String("StopLogging"),
			EventTime: aws.Time(time.Unix(1700000000, 0)), CloudTrailEvent: doc}}}
	}
	check := replyShapes["cloudtrail:LookupEvents"].check
	for _, c := range []struct {
		name string
		out  *cloudtrail.LookupEventsOutput
		ok   bool
	}{
		{"no events", &cloudtrail.LookupEventsOutput{Events: []ctypes.Event{}}, true},
		{"one event", event(aws.String(`{"eventVersion":"1.08","requestParameters":{"name":"t"}}`)), true},
		{"no CloudTrailEvent", event(nil), false},
		{"CloudTrailEvent not JSON", event(aws.String(`{"eventVersion":`)), false},
	} {
		if what := check(c.out); (what == "") != c.ok {
			t.Errorf("%s: missing %q, want accepted %v", c.name, what, c.ok)
		}
	}
}
