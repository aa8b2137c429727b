package inventory

import (
	"context"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

// An error ignore_error_codes names is not retried (steampipe-plugin-aws's
// meaning) and the fact it hides is recorded as ignored, naming the entry;
// another error stays a plain read error.
func TestIgnoredErrorCodeIsNotRetriedAndNamed(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	srv.AddFault(awsemu.Fault{Action: "cloudtrail:GetTrailStatus", ErrorCode: "ThrottlingException"})
	srv.AddFault(awsemu.Fault{Action: "cloudtrail:GetEventSelectors", ErrorCode: "AccessDenied"})
	c := collector(t, url, func(cfg *Config) {
		cfg.MaxErrorRetryAttempts = 3
		cfg.IgnoreErrorCodes = []string{"NoSuchThing", "Throttling*"}
	})
	acct, err := c.Snapshot(t.Context(), snapshot.NeedTrailStatus|snapshot.NeedEventSelectors)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range acct.Trails {
		if e := tr.StatusErr; e == nil || e.Ignored != `ignore_error_codes "Throttling*"` {
			t.Errorf("trail %s status error = %+v, want one ignored by ignore_error_codes \"Throttling*\"", tr.Name, e)
		}
		if e := tr.SelectorsErr; e == nil || e.Ignored != "" {
			t.Errorf("trail %s selectors error = %+v, want AccessDenied not ignored", tr.Name, e)
		}
	}
	if n := c.APIAttempts()["cloudtrail:GetTrailStatus"]; n != len(acct.Trails) {
		t.Errorf("GetTrailStatus attempted %d times for %d trails; an ignored error is not retried", n, len(acct.Trails))
	}
}

// ignore_error_messages matches the error's text with a regular expression.
func TestIgnoredErrorMessageIsNamed(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	srv.AddFault(awsemu.Fault{Action: "cloudtrail:GetTrailStatus", ErrorCode: "AccessDenied"})
	c := collector(t, url, func(cfg *Config) {
		cfg.IgnoreErrorMessages = []string{`^operation error CloudTrail: GetTrailStatus, .*AccessDenied`}
	})
	acct, err := c.Snapshot(t.Context(), snapshot.NeedTrailStatus)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range acct.Trails {
		if e := tr.StatusErr; e == nil || !strings.HasPrefix(e.Ignored, "ignore_error_messages ") || e.Class != snapshot.ClassAccessDenied {
			t.Errorf("trail %s status error = %+v, want access denied, ignored by ignore_error_messages", tr.Name, e)
		}
	}
}

// AWS_MAX_ATTEMPTS (which the AWS SDK itself would apply to every client)
// does not override max_error_retry_attempts.
func TestAWSMaxAttemptsDoesNotOverrideTheConfiguredAttempts(t *testing.T) {
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	srv, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	srv.AddFault(awsemu.Fault{Action: "cloudtrail:GetTrailStatus", ErrorCode: "ThrottlingException"})
	c := collector(t, url, func(cfg *Config) { cfg.MaxErrorRetryAttempts = 3 })
	acct, err := c.Snapshot(t.Context(), snapshot.NeedTrailStatus)
	if err != nil {
		t.Fatal(err)
	}
	if n, want := c.APIAttempts()["cloudtrail:GetTrailStatus"], 3*len(acct.Trails); n != want {
		t.Errorf("GetTrailStatus attempted %d times, want %d: 3 per trail as configured, whatever AWS_MAX_ATTEMPTS says", n, want)
	}
}

// default_region carries the account-wide calls, before AWS_REGION.
func TestDefaultRegionCarriesAccountWideCalls(t *testing.T) {
	t.Setenv("AWS_REGION", "us-west-2")
	srv, url := emulator(t, awsemu.Options{})
	c := collector(t, url, func(cfg *Config) { cfg.DefaultRegion = "eu-west-1" })
	if _, err := c.Snapshot(t.Context(), snapshot.NeedRegions); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, call := range settle(srv) {
		if call.Action == "sts:GetCallerIdentity" || call.Action == "ec2:DescribeRegions" {
			seen[call.Action] = true
			if call.Region != "eu-west-1" {
				t.Errorf("%s went to %s, want default_region eu-west-1", call.Action, call.Region)
			}
		}
	}
	if len(seen) != 2 {
		t.Errorf("account-wide calls seen: %v", seen)
	}
}

// s3_force_path_style addresses S3 path-style on AWS's own endpoints; a
// custom endpoint is always addressed path-style.
func TestS3ForcePathStyle(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		force    bool
		want     bool
	}{
		{"", false, false},
		{"", true, true},
		{"http://127.0.0.1:1", false, true},
	} {
		c, err := New(Config{AccessKey: "AKIAEXAMPLE", SecretKey: "secret", EndpointURL: tc.endpoint, S3ForcePathStyle: tc.force})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.loadAWS(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := c.s3("eu-west-1").Options().UsePathStyle; got != tc.want {
			t.Errorf("endpoint %q, s3_force_path_style %v: path-style %v, want %v", tc.endpoint, tc.force, got, tc.want)
		}
	}
}

// The options' values are checked, each error naming the option.
func TestPluginAWSOptionsAreValidated(t *testing.T) {
	err := Config{DefaultRegion: "Europe", IgnoreErrorCodes: []string{"["}, IgnoreErrorMessages: []string{"(unclosed"}}.Validate()
	for _, want := range []string{`default_region: "Europe"`, `ignore_error_codes[0]: "["`, `ignore_error_messages[0]: "(unclosed"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %v; want it to contain %s", err, want)
		}
	}
}
