// Package contracttest proves that the cloudtrailcc plugin binary keeps
// Steampipe's plugin contract (its tests launch the binary with go-plugin
// and the SDK's handshake, as Steampipe does), and provides the fixture the
// plugin's tests share: the AWS emulator on loopback, seeded through the
// real AWS SDK with a logging multi-region trail and its bucket.
package contracttest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awstransport"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

// The emulator's default credentials and the account they belong to.
const (
	AccessKey = "test"
	SecretKey = "test"
	AccountID = "123456789012"
)

// Regions are the regions the fixture's emulator enables (few, to keep the
// tests fast).
var Regions = []string{"eu-west-1", "us-east-1", "us-west-2"}

// Fixture is a running emulator, optionally seeded.
type Fixture struct {
	// Emu is the emulator; its request log shows the plugin's calls.
	Emu *awsemu.Server
	// URL is the emulator's base URL (the connection's endpoint_url).
	URL string
	// TrailName, TrailARN and Bucket name what Seed created.
	TrailName, TrailARN, Bucket string
}

// Start runs an emulator on loopback until the test ends.
func Start(t testing.TB) *Fixture {
	t.Helper()
	emu := awsemu.New(awsemu.Options{Regions: Regions})
	url, err := emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("starting the AWS emulator: %v", err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	return &Fixture{Emu: emu, URL: url}
}

// Seed creates, through the AWS SDK, an S3 bucket and a multi-region trail
// in us-east-1 delivering to it, and starts logging.
func (f *Fixture) Seed(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	cfg := f.AWS("us-east-1")
	f.TrailName, f.Bucket = "org-audit", "audit-logs-123456789012"
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(f.Bucket)}); err != nil {
		t.Fatalf("seeding: s3 CreateBucket: %v", err)
	}
	ct := cloudtrail.NewFromConfig(cfg)
	out, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{
		Name:                       aws.String(f.TrailName),
		S3BucketName:               aws.String(f.Bucket),
		IsMultiRegionTrail:         aws.Bool(true),
		IncludeGlobalServiceEvents: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("seeding: cloudtrail CreateTrail: %v", err)
	}
	f.TrailARN = aws.ToString(out.TrailARN)
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(f.TrailARN)}); err != nil {
		t.Fatalf("seeding: cloudtrail StartLogging: %v", err)
	}
	f.Emu.ResetCalls()
}

// AWS is an AWS SDK configuration for the emulator in region, with the
// default credentials (S3 clients need UsePathStyle).
func (f *Fixture) AWS(region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
		BaseEndpoint: aws.String(f.URL),
		HTTPClient:   awstransport.NewClient(),
	}
}

// Config is the HCL body of a connection to the emulator, plus extra lines.
func (f *Fixture) Config(extra ...string) string {
	lines := []string{
		fmt.Sprintf("endpoint_url = %q", f.URL),
		fmt.Sprintf("access_key = %q", AccessKey),
		fmt.Sprintf("secret_key = %q", SecretKey),
		`regions = ["*"]`,
	}
	return strings.Join(append(lines, extra...), "\n") + "\n"
}

// Actions returns the IAM actions the emulator served since the last
// reset, in order.
func (f *Fixture) Actions() []string {
	var out []string
	for _, c := range f.Emu.Calls() {
		out = append(out, c.Action)
	}
	return out
}

// IsReadOnly reports whether an IAM action ("service:Operation") only reads.
func IsReadOnly(action string) bool {
	_, op, _ := strings.Cut(action, ":")
	for _, p := range []string{"Describe", "Get", "List", "Lookup"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}
