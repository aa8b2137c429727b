package inventory

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/go-hclog"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// Defaults applied by New to zero-valued Config fields.
const (
	DefaultMaxErrorRetryAttempts = 9
	DefaultMinErrorRetryDelay    = 25 * time.Millisecond
	DefaultConfigChangeLookback  = 24 * time.Hour
	DefaultCacheTTL              = 300 * time.Second
	DefaultMaxConcurrency        = 8
	DefaultMaxS3Concurrency      = 64
	DefaultCallTimeout           = 30 * time.Second

	// MaxConfigChangeLookback is how far back CloudTrail's event history goes.
	MaxConfigChangeLookback = 90 * 24 * time.Hour
	// maxRetryDelay bounds the backoff between two attempts of one call.
	maxRetryDelay = 5 * time.Second
)

// Config says which account to read and how. Zero values mean the defaults
// above; field names in Validate's errors are the connection-config names
// (regions, access_key, max_error_retry_attempts, ...).
type Config struct {
	// Regions narrows the enabled regions; entries may use "*" wildcards
	// ("eu-*"). Empty or ["*"] means every enabled region.
	Regions []string
	// Profile is a shared config/credentials profile name.
	Profile string
	// AccessKey, SecretKey and SessionToken are static credentials.
	AccessKey, SecretKey, SessionToken string
	// EndpointURL replaces every service endpoint (an AWS-compatible server);
	// empty falls back to AWS_ENDPOINT_URL and the shared config.
	EndpointURL string
	// MaxErrorRetryAttempts is how many times a throttled or 5xx call is retried (default 9).
	MaxErrorRetryAttempts int
	// MinErrorRetryDelay is the first backoff delay (default 25ms), doubled per retry with jitter.
	MinErrorRetryDelay time.Duration
	// ConfigChangeLookback is the LookupEvents window (default 24h, at most 90 days).
	ConfigChangeLookback time.Duration
	// ConfigChangeEvents are the CloudTrail event names that count as
	// configuration changes (default snapshot.DefaultConfigChangeEventNames).
	// Read-only names (Describe*, Get*, List*, Lookup*) are ignored.
	ConfigChangeEvents []string
	// CacheTTL is how long a fact read is reused (default 300s).
	CacheTTL time.Duration
	// MaxConcurrency bounds in-flight calls per service and region (default
	// 8) for every service but S3.
	MaxConcurrency int
	// MaxS3Concurrency bounds in-flight S3 calls per region (default 64):
	// S3 serves thousands of requests per second per bucket, and its
	// bucket-configuration reads have no account-wide rate quota.
	MaxS3Concurrency int
	// CallTimeout bounds each attempt of an AWS call once it is sent
	// (default 30s); an attempt with no answer by then is not retried, and
	// its fact is recorded as a read error naming the timeout.
	CallTimeout time.Duration
	// Logger receives warnings and debug output (default: discard).
	Logger hclog.Logger

	// Organization audits (package organization) set the fields below.

	// HTTPClient, when set, carries every call: the collectors of an
	// organization share one connection pool instead of one per account.
	HTTPClient aws.HTTPClient
	// Audited, when set, says which accounts an organization audit reads
	// with their own credentials: KMS keys and SNS topics of those accounts
	// (other than this one) are not read here, buckets absent from
	// ListBuckets are not probed, and ListBuckets' names are kept in the
	// snapshot (OwnedBucketNames), so that each such fact is read once, by
	// its owner (see Collector.ReadOwned).
	Audited func(accountID string) bool
}

// regionPattern matches AWS region names such as us-east-1, us-gov-west-1, eu-central-2.
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// regionGlobPattern matches the characters a region wildcard may use.
var regionGlobPattern = regexp.MustCompile(`^[a-z0-9*-]+$`)

// Validate checks the configuration; the error names each bad field and
// what it accepts.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	for i, r := range c.Regions {
		switch {
		case r == "":
			bad("regions[%d]: empty region; use a region name like \"us-east-1\" or a wildcard like \"eu-*\" or \"*\"", i)
		case strings.Contains(r, "*"):
			if !regionGlobPattern.MatchString(r) {
				bad("regions[%d]: %q is not a region wildcard; use lower-case letters, digits, '-' and '*' (e.g. \"eu-*\", \"*\")", i, r)
			}
		case !regionPattern.MatchString(r):
			bad("regions[%d]: %q is not a region name; use names like \"us-east-1\" or wildcards like \"eu-*\"", i, r)
		}
	}
	if (c.AccessKey == "") != (c.SecretKey == "") {
		bad("access_key and secret_key: set both or neither")
	}
	if c.SessionToken != "" && c.AccessKey == "" {
		bad("session_token: requires access_key and secret_key")
	}
	if c.Profile != "" && c.AccessKey != "" {
		bad("profile and access_key: set either a profile or static keys, not both")
	}
	if c.EndpointURL != "" {
		u, err := url.Parse(c.EndpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("endpoint_url: %q is not an absolute http:// or https:// URL", c.EndpointURL)
		}
	}
	if c.MaxErrorRetryAttempts < 0 {
		bad("max_error_retry_attempts: %d is negative; use 0 (default %d) or more", c.MaxErrorRetryAttempts, DefaultMaxErrorRetryAttempts)
	}
	if c.MinErrorRetryDelay < 0 {
		bad("min_error_retry_delay: %s is negative; use 0 (default %s) or more", c.MinErrorRetryDelay, DefaultMinErrorRetryDelay)
	}
	if c.ConfigChangeLookback < 0 || c.ConfigChangeLookback > MaxConfigChangeLookback {
		bad("config_change_lookback: %s is out of range; use more than 0 and at most 90 days (2160h); default 24h", c.ConfigChangeLookback)
	}
	for i, name := range c.ConfigChangeEvents {
		if strings.TrimSpace(name) == "" {
			bad("config_change_events[%d]: empty event name; use CloudTrail API names such as \"StopLogging\"", i)
		}
	}
	if c.CacheTTL < 0 {
		bad("cache_ttl: %s is negative; use 0 (default %s) or more", c.CacheTTL, DefaultCacheTTL)
	}
	if c.MaxConcurrency < 0 {
		bad("max_concurrency: %d is negative; use 0 (default %d) or more", c.MaxConcurrency, DefaultMaxConcurrency)
	}
	if c.MaxS3Concurrency < 0 {
		bad("max_s3_concurrency: %d is negative; use 0 (default %d) or more", c.MaxS3Concurrency, DefaultMaxS3Concurrency)
	}
	if c.CallTimeout < 0 {
		bad("call_timeout: %s is negative; use 0 (default %s) or more", c.CallTimeout, DefaultCallTimeout)
	}
	return errors.Join(errs...)
}

// withDefaults returns c with zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	c.MaxErrorRetryAttempts = cmp.Or(c.MaxErrorRetryAttempts, DefaultMaxErrorRetryAttempts)
	c.MinErrorRetryDelay = cmp.Or(c.MinErrorRetryDelay, DefaultMinErrorRetryDelay)
	c.ConfigChangeLookback = cmp.Or(c.ConfigChangeLookback, DefaultConfigChangeLookback)
	if c.ConfigChangeEvents == nil {
		c.ConfigChangeEvents = slices.Clone(snapshot.DefaultConfigChangeEventNames)
	}
	c.CacheTTL = cmp.Or(c.CacheTTL, DefaultCacheTTL)
	c.MaxConcurrency = cmp.Or(c.MaxConcurrency, DefaultMaxConcurrency)
	c.MaxS3Concurrency = cmp.Or(c.MaxS3Concurrency, DefaultMaxS3Concurrency)
	c.CallTimeout = cmp.Or(c.CallTimeout, DefaultCallTimeout)
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	c.Regions = slices.Clone(c.Regions)
	return c
}

// isReadOnlyEventName reports whether a CloudTrail event name is a read
// (Describe, Get, List or Lookup call), which never counts as a change.
func isReadOnlyEventName(name string) bool {
	for _, p := range []string{"Describe", "Get", "List", "Lookup"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// changeEventNames returns the configured change event names, trimmed,
// without read-only names and duplicates, in the configured order; the
// dropped read-only names are returned apart.
func changeEventNames(names []string) (keep, dropped []string) {
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch {
		case n == "" || seen[n]:
		case isReadOnlyEventName(n):
			dropped = append(dropped, n)
		default:
			keep = append(keep, n)
		}
		seen[n] = true
	}
	return keep, dropped
}

// narrowRegions keeps the enabled regions matched by the configured
// patterns (all when there are none), sorted; unmatched is the configured
// exact names that are not enabled.
func narrowRegions(enabled, patterns []string) (kept, unmatched []string) {
	if len(patterns) == 0 {
		patterns = []string{"*"}
	}
	for _, r := range enabled {
		for _, p := range patterns {
			if ok, _ := path.Match(p, r); ok {
				kept = append(kept, r)
				break
			}
		}
	}
	for _, p := range patterns {
		if !strings.Contains(p, "*") && !slices.Contains(enabled, p) {
			unmatched = append(unmatched, p)
		}
	}
	slices.Sort(kept)
	return slices.Compact(kept), unmatched
}

// exactRegions returns the configured regions without wildcards, sorted.
func exactRegions(patterns []string) []string {
	var out []string
	for _, p := range patterns {
		if !strings.Contains(p, "*") {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
