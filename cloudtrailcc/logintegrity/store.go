package logintegrity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// ErrNoSuchKey is what Store.Get answers for an object that is not there.
var ErrNoSuchKey = errors.New("no such key")

// Store reads the trail's bucket.
type Store interface {
	// Get opens an object and returns its user metadata (names without
	// x-amz-meta-); ErrNoSuchKey when it does not exist.
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, map[string]string, error)
	// List calls fn with the keys under prefix, in order; fn returns false
	// to stop.
	List(ctx context.Context, bucket, prefix string, fn func(key string) bool) error
}

// PublicKey is one key of ListPublicKeys.
type PublicKey struct {
	Fingerprint string
	Value       []byte // DER
	From, To    time.Time
}

// KeySource lists CloudTrail's public keys valid at some time in a range.
type KeySource interface {
	PublicKeys(ctx context.Context, start, end time.Time) ([]PublicKey, error)
}

// AWS reads through aws-sdk-go-v2: S3 for the bucket (each bucket through
// a client of its region, from GetBucketLocation) and CloudTrail of the
// trail's home region for the keys. It implements Store and KeySource.
type AWS struct {
	cfg        aws.Config
	cloudtrail *cloudtrail.Client

	mu      sync.Mutex
	clients map[string]*s3.Client // region -> client
	regions map[string]string     // bucket -> region
}

// NewAWS returns readers with cfg's credentials; homeRegion is the trail's.
// With a custom BaseEndpoint, S3 is addressed path-style.
func NewAWS(cfg aws.Config, homeRegion string) *AWS { return NewAWSAs(cfg, cfg, homeRegion) }

// NewAWSAs returns readers that read the bucket with bucketCfg's
// credentials (the account that owns it) and call CloudTrail (GetTrail,
// GetTrailStatus, ListPublicKeys) with trailCfg's (the trail's home
// account).
func NewAWSAs(bucketCfg, trailCfg aws.Config, homeRegion string) *AWS {
	ctCfg := trailCfg.Copy()
	ctCfg.Region = homeRegion
	return &AWS{cfg: bucketCfg, cloudtrail: cloudtrail.NewFromConfig(ctCfg), clients: map[string]*s3.Client{}, regions: map[string]string{}}
}

// KnowBucketRegion records the region of bucket, read elsewhere (the
// audit's GetBucketLocation), so that it is not asked again.
func (a *AWS) KnowBucketRegion(bucket, region string) {
	if region == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.regions[bucket] = region
}

func (a *AWS) s3In(region string) *s3.Client {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.clients[region]; c != nil {
		return c
	}
	cfg := a.cfg.Copy()
	cfg.Region = region
	c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = cfg.BaseEndpoint != nil
		// Objects CloudTrail wrote carry no S3 checksum: the SDK would log
		// a line for every log file read.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	a.clients[region] = c
	return c
}

// bucketClient is an S3 client of the bucket's region.
func (a *AWS) bucketClient(ctx context.Context, bucket string) (*s3.Client, error) {
	a.mu.Lock()
	region, ok := a.regions[bucket]
	a.mu.Unlock()
	if !ok {
		out, err := a.s3In("us-east-1").GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
		if err != nil {
			return nil, fmt.Errorf("locate bucket %s: %w", bucket, err)
		}
		switch region = string(out.LocationConstraint); region {
		case "":
			region = "us-east-1"
		case "EU":
			region = "eu-west-1"
		}
		a.mu.Lock()
		a.regions[bucket] = region
		a.mu.Unlock()
	}
	return a.s3In(region), nil
}

// Get implements Store.
func (a *AWS) Get(ctx context.Context, bucket, key string) (io.ReadCloser, map[string]string, error) {
	c, err := a.bucketClient(ctx, bucket)
	if err != nil {
		return nil, nil, err
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchKey" {
			return nil, nil, ErrNoSuchKey
		}
		return nil, nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	if out.Body == nil {
		return nil, nil, fmt.Errorf("get s3://%s/%s: answer without a body", bucket, key)
	}
	return out.Body, out.Metadata, nil
}

// List implements Store with ListObjectsV2.
func (a *AWS) List(ctx context.Context, bucket, prefix string, fn func(key string) bool) error {
	c, err := a.bucketClient(ctx, bucket)
	if err != nil {
		return err
	}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		if err := checkListing(page, bucket, prefix); err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			if o.Key == nil {
				return fmt.Errorf("list s3://%s/%s: an object without a key", bucket, prefix)
			}
			if !fn(*o.Key) {
				return nil
			}
		}
	}
	return nil
}

// checkListing refuses a ListObjectsV2 page that does not answer the
// listing asked for (another bucket or prefix) or whose KeyCount is not
// the number of keys and common prefixes it holds: a key left out would
// read as a deleted digest or an hour without one.
func checkListing(page *s3.ListObjectsV2Output, bucket, prefix string) error {
	switch {
	case aws.ToString(page.Name) != bucket:
		return fmt.Errorf("the reply lists bucket %q, not %q", aws.ToString(page.Name), bucket)
	case aws.ToString(page.Prefix) != prefix:
		return fmt.Errorf("the reply lists prefix %q, not %q", aws.ToString(page.Prefix), prefix)
	case page.KeyCount == nil:
		return errors.New("the reply has no KeyCount")
	case int(*page.KeyCount) != len(page.Contents)+len(page.CommonPrefixes):
		return fmt.Errorf("the reply's KeyCount is %d, but it holds %d keys and %d common prefixes", *page.KeyCount, len(page.Contents), len(page.CommonPrefixes))
	}
	return nil
}

// PublicKeys implements KeySource with ListPublicKeys.
func (a *AWS) PublicKeys(ctx context.Context, start, end time.Time) ([]PublicKey, error) {
	var out []PublicKey
	in := &cloudtrail.ListPublicKeysInput{StartTime: aws.Time(start), EndTime: aws.Time(end)}
	for {
		page, err := a.cloudtrail.ListPublicKeys(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("cloudtrail ListPublicKeys: %w", err)
		}
		for _, k := range page.PublicKeyList {
			if k.Fingerprint == nil || k.Value == nil {
				return nil, errors.New("cloudtrail ListPublicKeys: a key without fingerprint or value")
			}
			pk := PublicKey{Fingerprint: *k.Fingerprint, Value: k.Value}
			if k.ValidityStartTime != nil {
				pk.From = *k.ValidityStartTime
			}
			if k.ValidityEndTime != nil {
				pk.To = *k.ValidityEndTime
			}
			out = append(out, pk)
		}
		if page.NextToken == nil || *page.NextToken == "" {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}
