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
	// DefaultMaxErrorRetryAttempts counts every attempt, the first included
	// (steampipe-plugin-aws's default).
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

// Upper limits of the numeric options, checked before any conversion.
const (
	// LimitMaxErrorRetryAttempts bounds max_error_retry_attempts.
	LimitMaxErrorRetryAttempts = 50
	// LimitMinErrorRetryDelay bounds min_error_retry_delay: no back-off is longer.
	LimitMinErrorRetryDelay = maxRetryDelay
	// LimitCacheTTL bounds cache_ttl.
	LimitCacheTTL = 24 * time.Hour
	// LimitCallTimeout bounds call_timeout.
	LimitCallTimeout = 10 * time.Minute
	// LimitMaxConcurrency bounds max_concurrency.
	LimitMaxConcurrency = 256
	// LimitMaxS3Concurrency bounds max_s3_concurrency.
	LimitMaxS3Concurrency = 1024
)

// Config says which account to read and how. Zero values mean the defaults
// above; field names in Validate's errors are the connection-config names
// (regions, access_key, max_error_retry_attempts, ...).
type Config struct {
	// Regions narrows the enabled regions; entries may use "*" wildcards
	// ("eu-*"). nil or ["*"] means every enabled region; an empty non-nil
	// list is an error.
	Regions []string
	// Profile is a shared config/credentials profile name.
	Profile string
	// AccessKey, SecretKey and SessionToken are static credentials.
	AccessKey, SecretKey, SessionToken string
	// EndpointURL replaces every service endpoint (an AWS-compatible server);
	// empty falls back to AWS_ENDPOINT_URL and the shared config.
	EndpointURL string
	// DefaultRegion is the region of the account-wide calls (STS
	// GetCallerIdentity, EC2 DescribeRegions): as steampipe-plugin-aws's
	// default_region, it comes before AWS_REGION and the profile's region;
	// empty leaves those, then us-east-1 (or the partition's region of a
	// configured China or GovCloud region).
	DefaultRegion string
	// IgnoreErrorCodes are AWS error code patterns (path.Match wildcards, as
	// steampipe-plugin-aws's ignore_error_codes) whose errors are not
	// retried and are recorded as ignored (snapshot.ReadError.Ignored): the
	// rules report the facts they hide as skip, never ok.
	IgnoreErrorCodes []string
	// IgnoreErrorMessages are regular expressions matched against the error
	// text (steampipe-plugin-aws's ignore_error_messages), with the same effect.
	IgnoreErrorMessages []string
	// S3ForcePathStyle addresses S3 path-style (http://s3.../BUCKET) even
	// on AWS's own endpoints; a custom endpoint is always addressed path-style.
	S3ForcePathStyle bool
	// MaxErrorRetryAttempts is how many times in all a throttled or 5xx
	// call is attempted, the first attempt included (default 9; 1 = no retry).
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
	// CallerARN, when set, is the caller's ARN as sts:AssumeRole returned
	// it with the credentials (arn:PARTITION:sts::ACCOUNT:assumed-role/...):
	// the identity then comes from it, without sts:GetCallerIdentity.
	CallerARN string
	// DeriveFrom, when set, is another collector's loaded SDK configuration
	// (Collector.LoadedAWS) that this one derives its own from instead of
	// loading the environment, shared files and CA bundle again: the same
	// region, endpoint and HTTP client, with this collector's access keys,
	// retries and call counting. An organization audit sets it for every
	// member account.
	DeriveFrom *aws.Config
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

	if c.Regions != nil && len(c.Regions) == 0 {
		bad(`regions: the list is empty; name regions such as "us-east-1", or use ["*"] for every enabled region`)
	}
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
	if c.DefaultRegion != "" && !regionPattern.MatchString(c.DefaultRegion) {
		bad("default_region: %q is not a region name; use a name like \"us-east-1\"", c.DefaultRegion)
	}
	for i, p := range c.IgnoreErrorCodes {
		if _, err := path.Match(p, ""); p == "" || err != nil {
			bad("ignore_error_codes[%d]: %q is not an error code or wildcard pattern such as \"AccessDenied\" or \"*Denied*\"", i, p)
		}
	}
	for i, p := range c.IgnoreErrorMessages {
		if _, err := regexp.Compile(p); p == "" || err != nil {
			bad("ignore_error_messages[%d]: %q is not a regular expression (Go syntax)", i, p)
		}
	}
	if c.EndpointURL != "" {
		u, err := url.Parse(c.EndpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("endpoint_url: %q is not an absolute http:// or https:// URL", RedactURL(c.EndpointURL))
		}
	}
	if c.ConfigChangeLookback < 0 || c.ConfigChangeLookback > MaxConfigChangeLookback {
		bad("config_change_lookback: %s is out of range; use more than 0 and at most 90 days (2160h); default 24h", c.ConfigChangeLookback)
	}
	for i, name := range c.ConfigChangeEvents {
		if strings.TrimSpace(name) == "" {
			bad("config_change_events[%d]: empty event name; use CloudTrail API names such as \"StopLogging\"", i)
		}
	}
	for _, o := range c.bounded() {
		if o.value < 0 || o.value > o.limit {
			bad("%s: %s is out of range; use %s to %s, or leave it out for the default %s", o.name, o.show(o.value), o.show(o.min), o.show(o.limit), o.show(o.dflt))
		}
	}
	return errors.Join(errs...)
}

// boundedOption is one numeric option with its range; durations are in
// nanoseconds, shown in the unit of the connection config.
type boundedOption struct {
	name                    string
	value, min, limit, dflt int64
	unit                    time.Duration // 0 for a count
}

// show formats a value of the option in its connection-config unit.
func (o boundedOption) show(v int64) string { return fmt.Sprint(o.inUnit(v)) }

// bounded lists the numeric options with their connection-config names,
// ranges and defaults (zero in Config means the default).
func (c Config) bounded() []boundedOption {
	dur := func(name string, v, min, limit, dflt, unit time.Duration) boundedOption {
		return boundedOption{name, int64(v), int64(min), int64(limit), int64(dflt), unit}
	}
	return []boundedOption{
		{"max_error_retry_attempts", int64(c.MaxErrorRetryAttempts), 1, LimitMaxErrorRetryAttempts, DefaultMaxErrorRetryAttempts, 0},
		dur("min_error_retry_delay", c.MinErrorRetryDelay, time.Millisecond, LimitMinErrorRetryDelay, DefaultMinErrorRetryDelay, time.Millisecond),
		dur("cache_ttl", c.CacheTTL, time.Second, LimitCacheTTL, DefaultCacheTTL, time.Second),
		dur("call_timeout", c.CallTimeout, time.Second, LimitCallTimeout, DefaultCallTimeout, time.Second),
		{"max_concurrency", int64(c.MaxConcurrency), 1, LimitMaxConcurrency, DefaultMaxConcurrency, 0},
		{"max_s3_concurrency", int64(c.MaxS3Concurrency), 1, LimitMaxS3Concurrency, DefaultMaxS3Concurrency, 0},
	}
}

// OptionRange returns the range and default of a numeric option by its
// connection-config name, in that option's unit (ms, s or a count).
func OptionRange(name string) (min, limit, dflt int64, ok bool) {
	for _, o := range (Config{}).bounded() {
		if o.name == name {
			return o.inUnit(o.min), o.inUnit(o.limit), o.inUnit(o.dflt), true
		}
	}
	return 0, 0, 0, false
}

// inUnit converts a value of the option to its connection-config unit.
func (o boundedOption) inUnit(v int64) int64 {
	if o.unit == 0 {
		return v
	}
	return v / int64(o.unit)
}

// RedactURL returns u without its user name and password, for messages: an
// endpoint URL may carry credentials. Text with an "@" that does not parse
// as a URL with user info is not shown at all.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	switch {
	case err == nil && p.User != nil:
		p.User = nil
		return p.String()
	case strings.Contains(u, "@"):
		return "(a URL holding an @, not shown)"
	}
	return u
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
