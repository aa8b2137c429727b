package awsemu

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestGetCallerIdentityAnswersAccountOfAccessKey(t *testing.T) {
	e := newEnv(t, Options{})
	out := must(e.sts("us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if aws.ToString(out.Account) != DefaultAccountID || aws.ToString(out.Arn) != "arn:aws:iam::123456789012:user/emulator" || aws.ToString(out.UserId) == "" {
		t.Fatalf("identity = %s %s %s", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
	}
	e.srv.AddAccount("AKIDSECOND", "secret2", "210987654321")
	out = must(e.as("AKIDSECOND", "secret2").sts("eu-west-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if aws.ToString(out.Account) != "210987654321" {
		t.Fatalf("second account = %s", aws.ToString(out.Account))
	}
}

func TestWrongSecretRejectedWithSignatureDoesNotMatch(t *testing.T) {
	e := newEnv(t, Options{}).as(DefaultAccessKeyID, "wrong")
	_, err := e.sts("us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "SignatureDoesNotMatch")
	_, err = e.s3("us-east-1").ListBuckets(ctx, &s3.ListBucketsInput{})
	wantCode(t, err, "SignatureDoesNotMatch")
	_, err = e.ct("us-east-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	wantCode(t, err, "InvalidSignatureException")
	calls := e.srv.Calls()
	if len(calls) != 3 || calls[0].Status != 403 || calls[0].ErrorCode != "SignatureDoesNotMatch" || calls[0].AccountID != "" {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestUnknownAccessKeyRejected(t *testing.T) {
	e := newEnv(t, Options{}).as("AKIDUNKNOWN", "x")
	_, err := e.sts("us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
	_, err = e.s3("us-east-1").ListBuckets(ctx, &s3.ListBucketsInput{})
	wantCode(t, err, "InvalidAccessKeyId")
	_, err = e.ct("us-east-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	wantCode(t, err, "UnrecognizedClientException")
}

func TestMissingAuthorizationRejected(t *testing.T) {
	e := newEnv(t, Options{})
	req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := must(http.DefaultClient.Do(req))
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("unsigned STS status = %d", resp.StatusCode)
	}
	resp = must(http.Get(e.url + "/"))
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("unsigned S3 status = %d", resp.StatusCode)
	}
	if c := e.srv.Calls(); len(c) != 2 || c[0].ErrorCode != "MissingAuthenticationToken" || c[1].ErrorCode != "AccessDenied" {
		t.Fatalf("calls = %+v", c)
	}
}

func TestDescribeRegionsEnabledOnlyUnlessAllRegions(t *testing.T) {
	e := newEnv(t, Options{Regions: []string{"us-east-1", "eu-west-1", "af-south-1"}, OptInRegions: []string{"af-south-1", "me-south-1"}})
	status := func(rs []ec2types.Region) map[string]string {
		m := map[string]string{}
		for _, r := range rs {
			m[aws.ToString(r.RegionName)] = aws.ToString(r.OptInStatus)
		}
		return m
	}
	out := must(e.ec2("us-east-1").DescribeRegions(ctx, &ec2.DescribeRegionsInput{}))
	got := status(out.Regions)
	want := map[string]string{"us-east-1": "opt-in-not-required", "eu-west-1": "opt-in-not-required", "af-south-1": "opted-in"}
	if len(got) != len(want) || got["us-east-1"] != want["us-east-1"] || got["af-south-1"] != "opted-in" || got["eu-west-1"] != want["eu-west-1"] {
		t.Fatalf("enabled regions = %v", got)
	}
	out = must(e.ec2("us-east-1").DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)}))
	got = status(out.Regions)
	if len(got) != 4 || got["me-south-1"] != "not-opted-in" {
		t.Fatalf("all regions = %v", got)
	}
	out = must(e.ec2("us-east-1").DescribeRegions(ctx, &ec2.DescribeRegionsInput{
		Filters: []ec2types.Filter{{Name: aws.String("region-name"), Values: []string{"eu-west-1"}}},
	}))
	if got = status(out.Regions); len(got) != 1 || got["eu-west-1"] == "" {
		t.Fatalf("filtered = %v", got)
	}
	// A region that is not enabled refuses calls, like AWS.
	_, err := e.ec2("me-south-1").DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	wantCode(t, err, "AuthFailure")
}

func TestSkewedClockAndTamperedBodyRejected(t *testing.T) {
	e := newEnv(t, Options{})
	send := func(body string, signedAt time.Time, tamper string) int {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: DefaultAccessKeyID, SecretAccessKey: DefaultSecretAccessKey}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", signedAt); err != nil {
			t.Fatal(err)
		}
		if tamper != "" {
			req.Body = io.NopCloser(strings.NewReader(tamper))
		}
		resp := must(http.DefaultClient.Do(req))
		resp.Body.Close()
		return resp.StatusCode
	}
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	if st := send(body, time.Now(), ""); st != 200 {
		t.Fatalf("hand-signed request status = %d", st)
	}
	if st := send(body, time.Now().Add(-time.Hour), ""); st != 403 {
		t.Fatalf("hour-old signature status = %d", st)
	}
	if st := send(body, time.Now(), "Action=GetCallerIdentity&Version=2011-06-16"); st != 403 {
		t.Fatalf("tampered body status = %d", st)
	}
	calls := e.srv.Calls()
	if calls[1].ErrorCode != "SignatureDoesNotMatch" || calls[2].ErrorCode != "SignatureDoesNotMatch" {
		t.Fatalf("calls = %+v", calls)
	}
}
