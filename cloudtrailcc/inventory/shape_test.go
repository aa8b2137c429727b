package inventory

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	ctypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// TestReplyGuardAcceptsWhatAWSSends checks the response guard against the
// replies AWS sends for the reads (which must pass) and those a proxy or a
// broken endpoint sends (which must not).
func TestReplyGuardAcceptsWhatAWSSends(t *testing.T) {
	for _, c := range []struct {
		name, service, op, contentType, body string
		ok                                   bool
	}{
		{"S3 never-configured versioning", "S3", "GetBucketVersioning", "application/xml",
			`<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`, true},
		{"S3 us-east-1 location without Content-Type", "S3", "GetBucketLocation", "",
			`<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`, true},
		{"EC2 with charset", "EC2", "DescribeRegions", "text/xml;charset=UTF-8", `<DescribeRegionsResponse><regionInfo/></DescribeRegionsResponse>`, true},
		{"CloudTrail with no trails", "CloudTrail", "DescribeTrails", "application/x-amz-json-1.1", `{"trailList":[]}`, true},
		{"S3 another root element", "S3", "GetBucketVersioning", "application/xml", `<BucketLoggingStatus/>`, false},
		{"STS without Content-Type", "STS", "GetCallerIdentity", "", `<GetCallerIdentityResponse/>`, false},
		{"login page", "CloudTrail", "DescribeTrails", "text/html; charset=utf-8", `<html><body>Sign in</body></html>`, false},
		{"empty body", "KMS", "DescribeKey", "application/x-amz-json-1.1", "", false},
		{"whitespace body", "S3", "GetBucketAcl", "application/xml", " \n", false},
	} {
		what := replyMissing(c.service, c.op, iamAction(c.service, c.op), c.contentType, []byte(c.body))
		if (what == "") != c.ok {
			t.Errorf("%s: refused %q, want accepted %v", c.name, what, c.ok)
		}
	}
}

// TestTrailListShape checks DescribeTrails' shape: an empty list is a
// region without trails, a missing list or a trail whose home region is
// not a region name is malformed.
func TestTrailListShape(t *testing.T) {
	trail := func(home string) ctypes.Trail {
		return ctypes.Trail{TrailARN: aws.String("arn:aws:cloudtrail:us-east-1:123456789012:trail/t"), Name: aws.String("t"), HomeRegion: aws.String(home)}
	}
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
	} {
		if what := shapeMissing(c.out); (what == "") != c.ok {
			t.Errorf("%s: missing %q, want accepted %v", c.name, what, c.ok)
		}
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
