package cloudtrailcc

import (
	"strings"
	"testing"
	"time"
)

func TestLookbackAcceptsGoDurationsAndDays(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"24h":    24 * time.Hour,
		"90m":    90 * time.Minute,
		"7d":     7 * 24 * time.Hour,
		"1d12h":  36 * time.Hour,
		"90d":    90 * 24 * time.Hour,
		"36h30m": 36*time.Hour + 30*time.Minute,
	} {
		got, err := parseLookback(in)
		if err != nil || got != want {
			t.Errorf("parseLookback(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestLookbackRejectsNonDurationsAndOutOfRange(t *testing.T) {
	for _, in := range []string{"forever", "91d", "-1h", "0s", "d", "7days", "1.5d", "106751991167301d", "213503982334601d1h"} {
		if _, err := parseLookback(in); err == nil || !strings.Contains(err.Error(), "config_change_lookback") {
			t.Errorf("parseLookback(%q) error = %v; want one naming config_change_lookback", in, err)
		}
	}
}

func intp(i int) *int { return &i }

func TestInvalidConfigErrorsNameTheField(t *testing.T) {
	cases := map[string]connectionConfig{
		"regions":                  {Regions: []string{"moon-1"}},
		"max_error_retry_attempts": {MaxErrorRetryAttempts: intp(-1)},
		"min_error_retry_delay":    {MinErrorRetryDelay: intp(-5)},
		"config_change_lookback":   {ConfigChangeLookback: "forever"},
		"config_change_events":     {ConfigChangeEvents: []string{}},
		"cache_ttl":                {CacheTTL: intp(-1)},
		"call_timeout":             {CallTimeout: intp(0)},
		"cache_ttl: 0":             {CacheTTL: intp(0)},
		"max_concurrency: -1":      {MaxConcurrency: intp(-1)},
		"max_s3_concurrency: 0":    {MaxS3Concurrency: intp(0)},
		"max_error_retry_attempts: 0 is out of range; use 1 to 50":   {MaxErrorRetryAttempts: intp(0)},
		"min_error_retry_delay: 0 is out of range":                   {MinErrorRetryDelay: intp(0)},
		"cache_ttl: 9223372036 is out of range; use 1 to 86400":      {CacheTTL: intp(9223372036)},
		"call_timeout: 601 is out of range; use 1 to 600":            {CallTimeout: intp(601)},
		"min_error_retry_delay: 5001 is out of range; use 1 to 5000": {MinErrorRetryDelay: intp(5001)},
		"max_concurrency: 257 is out of range; use 1 to 256":         {MaxConcurrency: intp(257)},
		"max_s3_concurrency: 1025 is out of range; use 1 to 1024":    {MaxS3Concurrency: intp(1025)},
		"max_error_retry_attempts: 51":                               {MaxErrorRetryAttempts: intp(51)},
		"regions: the list is empty":                                 {Regions: []string{}},
		"endpoint_url":                                               {EndpointURL: "localhost:4566"},
		"secret_key":                                                 {AccessKey: "AKIA"},
	}
	for field, c := range cases {
		_, err := c.settings()
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error = %v; want one naming the field", field, err)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", field, err)
		}
	}
}

func TestDefaultsAndKey(t *testing.T) {
	st, err := settingsOf(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.Inventory
	if len(cfg.Regions) != 1 || cfg.Regions[0] != "*" || cfg.CacheTTL != 300*time.Second ||
		cfg.ConfigChangeLookback != 24*time.Hour || cfg.MaxErrorRetryAttempts != 9 || cfg.CallTimeout != 30*time.Second {
		t.Errorf("defaults = %+v", cfg)
	}
	other, err := settingsOf(connectionConfig{CacheTTL: intp(60), MinErrorRetryDelay: intp(100), CallTimeout: intp(5),
		MaxConcurrency: intp(2), MaxS3Concurrency: intp(4), MaxErrorRetryAttempts: intp(1)})
	if err != nil {
		t.Fatal(err)
	}
	if other.Key == st.Key {
		t.Error("different configs share a key")
	}
	if other.Inventory.CacheTTL != time.Minute || other.Inventory.MinErrorRetryDelay != 100*time.Millisecond ||
		other.Inventory.CallTimeout != 5*time.Second || other.Inventory.MaxConcurrency != 2 || other.Inventory.MaxS3Concurrency != 4 ||
		other.Inventory.MaxErrorRetryAttempts != 1 {
		t.Errorf("cache_ttl, call_timeout / min_error_retry_delay not in seconds / milliseconds: %+v", other.Inventory)
	}
}

func TestKeyFollowsCredentialEnvironment(t *testing.T) {
	t.Setenv("AWS_PROFILE", "audit-a")
	a, _ := settingsOf(nil)
	t.Setenv("AWS_PROFILE", "audit-b")
	b, _ := settingsOf(nil)
	if a.Key == b.Key {
		t.Error("connections reading different AWS profiles share a cache key")
	}
}
