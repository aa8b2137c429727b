package inventory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
	"github.com/hashicorp/go-hclog"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awsendpoint"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awstransport"
)

// defaultRegion is used for global calls when neither the configuration nor
// the environment names a region.
const defaultRegion = "us-east-1"

// fallbackRegion is the region for global calls (STS, EC2 DescribeRegions)
// when neither the environment nor the profile names one: us-east-1, or the
// first configured region of another partition (China, GovCloud). A
// configured commercial region is not used, since an opt-in region that is
// not enabled rejects every call with InvalidClientTokenId.
func fallbackRegion(patterns []string) string {
	for _, r := range exactRegions(patterns) {
		if strings.HasPrefix(r, "cn-") || strings.HasPrefix(r, "us-gov-") || strings.HasPrefix(r, "us-iso") {
			return r
		}
	}
	return defaultRegion
}

// awsSetup is the loaded SDK configuration shared by every client.
type awsSetup struct {
	cfg aws.Config
	// endpoint is the custom base endpoint ("" for AWS's own endpoints).
	endpoint string
}

// loadAWS loads the SDK configuration with the standard chain (static keys,
// profile, environment, shared files) and checks that credentials exist.
func (c *Collector) loadAWS(ctx context.Context) (*awsSetup, error) {
	c.setupMu.Lock()
	defer c.setupMu.Unlock()
	if c.setup != nil {
		return c.setup, nil
	}
	cfg, err := c.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = fallbackRegion(c.cfg.Regions)
	}
	if cfg.Credentials == nil {
		return nil, noCredentials(errors.New("no credentials provider"))
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if profile := cmp.Or(c.cfg.Profile, os.Getenv("AWS_PROFILE")); profile != "" && c.cfg.AccessKey == "" {
			if strings.Contains(err.Error(), "no EC2 IMDS role found") {
				return nil, &SetupError{Reason: fmt.Sprintf("no AWS credentials found for profile %q: give it access keys, SSO settings, a role_arn or a credential_process", profile), Err: err}
			}
			// Its credentials (SSO token, role, process) failed.
			return nil, &SetupError{Reason: fmt.Sprintf("cannot get AWS credentials from profile %q: %s", profile, oneLine(err)), Err: err}
		}
		return nil, noCredentials(err)
	}
	s := &awsSetup{cfg: cfg}
	if cfg.BaseEndpoint != nil {
		s.endpoint = *cfg.BaseEndpoint
	}
	c.setup = s
	return s, nil
}

// LoadedAWS returns the collector's SDK configuration, loading it first if
// needed (a *SetupError when it cannot be had): the base of
// Config.DeriveFrom.
func (c *Collector) LoadedAWS(ctx context.Context) (aws.Config, error) {
	s, err := c.loadAWS(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	return s.cfg.Copy(), nil
}

// awsConfig is the SDK configuration of this collector's credentials:
// derived from Config.DeriveFrom when set, else loaded with the standard
// chain.
func (c *Collector) awsConfig(ctx context.Context) (aws.Config, error) {
	if base := c.cfg.DeriveFrom; base != nil {
		cfg := base.Copy()
		cfg.Retryer = c.newRetryer
		cfg.APIOptions = []func(*middleware.Stack) error{c.addCallCounter}
		if c.cfg.AccessKey != "" {
			cfg.Credentials = aws.NewCredentialsCache(
				credentials.NewStaticCredentialsProvider(c.cfg.AccessKey, c.cfg.SecretKey, c.cfg.SessionToken))
		}
		cfg.HTTPClient = awstransport.Wrap(cfg.HTTPClient)
		return cfg, nil
	}
	opts := []func(*config.LoadOptions) error{
		config.WithLogger(sdkLogger{c.log}),
		config.WithRetryer(c.newRetryer),
		config.WithAPIOptions([]func(*middleware.Stack) error{c.addCallCounter}),
	}
	if c.cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.cfg.Profile))
	}
	if c.cfg.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.cfg.AccessKey, c.cfg.SecretKey, c.cfg.SessionToken)))
	}
	if c.cfg.EndpointURL != "" {
		opts = append(opts, config.WithBaseEndpoint(c.cfg.EndpointURL))
	}
	if c.cfg.DefaultRegion != "" {
		opts = append(opts, config.WithRegion(c.cfg.DefaultRegion))
	}
	if c.cfg.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(c.cfg.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, loadError(c.cfg.Profile, err)
	}
	// Loading may build its own client (a CA bundle does), so wrap after.
	cfg.HTTPClient = awstransport.Wrap(cfg.HTTPClient)
	// AWS_MAX_ATTEMPTS and the profile's max_attempts must not resize the
	// retryer in any client: the connection's setting
	// (max_error_retry_attempts, else AWS_MAX_ATTEMPTS) is already in it.
	cfg.RetryMaxAttempts, cfg.RetryMode = 0, ""
	return cfg, nil
}

// sdkLogger sends the AWS SDK's own log lines (such as the instance
// metadata client's "falling back to IMDSv1" warning) to the collector's
// logger at debug level, instead of the SDK's default of stderr: what a
// user sees of a failed set-up is the one error it ends in.
type sdkLogger struct{ log hclog.Logger }

// Logf implements logging.Logger.
func (l sdkLogger) Logf(class logging.Classification, format string, v ...any) {
	l.log.Debug("aws sdk: "+fmt.Sprintf(format, v...), "class", string(class))
}

// loadError explains a failure of config.LoadDefaultConfig.
func loadError(profile string, err error) *SetupError {
	var missing config.SharedConfigProfileNotExistError
	if errors.As(err, &missing) {
		return &SetupError{Reason: fmt.Sprintf("AWS profile %q not found in the shared config or credentials files: check profile / AWS_PROFILE", missing.Profile), Err: err}
	}
	if profile != "" {
		return &SetupError{Reason: fmt.Sprintf("cannot load AWS profile %q: %s", profile, oneLine(err)), Err: err}
	}
	return &SetupError{Reason: "cannot load the AWS configuration: " + oneLine(err), Err: err}
}

// noCredentials is the setup error for a credential chain that found nothing.
func noCredentials(err error) *SetupError {
	return &SetupError{Reason: "no AWS credentials found: set a profile, access_key/secret_key, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", Err: err}
}

// oneLine keeps the first line of an error text.
func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// newRetryer builds the SDK standard retryer: MaxErrorRetryAttempts attempts in all
// of throttling and 5xx errors (and of connections dropped mid-call) only, exponential backoff with jitter from
// MinErrorRetryDelay, bounded by maxRetryDelay.
func (c *Collector) newRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = c.cfg.MaxErrorRetryAttempts
		o.MaxBackoff = maxRetryDelay
		o.Backoff = jitterBackoff{min: c.cfg.MinErrorRetryDelay, max: maxRetryDelay}
		o.Retryables = []retry.IsErrorRetryable{
			retry.NoRetryCanceledError{},
			retry.IsErrorRetryableFunc(notIgnored),
			retry.IsErrorRetryableFunc(notMalformed),
			retry.RetryableErrorCode{Codes: retry.DefaultThrottleErrorCodes},
			retry.IsErrorRetryableFunc(serverOrTooMany),
			retry.IsErrorRetryableFunc(droppedConnection),
		}
		// Retries are bounded by MaxAttempts; the SDK's retry quota would
		// give up early on a throttled burst.
		o.RateLimiter = ratelimit.None
	})
}

// notIgnored never retries an error ignore_error_codes or
// ignore_error_messages names (as steampipe-plugin-aws does not): the
// attempt's middleware marked it.
func notIgnored(err error) aws.Ternary {
	if isIgnored(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

// notMalformed never retries a malformed reply: the server that sent it
// sends it again.
func notMalformed(err error) aws.Ternary {
	if asMalformed(err) != nil {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

// serverOrTooMany retries 5xx and 429 answers.
func serverOrTooMany(err error) aws.Ternary {
	var v interface{ HTTPStatusCode() int }
	if errors.As(err, &v) && (v.HTTPStatusCode() >= 500 || v.HTTPStatusCode() == 429) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// droppedConnection retries a call whose connection broke once established
// (reset, closed, cut short): every call here is an idempotent read. A
// failed dial (refused, unresolvable) is not retried, so an unreachable
// endpoint is reported at once.
func droppedConnection(err error) aws.Ternary {
	var op *net.OpError
	if errors.As(err, &op) {
		if op.Op == "dial" {
			return aws.FalseTernary
		}
		if op.Op == "read" || op.Op == "write" {
			return aws.TrueTernary
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// jitterBackoff waits between min*2^(attempt-1) and min*2^attempt, at most max.
type jitterBackoff struct{ min, max time.Duration }

// BackoffDelay implements retry.BackoffDelayer.
func (b jitterBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	lo := b.min
	for i := 1; i < attempt && lo < b.max; i++ {
		lo *= 2
	}
	lo = min(lo, b.max)
	hi := min(2*lo, b.max)
	if hi <= lo {
		return lo, nil
	}
	return lo + rand.N(hi-lo), nil
}

// addCallCounter counts each completed operation by IAM action.
func (c *Collector) addCallCounter(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("cloudtrailccCountCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			c.count(&c.calls, actionFromContext(ctx))
			return out, md, err
		}), middleware.After)
}

// attemptGate returns the per-attempt middleware of one service+region
// client: it bounds in-flight attempts with sem, spaces LookupEvents
// requests, counts attempts, and gives each attempt CallTimeout once it is
// sent (waiting for sem or the LookupEvents pace does not count).
func (c *Collector) attemptGate(sem chan struct{}, region string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("cloudtrailccAttemptGate",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				action := actionFromContext(ctx)
				if action == "cloudtrail:LookupEvents" {
					// the pace comes before the concurrency slot, so a
					// request waiting for its turn holds no slot
					key := c.setup.endpoint + "|" + c.accountID() + "|" + region
					done, err := lookupPacers.wait(ctx, key)
					if err != nil {
						return middleware.FinalizeOutput{}, middleware.Metadata{}, err
					}
					defer done()
				}
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return middleware.FinalizeOutput{}, middleware.Metadata{}, ctx.Err()
				}
				defer func() { <-sem }()
				c.count(&c.attempts, action)
				timeout := &CallTimeoutError{Timeout: c.cfg.CallTimeout}
				actx, cancel := context.WithTimeoutCause(ctx, c.cfg.CallTimeout, timeout)
				defer cancel()
				out, md, err := next.HandleFinalize(actx, in)
				if err != nil && ctx.Err() == nil && context.Cause(actx) == timeout {
					err = timeout
				}
				return out, md, c.ignore.mark(ctx, regionRefusal(err, region, c.setup.cfg.Region))
			}), "Retry", middleware.After)
	}
}

// clientConfig is the SDK configuration of one service in one region.
func (c *Collector) clientConfig(service, region string) aws.Config {
	cfg := c.setup.cfg.Copy()
	cfg.Region = region
	limit := c.cfg.MaxConcurrency
	if service == "s3" {
		limit = c.cfg.MaxS3Concurrency
	}
	sem := make(chan struct{}, limit)
	cfg.APIOptions = append(slices.Clone(cfg.APIOptions), c.attemptGate(sem, region), addResponseGuard, addShapeCheck)
	return cfg
}

// clientFor returns the client of service in region, creating it once.
// Clients of different services and regions are built in parallel.
func clientFor[T any](c *Collector, service, region string, build func(aws.Config) T) T {
	key := service + "/" + region
	c.clientsMu.Lock()
	get, ok := c.clients[key]
	if !ok {
		get = sync.OnceValue(func() any { return build(c.clientConfig(service, region)) })
		c.clients[key] = get
	}
	c.clientsMu.Unlock()
	return get().(T)
}

func (c *Collector) sts(region string) *sts.Client {
	return clientFor(c, "sts", region, func(cfg aws.Config) *sts.Client { return sts.NewFromConfig(cfg) })
}

func (c *Collector) ec2(region string) *ec2.Client {
	return clientFor(c, "ec2", region, func(cfg aws.Config) *ec2.Client { return ec2.NewFromConfig(cfg) })
}

func (c *Collector) cloudtrail(region string) *cloudtrail.Client {
	return clientFor(c, "cloudtrail", region, func(cfg aws.Config) *cloudtrail.Client { return cloudtrail.NewFromConfig(cfg) })
}

func (c *Collector) sns(region string) *sns.Client {
	return clientFor(c, "sns", region, func(cfg aws.Config) *sns.Client { return sns.NewFromConfig(cfg) })
}

func (c *Collector) kms(region string) *kms.Client {
	return clientFor(c, "kms", region, func(cfg aws.Config) *kms.Client { return kms.NewFromConfig(cfg) })
}

// s3 returns the S3 client of region; with a custom endpoint it addresses
// buckets path-style (http://host/bucket), as AWS-compatible servers expect.
func (c *Collector) s3(region string) *s3.Client {
	return clientFor(c, "s3", region, func(cfg aws.Config) *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = c.setup.endpoint != "" || c.cfg.S3ForcePathStyle })
	})
}

// s3control returns the S3 Control client of region, pinned to a custom
// endpoint when there is one (awsendpoint.PinS3Control).
func (c *Collector) s3control(region string) *s3control.Client {
	return clientFor(c, "s3control", region, func(cfg aws.Config) *s3control.Client {
		return s3control.NewFromConfig(cfg, awsendpoint.PinS3Control)
	})
}

// globalRegion is the region that serves a partition's global calls
// (GetBucketLocation, account Public Access Block).
func globalRegion(partition, fallback string) string {
	switch partition {
	case "aws":
		return "us-east-1"
	case "aws-cn":
		return "cn-north-1"
	case "aws-us-gov":
		return "us-gov-west-1"
	}
	return fallback
}
