package seed

import (
	"fmt"
	"net/url"
	"sync"

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

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awsendpoint"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awstransport"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
)

// DefaultRegion is the home region used when Target.Region is empty.
const DefaultRegion = "us-east-1"

// Target is the AWS-compatible endpoint a scenario is seeded into: the
// emulator, LocalStack, moto or a real sandbox account.
type Target struct {
	// EndpointURL is the base URL of every service ("" = the real AWS endpoints).
	EndpointURL string
	// AccessKey and SecretKey are static credentials of the account to seed.
	AccessKey, SecretKey string
	// Region is the home region of the scenario's main trail (default us-east-1).
	Region string
	// Control is the emulator's test-only control client; nil when the target
	// is not the emulator (state only AWS can set is then left as it is and
	// Account.Controlled is false).
	Control *emuclient.Client
	// HTTPClient, when set, carries every call (one connection pool for
	// many seeded accounts); by default each SDK client has its own.
	HTTPClient aws.HTTPClient
}

// region returns the target's home region.
func (t Target) region() string {
	if t.Region == "" {
		return DefaultRegion
	}
	return t.Region
}

// Clients are the AWS SDK clients of one region of a Target, built in one
// place: static credentials, BaseEndpoint on every service, path-style S3 and
// S3 Control pinned to the endpoint (no ACCOUNT. host prefix).
type Clients struct {
	Region     string
	CloudTrail *cloudtrail.Client
	S3         *s3.Client
	S3Control  *s3control.Client
	SNS        *sns.Client
	KMS        *kms.Client
	Logs       *cloudwatchlogs.Client
	STS        *sts.Client
	EC2        *ec2.Client
}

// NewClients builds the SDK clients of region for t.
func NewClients(t Target, region string) (*Clients, error) {
	httpClient := awstransport.NewClient()
	if t.HTTPClient != nil {
		httpClient = awstransport.Wrap(t.HTTPClient)
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(t.AccessKey, t.SecretKey, ""),
		HTTPClient:  httpClient,
	}
	if t.EndpointURL != "" {
		if _, err := url.Parse(t.EndpointURL); err != nil {
			return nil, fmt.Errorf("seed: endpoint URL %q: %w", t.EndpointURL, err)
		}
		cfg.BaseEndpoint = aws.String(t.EndpointURL)
	}
	return &Clients{
		Region:     region,
		CloudTrail: cloudtrail.NewFromConfig(cfg),
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = t.EndpointURL != ""
		}),
		S3Control: s3control.NewFromConfig(cfg, awsendpoint.PinS3Control),
		SNS:       sns.NewFromConfig(cfg),
		KMS:       kms.NewFromConfig(cfg),
		Logs:      cloudwatchlogs.NewFromConfig(cfg),
		STS:       sts.NewFromConfig(cfg),
		EC2:       ec2.NewFromConfig(cfg),
	}, nil
}

// clientCache builds each region's clients once.
type clientCache struct {
	target Target
	mu     sync.Mutex
	byReg  map[string]*Clients
}

// get returns region's clients.
func (c *clientCache) get(region string) (*Clients, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.byReg[region]; ok {
		return cl, nil
	}
	cl, err := NewClients(c.target, region)
	if err != nil {
		return nil, err
	}
	if c.byReg == nil {
		c.byReg = map[string]*Clients{}
	}
	c.byReg[region] = cl
	return cl, nil
}
