package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"
)

// parsed returns the connection the flags describe, as attribute values.
func parsed(t *testing.T, args ...string) (string, map[string]cty.Value, error) {
	t.Helper()
	g := &globals{}
	cmd := &cobra.Command{Use: "x"}
	g.register(cmd)
	if err := cmd.Flags().Parse(args); err != nil {
		t.Fatal(err)
	}
	conn, err := g.connectionConfig()
	if err != nil {
		return "", nil, err
	}
	attrs, perr := parseBody([]byte(conn.hcl().Config), "connection")
	if perr != nil {
		t.Fatalf("the built config does not parse: %v\n%s", perr, conn.hcl().Config)
	}
	return conn.name, attrs, nil
}

func TestFlagsBecomeTheConnectionConfig(t *testing.T) {
	name, attrs, err := parsed(t, "--region", "us-east-1,eu-*", "--region", "ap-south-1", "--profile", "audit",
		"--endpoint-url", "http://127.0.0.1:4566", "--max-error-retry-attempts", "3", "--min-error-retry-delay", "50",
		"--config-change-lookback", "7d", "--config-change-event", "StopLogging", "--cache-ttl", "60", "--cache-dir", "/tmp/c", "--call-timeout", "5",
		"--max-concurrency", "2", "--max-s3-concurrency", "16", "--default-region", "eu-west-1", "--s3-force-path-style",
		"--ignore-error-code", "AccessDenied*,Throttling", "--ignore-error-message", `^x{1,3} is not authorized.*$`)
	if err != nil {
		t.Fatal(err)
	}
	if name != defaultConnection {
		t.Errorf("connection name %q", name)
	}
	want := map[string]cty.Value{
		"regions":                  cty.ListVal([]cty.Value{cty.StringVal("us-east-1"), cty.StringVal("eu-*"), cty.StringVal("ap-south-1")}),
		"profile":                  cty.StringVal("audit"),
		"endpoint_url":             cty.StringVal("http://127.0.0.1:4566"),
		"max_error_retry_attempts": cty.NumberIntVal(3),
		"min_error_retry_delay":    cty.NumberIntVal(50),
		"config_change_lookback":   cty.StringVal("7d"),
		"config_change_events":     cty.ListVal([]cty.Value{cty.StringVal("StopLogging")}),
		"cache_ttl":                cty.NumberIntVal(60),
		"cache_dir":                cty.StringVal("/tmp/c"),
		"call_timeout":             cty.NumberIntVal(5),
		"max_concurrency":          cty.NumberIntVal(2),
		"max_s3_concurrency":       cty.NumberIntVal(16),
		"default_region":           cty.StringVal("eu-west-1"),
		"s3_force_path_style":      cty.True,
		"ignore_error_codes":       cty.ListVal([]cty.Value{cty.StringVal("AccessDenied*"), cty.StringVal("Throttling")}),
		// a regular expression is taken whole, its comma included
		"ignore_error_messages": cty.ListVal([]cty.Value{cty.StringVal(`^x{1,3} is not authorized.*$`)}),
	}
	if len(attrs) != len(want) {
		t.Errorf("attributes %v, want %v", keys(attrs), keys(want))
	}
	for k, v := range want {
		got, ok := attrs[k]
		if !ok || got.Type().FriendlyName() == "" || !equalValues(got, v) {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	if _, attrs, _ := parsed(t); len(attrs) != 0 {
		t.Errorf("no flags still set %v", keys(attrs))
	}
}

func TestSPCConnectionWithFlagOverrides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aws.spc")
	spc := `options "general" {
  update_check = false
}
connection "aws" {
  plugin = "aws"
}
connection "ct" {
  plugin        = "turbot/cloudtrailcc@latest"
  import_schema = "enabled"
  regions       = ["eu-west-1"]
  profile       = "from-file"
  cache_ttl     = 30
}
connection "ct2" {
  plugin  = "local/cloudtrailcc"
  profile = "second"
}
`
	if err := os.WriteFile(path, []byte(spc), 0o600); err != nil {
		t.Fatal(err)
	}
	name, attrs, err := parsed(t, "--config", path, "--profile", "from-flag")
	if err != nil {
		t.Fatal(err)
	}
	if name != "ct" {
		t.Errorf("took connection %q, want the first cloudtrailcc one", name)
	}
	if attrs["profile"].AsString() != "from-flag" || !equalValues(attrs["cache_ttl"], cty.NumberIntVal(30)) || len(attrs) != 3 {
		t.Errorf("attributes %v (profile %#v)", keys(attrs), attrs["profile"])
	}
	if _, ok := attrs["plugin"]; ok {
		t.Error("plugin reached the plugin's config")
	}
	name, attrs, err = parsed(t, "--config", path, "--connection", "ct2")
	if err != nil || name != "ct2" || attrs["profile"].AsString() != "second" {
		t.Errorf("--connection ct2: %q %v %v", name, keys(attrs), err)
	}
	_, _, err = parsed(t, "--connection", "ct2")
	if err == nil || !strings.Contains(err.Error(), "--config") {
		t.Errorf("--connection without --config: %v", err)
	}
}

// equalValues compares values, a tuple (as HCL parses a list literal)
// equal to a list of the same elements.
func equalValues(a, b cty.Value) bool {
	if a.IsNull() || b.IsNull() {
		return a.IsNull() && b.IsNull()
	}
	if a.CanIterateElements() && b.CanIterateElements() {
		as, bs := a.AsValueSlice(), b.AsValueSlice()
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if !equalValues(as[i], bs[i]) {
				return false
			}
		}
		return true
	}
	eq := a.Equals(b)
	return eq.IsKnown() && eq.True()
}

func keys(m map[string]cty.Value) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestExplicitValuesAreNeverTakenAsUnset(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--region", ""}, "regions: the list is empty"},
		{[]string{"--region", ","}, "regions: the list is empty"},
		{[]string{"--max-error-retry-attempts", "0"}, "max_error_retry_attempts: 0 is out of range; use 1 to 50"},
		{[]string{"--min-error-retry-delay", "0"}, "min_error_retry_delay: 0 is out of range; use 1 to 5000"},
		{[]string{"--cache-ttl", "9223372036854775807"}, "cache_ttl: 9223372036854775807 is out of range; use 1 to 86400"},
		{[]string{"--call-timeout", "0"}, "call_timeout: 0 is out of range"},
		{[]string{"--max-concurrency", "100000"}, "max_concurrency: 100000 is out of range; use 1 to 256"},
		{[]string{"--max-s3-concurrency", "-1"}, "max_s3_concurrency: -1 is out of range"},
		{[]string{"--endpoint-url", "http//user:hunter2@127.0.0.1:1"}, "endpoint_url"},
	} {
		code, out, errOut := runCLI(t, append([]string{"check"}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("check %q: exit %d, stderr %q; want a failure saying %q", c.args, code, errOut, c.want)
		}
		if strings.Contains(out+errOut, "hunter2") {
			t.Errorf("check %q printed the endpoint's password: %s%s", c.args, out, errOut)
		}
	}
}

// parseBody parses an HCL body of literal attributes.
func parseBody(src []byte, what string) (map[string]cty.Value, error) {
	f, diags := hclsyntax.ParseConfig(src, what, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("parsing %s: %s", what, diags.Error())
	}
	return blockAttrs(f.Body.(*hclsyntax.Body), what)
}
