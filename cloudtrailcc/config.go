package cloudtrailcc

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/exceptions"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/organization"
)

// connectionConfig is the HCL body of a cloudtrailcc connection (.spc file).
// Optional numbers are pointers so that an explicit 0 is told apart from
// "not set".
type connectionConfig struct {
	Regions               []string `hcl:"regions,optional" json:"regions,omitempty"`
	Profile               string   `hcl:"profile,optional" json:"profile,omitempty"`
	AccessKey             string   `hcl:"access_key,optional" json:"access_key,omitempty"`
	SecretKey             string   `hcl:"secret_key,optional" json:"secret_key,omitempty"`
	SessionToken          string   `hcl:"session_token,optional" json:"session_token,omitempty"`
	EndpointURL           string   `hcl:"endpoint_url,optional" json:"endpoint_url,omitempty"`
	MaxErrorRetryAttempts *int     `hcl:"max_error_retry_attempts,optional" json:"max_error_retry_attempts,omitempty"`
	MinErrorRetryDelay    *int     `hcl:"min_error_retry_delay,optional" json:"min_error_retry_delay,omitempty"`
	ConfigChangeLookback  string   `hcl:"config_change_lookback,optional" json:"config_change_lookback,omitempty"`
	ConfigChangeEvents    []string `hcl:"config_change_events,optional" json:"config_change_events,omitempty"`
	CacheTTL              *int     `hcl:"cache_ttl,optional" json:"cache_ttl,omitempty"`
	CacheDir              string   `hcl:"cache_dir,optional" json:"cache_dir,omitempty"`
	CallTimeout           *int     `hcl:"call_timeout,optional" json:"call_timeout,omitempty"`
	MaxConcurrency        *int     `hcl:"max_concurrency,optional" json:"max_concurrency,omitempty"`
	MaxS3Concurrency      *int     `hcl:"max_s3_concurrency,optional" json:"max_s3_concurrency,omitempty"`

	// steampipe-plugin-aws's options with their meaning there (see inventory.Config).
	DefaultRegion       string   `hcl:"default_region,optional" json:"default_region,omitempty"`
	IgnoreErrorCodes    []string `hcl:"ignore_error_codes,optional" json:"ignore_error_codes,omitempty"`
	IgnoreErrorMessages []string `hcl:"ignore_error_messages,optional" json:"ignore_error_messages,omitempty"`
	S3ForcePathStyle    *bool    `hcl:"s3_force_path_style,optional" json:"s3_force_path_style,omitempty"`
	// ExceptionsFile names the file of accepted findings. It is left out of
	// the key: it changes no fact read from AWS.
	ExceptionsFile string `hcl:"exceptions_file,optional" json:"-"`

	// Organization audits (config_org.go).
	OrganizationRoleName  string   `hcl:"organization_role_name,optional" json:"organization_role_name,omitempty"`
	OrganizationRoleARN   string   `hcl:"organization_role_arn,optional" json:"organization_role_arn,omitempty"`
	ExternalID            string   `hcl:"external_id,optional" json:"external_id,omitempty"`
	RoleSessionName       string   `hcl:"role_session_name,optional" json:"role_session_name,omitempty"`
	Accounts              []string `hcl:"accounts,optional" json:"accounts,omitempty"`
	ExcludeAccounts       []string `hcl:"exclude_accounts,optional" json:"exclude_accounts,omitempty"`
	MaxConcurrentAccounts *int     `hcl:"max_concurrent_accounts,optional" json:"max_concurrent_accounts,omitempty"`
}

// configSchema tells the SDK how to parse a connection's HCL body.
func configSchema() *plugin.ConnectionConfigSchema {
	return &plugin.ConnectionConfigSchema{NewInstance: func() any { return &connectionConfig{} }}
}

// settings is a connection's parsed and validated configuration.
type settings struct {
	// Inventory is the collector configuration.
	Inventory inventory.Config
	// CacheDir, when set, keeps snapshots on disk between processes.
	CacheDir string
	// Key identifies the configuration: the same key means the same AWS view.
	Key string
	// Organization is set when the connection audits several accounts.
	Organization *organization.Config
	// Exceptions are the accepted findings of exceptions_file (nil: none).
	Exceptions *exceptions.List
}

// settingsOf parses and validates a connection's config (nil = all defaults).
// Errors name the field and the allowed values.
func settingsOf(raw any) (settings, error) {
	var c connectionConfig
	switch v := raw.(type) {
	case nil:
	case connectionConfig:
		c = v
	case *connectionConfig:
		if v != nil {
			c = *v
		}
	default:
		return settings{}, fmt.Errorf("unexpected connection config type %T", raw)
	}
	return c.settings()
}

// settings validates c and maps it onto the inventory configuration; the
// field checks are inventory.Config.Validate's, plus the parsing of the
// fields that are text here.
func (c connectionConfig) settings() (settings, error) {
	var errs []error
	cfg := inventory.Config{
		Regions:               []string{"*"},
		Profile:               c.Profile,
		AccessKey:             c.AccessKey,
		SecretKey:             c.SecretKey,
		SessionToken:          c.SessionToken,
		EndpointURL:           c.EndpointURL,
		DefaultRegion:         c.DefaultRegion,
		IgnoreErrorCodes:      slices.Clone(c.IgnoreErrorCodes),
		IgnoreErrorMessages:   slices.Clone(c.IgnoreErrorMessages),
		S3ForcePathStyle:      c.S3ForcePathStyle != nil && *c.S3ForcePathStyle,
		MaxErrorRetryAttempts: inventory.DefaultMaxErrorRetryAttempts,
		MinErrorRetryDelay:    inventory.DefaultMinErrorRetryDelay,
		ConfigChangeLookback:  inventory.DefaultConfigChangeLookback,
		CacheTTL:              inventory.DefaultCacheTTL,
		CallTimeout:           inventory.DefaultCallTimeout,
	}
	if c.Regions != nil {
		cfg.Regions = slices.Clone(c.Regions) // an empty list stays empty: Validate refuses it
	}
	if c.ConfigChangeLookback != "" {
		d, err := parseLookback(c.ConfigChangeLookback)
		if err != nil {
			errs = append(errs, err)
		}
		cfg.ConfigChangeLookback = d
	}
	if c.ConfigChangeEvents != nil {
		if len(c.ConfigChangeEvents) == 0 {
			errs = append(errs, errors.New("config_change_events: must not be empty; leave it out for the default list"))
		}
		cfg.ConfigChangeEvents = append([]string(nil), c.ConfigChangeEvents...)
	}
	if c.MaxErrorRetryAttempts == nil {
		// as steampipe-plugin-aws: the option, else AWS_MAX_ATTEMPTS, else 9
		n, err := maxAttemptsFromEnv()
		if err != nil {
			errs = append(errs, err)
		} else if n > 0 {
			cfg.MaxErrorRetryAttempts = n
		}
	}
	for _, o := range []struct {
		name string
		v    *int
		set  func(n int)
	}{
		{"max_error_retry_attempts", c.MaxErrorRetryAttempts, func(n int) { cfg.MaxErrorRetryAttempts = n }},
		{"min_error_retry_delay", c.MinErrorRetryDelay, func(n int) { cfg.MinErrorRetryDelay = time.Duration(n) * time.Millisecond }},
		{"cache_ttl", c.CacheTTL, func(n int) { cfg.CacheTTL = time.Duration(n) * time.Second }},
		{"call_timeout", c.CallTimeout, func(n int) { cfg.CallTimeout = time.Duration(n) * time.Second }},
		{"max_concurrency", c.MaxConcurrency, func(n int) { cfg.MaxConcurrency = n }},
		{"max_s3_concurrency", c.MaxS3Concurrency, func(n int) { cfg.MaxS3Concurrency = n }},
	} {
		if o.v == nil {
			continue
		}
		// Bounded before any conversion: an explicit value is used as
		// given or refused, never taken for the default.
		lo, hi, dflt, _ := inventory.OptionRange(o.name)
		if int64(*o.v) < lo || int64(*o.v) > hi {
			errs = append(errs, fmt.Errorf("%s: %d is out of range; use %d to %d, or leave it out for the default %d", o.name, *o.v, lo, hi, dflt))
			continue
		}
		o.set(*o.v)
	}
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	org, orgErrs := c.organization(cfg)
	errs = append(errs, orgErrs...)
	var exc *exceptions.List
	if c.ExceptionsFile != "" {
		var err error
		if exc, err = exceptions.Load(c.ExceptionsFile, time.Now()); err != nil {
			errs = append(errs, fmt.Errorf("exceptions_file: %w", err))
		}
	}
	if len(errs) > 0 {
		// one line, as Steampipe prints it beside the connection name
		msg := strings.ReplaceAll(errors.Join(errs...).Error(), "\n", "; ")
		return settings{}, fmt.Errorf("invalid connection config: %s", msg)
	}
	return settings{Inventory: cfg, CacheDir: c.CacheDir, Key: c.key(), Organization: org, Exceptions: exc}, nil
}

// key is a hash of the whole configuration (secrets included, only hashed)
// and of the environment variables that choose the credentials, region or
// endpoint when the config does not: two connections with the same key see
// AWS the same way, so they may share a disk cache (cache_dir).
func (c connectionConfig) key() string {
	h := sha256.New()
	b, _ := json.Marshal(c)
	h.Write(b)
	for _, name := range credentialEnv {
		fmt.Fprintf(h, "\x00%s=%s", name, os.Getenv(name))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// credentialEnv are the AWS SDK environment variables that decide which
// account and endpoint a connection reads when its config leaves them out.
var credentialEnv = []string{
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
}

// maxAttemptsEnv is the AWS SDKs' variable for attempts per call, which
// steampipe-plugin-aws reads when max_error_retry_attempts is not set.
const maxAttemptsEnv = "AWS_MAX_ATTEMPTS"

// maxAttemptsFromEnv reads AWS_MAX_ATTEMPTS: 0 when unset, an error naming
// it when it is not a whole number in max_error_retry_attempts' range.
func maxAttemptsFromEnv() (int, error) {
	v, ok := os.LookupEnv(maxAttemptsEnv)
	if !ok || v == "" {
		return 0, nil
	}
	lo, hi, _, _ := inventory.OptionRange("max_error_retry_attempts")
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || int64(n) < lo || int64(n) > hi {
		return 0, fmt.Errorf("%s: %q is not a number of attempts; use %d to %d (as max_error_retry_attempts, which takes precedence), or unset it", maxAttemptsEnv, v, lo, hi)
	}
	return n, nil
}

// parseLookback parses config_change_lookback: a Go duration ("24h", "90m")
// optionally led by whole days ("7d", "1d12h"), at most 90 days.
func parseLookback(s string) (time.Duration, error) {
	bad := fmt.Errorf(`config_change_lookback: %q is not a duration; allowed: Go durations such as "24h" or "36h30m", or days such as "7d", from 1m to 90d`, s)
	var d time.Duration
	rest := s
	if i := strings.Index(rest, "d"); i >= 0 {
		days, err := strconv.Atoi(rest[:i])
		if err != nil || days < 0 || days > int(inventory.MaxConfigChangeLookback/(24*time.Hour)) {
			return 0, bad
		}
		d = time.Duration(days) * 24 * time.Hour
		rest = rest[i+1:]
	}
	if rest != "" {
		p, err := time.ParseDuration(rest)
		if err != nil {
			return 0, bad
		}
		d += p
	}
	if d < time.Minute || d > inventory.MaxConfigChangeLookback {
		return 0, bad
	}
	return d, nil
}
