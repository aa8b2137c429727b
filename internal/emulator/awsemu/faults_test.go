package awsemu

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestFaultDeniesExactlyTheChosenActionInEachServiceShape(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("fault-bucket", "us-east-1")
	e.mkTrail("fault-trail", "us-east-1", false)
	topic := must(e.sns("us-east-1").CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("fault-topic")}))
	key := must(e.kms("us-east-1").CreateKey(ctx, &kms.CreateKeyInput{}))

	cases := []struct {
		action, code string
		status       int
		call         func() error
		sibling      func() error // another action of the same service: unaffected
	}{
		{"s3:GetBucketAcl", "AccessDenied", 403,
			func() error {
				_, err := e.s3("us-east-1").GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("fault-bucket")})
				return err
			},
			func() error {
				_, err := e.s3("us-east-1").GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String("fault-bucket")})
				return err
			}},
		{"s3:GetAccountPublicAccessBlock", "AccessDenied", 403,
			func() error {
				_, err := e.s3control("us-east-1").GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(DefaultAccountID)})
				return err
			},
			func() error {
				_, err := e.s3("us-east-1").GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("fault-bucket")})
				return err
			}},
		{"cloudtrail:GetTrailStatus", "AccessDeniedException", 400,
			func() error {
				_, err := e.ct("us-east-1").GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("fault-trail")})
				return err
			},
			func() error {
				_, err := e.ct("us-east-1").GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("fault-trail")})
				return err
			}},
		{"sns:GetTopicAttributes", "AuthorizationError", 403,
			func() error {
				_, err := e.sns("us-east-1").GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
				return err
			},
			func() error {
				_, err := e.sns("us-east-1").CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("other-topic")})
				return err
			}},
		{"kms:DescribeKey", "AccessDeniedException", 400,
			func() error {
				_, err := e.kms("us-east-1").DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: key.KeyMetadata.KeyId})
				return err
			},
			func() error { _, err := e.kms("us-east-1").CreateKey(ctx, &kms.CreateKeyInput{}); return err }},
		{"ec2:DescribeRegions", "UnauthorizedOperation", 403,
			func() error {
				_, err := e.ec2("us-east-1").DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
				return err
			},
			nil},
		{"sts:GetCallerIdentity", "AccessDenied", 403,
			func() error {
				_, err := e.sts("us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				return err
			},
			nil},
		{"logs:DescribeLogGroups", "AccessDeniedException", 400,
			func() error {
				_, err := e.logs("us-east-1").DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
				return err
			},
			nil},
	}
	for _, tc := range cases {
		e.srv.ClearFaults()
		e.srv.AddFault(Fault{Action: tc.action, ErrorCode: "AccessDenied"})
		err := tc.call()
		if errCode(err) != tc.code || httpStatus(err) != tc.status {
			t.Errorf("%s: got %q/%d, want %q/%d (%v)", tc.action, errCode(err), httpStatus(err), tc.code, tc.status, err)
		}
		if tc.sibling != nil {
			if err := tc.sibling(); err != nil && errCode(err) != "NoSuchPublicAccessBlockConfiguration" {
				t.Errorf("%s fault also hit another action: %v", tc.action, err)
			}
		}
	}
}

func TestFaultFiltersByRegionAccountAndRemainingCount(t *testing.T) {
	e := newEnv(t, Options{})
	e.srv.AddAccount("AKIDOTHER", "other", "555555555555")
	e.srv.AddFault(Fault{Action: "cloudtrail:DescribeTrails", Region: "eu-west-1", AccountID: DefaultAccountID, ErrorCode: "ThrottlingException", Remaining: 2})
	_, err := e.ct("us-east-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	wantCode(t, err, "")
	_, err = e.as("AKIDOTHER", "other").ct("eu-west-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	wantCode(t, err, "")
	for range 2 {
		_, err = e.ct("eu-west-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
		wantCode(t, err, "ThrottlingException")
	}
	_, err = e.ct("eu-west-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	wantCode(t, err, "")
	if len(e.srv.Faults()) != 0 {
		t.Fatal("exhausted fault still listed")
	}
}

func TestFaultThrottleAndServerErrorShapes(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("slow-bucket", "us-east-1")
	e.srv.AddFault(Fault{Action: "s3:GetBucketPolicyStatus", ErrorCode: "Throttling"})
	e.srv.AddFault(Fault{Action: "s3:GetBucketVersioning", ErrorCode: "InternalError"})
	e.srv.AddFault(Fault{Action: "cloudtrail:ListTrails", ErrorCode: "InternalError"})
	e.srv.AddFault(Fault{Action: "ec2:DescribeRegions", ErrorCode: "Throttling"})
	_, err := e.s3("us-east-1").GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("slow-bucket")})
	if errCode(err) != "SlowDown" || httpStatus(err) != 503 {
		t.Fatalf("S3 throttle = %v", err)
	}
	_, err = e.s3("us-east-1").GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("slow-bucket")})
	if errCode(err) != "InternalError" || httpStatus(err) != 500 {
		t.Fatalf("S3 5xx = %v", err)
	}
	_, err = e.ct("us-east-1").ListTrails(ctx, &cloudtrail.ListTrailsInput{})
	if errCode(err) != "InternalFailure" || httpStatus(err) != 500 {
		t.Fatalf("CloudTrail 5xx = %v", err)
	}
	_, err = e.ec2("us-east-1").DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	wantCode(t, err, "RequestLimitExceeded")
	calls := e.srv.Calls()
	if len(calls) < 4 || calls[len(calls)-1].ErrorCode != "RequestLimitExceeded" || calls[len(calls)-1].Status != 503 {
		t.Fatalf("last call = %+v", calls[len(calls)-1])
	}
}

func TestFaultAndServerLatencyDelayCalls(t *testing.T) {
	e := newEnv(t, Options{Latency: 20 * time.Millisecond})
	begin := time.Now()
	must(e.sts("us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if d := time.Since(begin); d < 20*time.Millisecond {
		t.Fatalf("server latency not applied: %v", d)
	}
	e.srv.SetLatency(0)
	e.srv.AddFault(Fault{Action: "sts:GetCallerIdentity", Latency: 50 * time.Millisecond, Remaining: 1})
	begin = time.Now()
	must(e.sts("us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if d := time.Since(begin); d < 50*time.Millisecond {
		t.Fatalf("fault latency not applied: %v", d)
	}
}

func TestRequestLogCountsEveryCallByIAMAction(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("counted-bucket", "eu-west-1")
	e.ResetCallsAndRun(func() {
		s3c := e.s3("eu-west-1")
		must(s3c.ListBuckets(ctx, &s3.ListBucketsInput{}))
		must(s3c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("counted-bucket")}))
		must(s3c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("counted-bucket")}))
		_, _ = s3c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("counted-bucket")})
		must(e.ct("eu-west-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}))
	})
	counts := e.srv.CallCounts()
	want := map[string]int{"s3:ListAllMyBuckets": 1, "s3:GetBucketAcl": 2, "s3:GetBucketPublicAccessBlock": 1, "cloudtrail:DescribeTrails": 1}
	if len(counts) != len(want) {
		t.Fatalf("counts = %v, want %v", counts, want)
	}
	for k, v := range want {
		if counts[k] != v {
			t.Fatalf("counts = %v, want %v", counts, want)
		}
	}
	for _, c := range e.srv.Calls() {
		if c.Region != "eu-west-1" || c.AccountID != DefaultAccountID || c.Time.IsZero() {
			t.Fatalf("call = %+v", c)
		}
		if c.Action == "s3:GetBucketPublicAccessBlock" && (c.Status != 404 || c.ErrorCode != "NoSuchPublicAccessBlockConfiguration") {
			t.Fatalf("failed call logged as %+v", c)
		}
	}
}

// ResetCallsAndRun empties the request log and runs fn.
func (e *env) ResetCallsAndRun(fn func()) {
	e.srv.ResetCalls()
	fn()
}

func TestFaultProbabilityFiresOnSomeCalls(t *testing.T) {
	e := newEnv(t, Options{})
	e.srv.AddFault(Fault{Action: "sts:GetCallerIdentity", ErrorCode: "InternalError", Probability: 0.5})
	c := e.sts("us-east-1")
	failed := 0
	for range 200 {
		if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			failed++
		}
	}
	if failed < 50 || failed > 150 {
		t.Fatalf("%d of 200 calls failed with probability 0.5", failed)
	}
}
