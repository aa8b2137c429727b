package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

func TestValidateAcceptsZeroAndTypicalConfigs(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Regions: []string{"*"}},
		{Regions: []string{"eu-*", "us-east-1", "us-gov-west-1", "ap-southeast-4"}},
		{AccessKey: "AKIA", SecretKey: "s", SessionToken: "t", EndpointURL: "http://127.0.0.1:4566"},
		{Profile: "audit", ConfigChangeLookback: MaxConfigChangeLookback, ConfigChangeEvents: []string{"StopLogging", "MyCustomEvent"}},
	} {
		if err := cfg.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", cfg, err)
		}
	}
}

func TestValidateNamesFieldAndAllowedValues(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want []string // substrings of the error
	}{
		{"upper-case region", Config{Regions: []string{"EU-West-1"}}, []string{"regions[0]", `"EU-West-1"`, "us-east-1"}},
		{"region typo", Config{Regions: []string{"us-east-1", "useast1"}}, []string{"regions[1]", "useast1", "eu-*"}},
		{"empty region", Config{Regions: []string{""}}, []string{"regions[0]", "empty"}},
		{"bad wildcard", Config{Regions: []string{"eu_*"}}, []string{"regions[0]", "wildcard"}},
		{"negative retries", Config{MaxErrorRetryAttempts: -1}, []string{"max_error_retry_attempts", "-1", "1 to 50", "default 9"}},
		{"too many retries", Config{MaxErrorRetryAttempts: 51}, []string{"max_error_retry_attempts", "51", "1 to 50"}},
		{"delay too long", Config{MinErrorRetryDelay: 6 * time.Second}, []string{"min_error_retry_delay", "6000", "1 to 5000"}},
		{"ttl too long", Config{CacheTTL: 25 * time.Hour}, []string{"cache_ttl", "90000", "1 to 86400"}},
		{"call timeout too long", Config{CallTimeout: time.Hour}, []string{"call_timeout", "3600", "1 to 600"}},
		{"concurrency too high", Config{MaxConcurrency: 257}, []string{"max_concurrency", "257", "1 to 256"}},
		{"S3 concurrency too high", Config{MaxS3Concurrency: 1025}, []string{"max_s3_concurrency", "1025", "1 to 1024"}},
		{"empty region list", Config{Regions: []string{}}, []string{"regions", "empty", `["*"]`}},
		{"endpoint with credentials", Config{EndpointURL: "//user:hunter2@:bad"}, []string{"endpoint_url"}},
		{"negative delay", Config{MinErrorRetryDelay: -time.Millisecond}, []string{"min_error_retry_delay", "out of range"}},
		{"negative lookback", Config{ConfigChangeLookback: -time.Hour}, []string{"config_change_lookback", "90 days"}},
		{"lookback too long", Config{ConfigChangeLookback: 91 * 24 * time.Hour}, []string{"config_change_lookback", "2184h0m0s", "90 days"}},
		{"empty event name", Config{ConfigChangeEvents: []string{"StopLogging", " "}}, []string{"config_change_events[1]", "empty"}},
		{"half keys", Config{AccessKey: "AKIA"}, []string{"access_key and secret_key"}},
		{"token without keys", Config{SessionToken: "t"}, []string{"session_token"}},
		{"profile and keys", Config{Profile: "p", AccessKey: "a", SecretKey: "s"}, []string{"profile and access_key"}},
		{"bad endpoint", Config{EndpointURL: "localhost:4566"}, []string{"endpoint_url", "http://"}},
		{"negative ttl", Config{CacheTTL: -time.Second}, []string{"cache_ttl"}},
		{"negative concurrency", Config{MaxConcurrency: -2}, []string{"max_concurrency"}},
		{"negative S3 concurrency", Config{MaxS3Concurrency: -2}, []string{"max_s3_concurrency"}},
		{"negative call timeout", Config{CallTimeout: -time.Second}, []string{"call_timeout"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, nerr := New(tc.cfg); nerr == nil {
				t.Errorf("New accepted a config Validate rejects")
			}
		})
	}
}

func TestValidateReportsEveryBadField(t *testing.T) {
	err := Config{Regions: []string{"x"}, MaxErrorRetryAttempts: -1, CacheTTL: -1}.Validate()
	for _, f := range []string{"regions[0]", "max_error_retry_attempts", "cache_ttl"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("error %v does not name %s", err, f)
		}
	}
}

func TestNewAppliesDefaultsAndDropsReadOnlyEventNames(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.MaxErrorRetryAttempts != 9 || c.cfg.MinErrorRetryDelay != 25*time.Millisecond ||
		c.cfg.ConfigChangeLookback != 24*time.Hour || c.cfg.CacheTTL != 300*time.Second || c.cfg.MaxConcurrency != 8 ||
		c.cfg.MaxS3Concurrency != 64 || c.cfg.CallTimeout != 30*time.Second {
		t.Errorf("defaults not applied: %+v", c.cfg)
	}
	if !slices.Equal(c.eventNames, snapshot.DefaultConfigChangeEventNames) {
		t.Errorf("event names = %v, want the defaults", c.eventNames)
	}
	c, err = New(Config{ConfigChangeEvents: []string{"StopLogging", "DescribeTrails", "LookupEvents", " DeleteTrail ", "StopLogging"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"StopLogging", "DeleteTrail"}; !slices.Equal(c.eventNames, want) {
		t.Errorf("event names = %v, want %v (read-only names and duplicates dropped)", c.eventNames, want)
	}
}

func TestNarrowRegions(t *testing.T) {
	enabled := []string{"us-east-1", "eu-west-1", "eu-central-1", "ap-south-1", "us-west-2"}
	cases := []struct {
		patterns, want, unmatched []string
	}{
		{nil, []string{"ap-south-1", "eu-central-1", "eu-west-1", "us-east-1", "us-west-2"}, nil},
		{[]string{"*"}, []string{"ap-south-1", "eu-central-1", "eu-west-1", "us-east-1", "us-west-2"}, nil},
		{[]string{"eu-*"}, []string{"eu-central-1", "eu-west-1"}, nil},
		{[]string{"us-*-1", "ap-south-1"}, []string{"ap-south-1", "us-east-1"}, nil},
		{[]string{"us-east-1", "af-south-1", "eu-*"}, []string{"eu-central-1", "eu-west-1", "us-east-1"}, []string{"af-south-1"}},
		{[]string{"us-east-1", "us-*"}, []string{"us-east-1", "us-west-2"}, nil},
	}
	for _, tc := range cases {
		got, unmatched := narrowRegions(enabled, tc.patterns)
		if !slices.Equal(got, tc.want) || !slices.Equal(unmatched, tc.unmatched) {
			t.Errorf("narrowRegions(%v) = %v, %v; want %v, %v", tc.patterns, got, unmatched, tc.want, tc.unmatched)
		}
	}
}

func apiErr(code string) error {
	return &smithy.OperationError{ServiceID: "CloudTrail", OperationName: "GetTrailStatus",
		Err: &smithy.GenericAPIError{Code: code, Message: "msg of " + code}}
}

func TestErrorClasses(t *testing.T) {
	cases := map[string]snapshot.ErrorClass{
		"AccessDenied":                         snapshot.ClassAccessDenied,
		"AccessDeniedException":                snapshot.ClassAccessDenied,
		"AuthorizationError":                   snapshot.ClassAccessDenied,
		"UnauthorizedOperation":                snapshot.ClassAccessDenied,
		"TrailNotFoundException":               snapshot.ClassNotFound,
		"NoSuchBucket":                         snapshot.ClassNotFound,
		"NotFound":                             snapshot.ClassNotFound,
		"NotFoundException":                    snapshot.ClassNotFound,
		"CloudTrailARNInvalidException":        snapshot.ClassInvalid,
		"InvalidTrailNameException":            snapshot.ClassInvalid,
		"ThrottlingException":                  snapshot.ClassThrottled,
		"Throttling":                           snapshot.ClassThrottled,
		"SlowDown":                             snapshot.ClassThrottled,
		"InternalError":                        snapshot.ClassOther,
		"ServiceUnavailable":                   snapshot.ClassOther,
		"":                                     snapshot.ClassOther,
		"NoSuchPublicAccessBlockConfiguration": snapshot.ClassNotFound,
	}
	for code, want := range cases {
		re := readError("cloudtrail:GetTrailStatus", apiErr(code))
		if re.Class != want {
			t.Errorf("class of %q = %s, want %s", code, re.Class, want)
		}
		if re.Action != "cloudtrail:GetTrailStatus" || re.Code != code {
			t.Errorf("readError(%q) = %+v", code, re)
		}
	}
	re := readError("s3:GetBucketAcl", fmt.Errorf("operation error S3: GetBucketAcl, %w", errors.New("dial tcp 127.0.0.1:1: connect: connection refused")))
	if re.Class != snapshot.ClassOther || re.Code != "" || re.Message == "" {
		t.Errorf("network error read as %+v", re)
	}
}

func TestCredentialErrorsAreSetupErrors(t *testing.T) {
	for code, want := range map[string]string{
		"InvalidClientTokenId":        "access key ID",
		"SignatureDoesNotMatch":       "secret key does not match",
		"ExpiredToken":                "expired",
		"UnrecognizedClientException": "access key ID",
	} {
		se := fatalError(apiErr(code))
		if se == nil {
			t.Fatalf("%s is not a setup error", code)
		}
		if !strings.Contains(se.Error(), want) || !strings.Contains(se.Error(), code) || strings.Contains(se.Error(), "\n") {
			t.Errorf("setup error for %s = %q; want one line naming %q", code, se.Error(), want)
		}
		if !errors.Is(se, se.Err) {
			t.Errorf("SetupError does not unwrap")
		}
	}
	for _, code := range []string{"AccessDenied", "TrailNotFoundException", "ThrottlingException"} {
		if fatalError(apiErr(code)) != nil {
			t.Errorf("%s must not be a setup error", code)
		}
	}
}

func TestIAMActionNames(t *testing.T) {
	cases := map[[2]string]string{
		{"CloudTrail", "GetTrailStatus"}:       "cloudtrail:GetTrailStatus",
		{"S3", "ListBuckets"}:                  "s3:ListAllMyBuckets",
		{"S3", "GetBucketPolicyStatus"}:        "s3:GetBucketPolicyStatus",
		{"S3", "GetPublicAccessBlock"}:         "s3:GetBucketPublicAccessBlock",
		{"S3 Control", "GetPublicAccessBlock"}: "s3:GetAccountPublicAccessBlock",
		{"EC2", "DescribeRegions"}:             "ec2:DescribeRegions",
		{"STS", "GetCallerIdentity"}:           "sts:GetCallerIdentity",
		{"SNS", "GetTopicAttributes"}:          "sns:GetTopicAttributes",
		{"KMS", "DescribeKey"}:                 "kms:DescribeKey",
	}
	for in, want := range cases {
		if got := iamAction(in[0], in[1]); got != want {
			t.Errorf("iamAction(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

func TestBackoffStartsAtMinDelayAndIsBounded(t *testing.T) {
	b := jitterBackoff{min: 25 * time.Millisecond, max: maxRetryDelay}
	for attempt := 1; attempt <= 12; attempt++ {
		lo := min(25*time.Millisecond<<(attempt-1), maxRetryDelay)
		for range 50 {
			d, _ := b.BackoffDelay(attempt, nil)
			if d < lo || d > min(2*lo, maxRetryDelay) {
				t.Fatalf("attempt %d: delay %s outside [%s, %s]", attempt, d, lo, min(2*lo, maxRetryDelay))
			}
		}
	}
}

func TestCacheReadsOnceForConcurrentCallersAndHonoursTTL(t *testing.T) {
	fc := newFactCache(time.Minute)
	now := time.Unix(1_000_000, 0)
	var clockMu sync.Mutex
	fc.now = func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	var reads atomic.Int32
	release := make(chan struct{})
	read := func(ctx context.Context) (any, error) {
		reads.Add(1)
		<-release
		return "v", nil
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := fc.get(t.Context(), "k", read)
			if err != nil || v != "v" {
				t.Errorf("get = %v, %v", v, err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Fatalf("20 concurrent gets read %d times, want 1", n)
	}
	clockMu.Lock()
	now = now.Add(59 * time.Second)
	clockMu.Unlock()
	fc.get(t.Context(), "k", read)
	if n := reads.Load(); n != 1 {
		t.Fatalf("get within TTL read again (%d reads)", n)
	}
	clockMu.Lock()
	now = now.Add(2 * time.Second)
	clockMu.Unlock()
	fc.get(t.Context(), "k", read)
	if n := reads.Load(); n != 2 {
		t.Fatalf("get after TTL did not read again (%d reads)", n)
	}
}

func TestCacheDoesNotKeepSetupErrors(t *testing.T) {
	fc := newFactCache(time.Minute)
	calls := 0
	read := func(context.Context) (any, error) {
		calls++
		if calls == 1 {
			return nil, &SetupError{Reason: "no credentials"}
		}
		return "ok", nil
	}
	if _, err := fc.get(t.Context(), "k", read); err == nil {
		t.Fatal("want the setup error")
	}
	if v, err := fc.get(t.Context(), "k", read); err != nil || v != "ok" {
		t.Fatalf("second get = %v, %v; want a fresh read", v, err)
	}
}

func TestFallbackRegionAvoidsOptInRegions(t *testing.T) {
	for _, tc := range []struct {
		patterns []string
		want     string
	}{
		{nil, "us-east-1"},
		{[]string{"af-south-1", "eu-*"}, "us-east-1"},
		{[]string{"eu-*", "cn-northwest-1", "cn-north-1"}, "cn-north-1"},
		{[]string{"us-gov-west-1"}, "us-gov-west-1"},
	} {
		if got := fallbackRegion(tc.patterns); got != tc.want {
			t.Errorf("fallbackRegion(%v) = %s, want %s", tc.patterns, got, tc.want)
		}
	}
}

func TestEndpointCredentialsAreNeverPrinted(t *testing.T) {
	for _, u := range []string{"localhost:4566@user:hunter2", "ftp://user:hunter2@proxy:8080", "http://user:hunter2@[::1", "user:hunter2@host"} {
		err := Config{EndpointURL: u}.Validate()
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Validate(endpoint %q) = %v; want an error without the password", u, err)
		}
	}
	for in, want := range map[string]string{
		"http://user:hunter2@127.0.0.1:4566/x": "http://127.0.0.1:4566/x",
		"http://127.0.0.1:4566":                "http://127.0.0.1:4566",
		"http://user:hunter2@[::1":             "(a URL holding an @, not shown)",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRegionRefusalIsARegionReadError(t *testing.T) {
	for _, code := range []string{"InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure"} {
		err := regionRefusal(apiErr(code), "me-south-1", "us-east-1")
		if se := fatalError(err); se != nil {
			t.Errorf("%s from me-south-1 after the identity was read in us-east-1 stops the run: %v", code, se)
		}
		re := readError("cloudtrail:DescribeTrails", err)
		if re.Code != code || !strings.Contains(re.Message, "region me-south-1 refused") {
			t.Errorf("%s from me-south-1: read error %+v, want the code and the region named", code, re)
		}
		if fatalError(regionRefusal(apiErr(code), "us-east-1", "us-east-1")) == nil {
			t.Errorf("%s from the region that read the identity is not a setup error", code)
		}
	}
	if fatalError(regionRefusal(apiErr("ExpiredToken"), "me-south-1", "us-east-1")) == nil {
		t.Error("expired credentials in another region are not a setup error")
	}
}
