package awsemu

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awstransport"
)

// env is a running emulator plus SDK clients for one set of credentials.
type env struct {
	t      *testing.T
	srv    *Server
	url    string
	ak, sk string
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	srv := New(opts)
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &env{t: t, srv: srv, url: u, ak: DefaultAccessKeyID, sk: DefaultSecretAccessKey}
}

// as returns an env using other credentials against the same server.
func (e *env) as(ak, sk string) *env {
	c := *e
	c.ak, c.sk = ak, sk
	return &c
}

func (e *env) cfg(region string) aws.Config {
	return aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(e.ak, e.sk, ""),
		BaseEndpoint:     aws.String(e.url),
		RetryMaxAttempts: 1,
		HTTPClient:       awstransport.NewClient(),
	}
}

func (e *env) ct(region string) *cloudtrail.Client { return cloudtrail.NewFromConfig(e.cfg(region)) }
func (e *env) sts(region string) *sts.Client       { return sts.NewFromConfig(e.cfg(region)) }
func (e *env) ec2(region string) *ec2.Client       { return ec2.NewFromConfig(e.cfg(region)) }
func (e *env) sns(region string) *sns.Client       { return sns.NewFromConfig(e.cfg(region)) }
func (e *env) kms(region string) *kms.Client       { return kms.NewFromConfig(e.cfg(region)) }
func (e *env) logs(region string) *cloudwatchlogs.Client {
	return cloudwatchlogs.NewFromConfig(e.cfg(region))
}

func (e *env) s3(region string) *s3.Client {
	return s3.NewFromConfig(e.cfg(region), func(o *s3.Options) { o.UsePathStyle = true })
}

// pinnedS3Control keeps the SDK's S3 Control endpoint but on the emulator's
// host (the SDK would use ACCOUNT.host).
type pinnedS3Control struct{ host string }

func (p pinnedS3Control) ResolveEndpoint(ctx context.Context, params s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	ep, err := s3control.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, params)
	if err == nil {
		ep.URI.Host = p.host
	}
	return ep, err
}

func (e *env) s3control(region string) *s3control.Client {
	u, _ := url.Parse(e.url)
	return s3control.NewFromConfig(e.cfg(region), func(o *s3control.Options) {
		o.EndpointResolverV2 = pinnedS3Control{host: u.Host}
	})
}

// errCode is the AWS error code of err ("" when nil).
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not-an-api-error: " + err.Error()
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := errCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

// must returns v or panics on err (the test fails with the stack).
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

var ctx = context.Background()
