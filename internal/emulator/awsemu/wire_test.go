package awsemu

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
)

// wireReply is a raw HTTP answer of the emulator.
type wireReply struct {
	status int
	body   string
}

// send signs a request as the AWS SDKs do (SigV4 over the URL's host, the
// given headers and the payload hash) and sends it with client (plain
// http.DefaultClient when nil). signHost, when set, is the host the
// signature covers instead of the URL's.
func (e *env) send(client *http.Client, method, rawURL, service, signHost string, header map[string]string, body []byte) wireReply {
	e.t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	sent := req.Host
	if signHost != "" {
		req.Host = signHost
	}
	creds := aws.Credentials{AccessKeyID: e.ak, SecretAccessKey: e.sk}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, service, "us-east-1", time.Now()); err != nil {
		e.t.Fatal(err)
	}
	req.Host = sent
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return wireReply{status: resp.StatusCode, body: string(b)}
}

// jsonCall posts an awsJson request with the given X-Amz-Target.
func (e *env) jsonCall(target, service, body string) wireReply {
	e.t.Helper()
	return e.send(nil, http.MethodPost, e.url+"/", service, "", map[string]string{
		"X-Amz-Target": target,
		"Content-Type": "application/x-amz-json-1.1",
	}, []byte(body))
}

func TestCloudTrailAnswersShortAndFullyQualifiedTargets(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("wire-logs", "us-east-1")
	for _, prefix := range []string{"CloudTrail_20131101", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"} {
		name := "t" + itoa(len(prefix))
		r := e.jsonCall(prefix+".CreateTrail", "cloudtrail", `{"Name":"`+name+`","S3BucketName":"wire-logs"}`)
		if r.status != http.StatusOK {
			t.Fatalf("%s.CreateTrail: %d %s", prefix, r.status, r.body)
		}
		r = e.jsonCall(prefix+".GetTrail", "cloudtrail", `{"Name":"`+name+`"}`)
		var got struct {
			Trail struct{ Name, S3BucketName string }
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != http.StatusOK || got.Trail.Name != name || got.Trail.S3BucketName != "wire-logs" {
			t.Fatalf("%s.GetTrail: %d %s", prefix, r.status, r.body)
		}
	}
}

func TestUnknownTargetAnswersAwsJsonError(t *testing.T) {
	e := newEnv(t, Options{})
	for _, target := range []string{"Bogus_20200101.DescribeTrails", "com.example.CloudTrail_20131101.DescribeTrails", "CloudTrail_20131101"} {
		r := e.jsonCall(target, "cloudtrail", `{}`)
		var got struct {
			Type string `json:"__type"`
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != http.StatusBadRequest || got.Type != "UnknownOperationException" {
			t.Errorf("%s: %d %s", target, r.status, r.body)
		}
	}
}

// TestS3ControlThroughProxyWithAccountHost sends S3 Control calls as
// botocore does when HTTP_PROXY points at the emulator: absolute-form
// requests to ACCOUNT.host, signed over that host. A signature over another
// host is refused, as on AWS.
func TestS3ControlThroughProxyWithAccountHost(t *testing.T) {
	e := newEnv(t, Options{})
	proxy, _ := url.Parse(e.url)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	base := "http://" + DefaultAccountID + "." + proxy.Host + "/v20180820/configuration/publicAccessBlock"
	hdr := map[string]string{"x-amz-account-id": DefaultAccountID}
	pab := `<PublicAccessBlockConfiguration xmlns="` + s3ControlXMLNS + `"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`
	if r := e.send(client, http.MethodPut, base, "s3", "", hdr, []byte(pab)); r.status != http.StatusOK {
		t.Fatalf("PutPublicAccessBlock through proxy: %d %s", r.status, r.body)
	}
	r := e.send(client, http.MethodGet, base, "s3", "", hdr, nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, "<RestrictPublicBuckets>true</RestrictPublicBuckets>") || !strings.Contains(r.body, "<BlockPublicPolicy>false</BlockPublicPolicy>") {
		t.Fatalf("GetPublicAccessBlock through proxy: %d %s", r.status, r.body)
	}
	r = e.send(client, http.MethodGet, base, "s3", proxy.Host, hdr, nil)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Fatalf("signature over another host: %d %s", r.status, r.body)
	}
}

// TestS3ControlSDKThroughProxyWithoutPinnedEndpoint: the Go SDK's
// s3control client with its own endpoint rules (ACCOUNT.host) reaches the
// emulator through it as HTTP proxy, as the AWS CLI does.
func TestS3ControlSDKThroughProxyWithoutPinnedEndpoint(t *testing.T) {
	e := newEnv(t, Options{})
	proxy, _ := url.Parse(e.url)
	cfg := e.cfg("us-east-1")
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	c := s3control.NewFromConfig(cfg)
	must(c.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String(DefaultAccountID),
		PublicAccessBlockConfiguration: &s3ctltypes.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true)}}))
	got := must(c.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(DefaultAccountID)}))
	if !aws.ToBool(got.PublicAccessBlockConfiguration.IgnorePublicAcls) || aws.ToBool(got.PublicAccessBlockConfiguration.BlockPublicAcls) {
		t.Fatalf("account Public Access Block = %+v", got.PublicAccessBlockConfiguration)
	}
}
