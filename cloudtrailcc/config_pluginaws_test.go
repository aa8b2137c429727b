package cloudtrailcc

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// pluginAWSBlocks are steampipe-plugin-aws connection blocks as its
// config/aws.spc and docs/index.md document them (every argument, one
// regions line), copied without the plugin line: they must parse and
// validate unchanged.
var pluginAWSBlocks = map[string]string{
	"profile": `
  regions = ["us-east-1", "eu-west-2"]
  default_region = "eu-west-2"
  profile = "myprofile"
  max_error_retry_attempts = 9
  min_error_retry_delay = 25
  ignore_error_codes = ["AccessDenied", "AccessDeniedException", "NotAuthorized", "UnauthorizedOperation", "UnrecognizedClientException", "AuthorizationError"]
  ignore_error_messages = [".*with an explicit deny in a service control policy.*", ".*Support\\s+Subscription\\s+is\\s+required.*"]
  endpoint_url = "http://localhost:4566"
  s3_force_path_style = false
`,
	"static keys": `
  regions = ["*"]
  default_region = "us-east-1"
  access_key = "AKIA4YFAKEKEYXTDS252"
  secret_key = "SH42YMW5p3EThisIsNotRealzTiEUwXN8BOIOF5J8m"
  session_token = "IQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIAQ"
  s3_force_path_style = true
`,
}

// A connection block copied from steampipe-plugin-aws parses and validates:
// every argument it documents is one of this plugin's, with its meaning.
func TestPluginAWSConnectionBlockParses(t *testing.T) {
	t.Setenv(maxAttemptsEnv, "")
	for name, body := range pluginAWSBlocks {
		if err := ValidateConnectionConfig(body); err != nil {
			t.Errorf("plugin-aws block (%s): %v", name, err)
		}
	}
	c, err := decodeConnectionConfig(pluginAWSBlocks["profile"])
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.settings()
	if err != nil {
		t.Fatal(err)
	}
	inv := st.Inventory
	if inv.DefaultRegion != "eu-west-2" || len(inv.IgnoreErrorCodes) != 6 || len(inv.IgnoreErrorMessages) != 2 ||
		inv.S3ForcePathStyle || inv.MaxErrorRetryAttempts != 9 {
		t.Errorf("plugin-aws options not carried to the inventory: %+v", inv)
	}
}

// An argument this plugin does not take is an error on one line naming it.
func TestUnknownArgumentIsOneLineErrorNamingIt(t *testing.T) {
	err := ValidateConnectionConfig("regions = [\"*\"]\nassume_role_arn = \"arn:aws:iam::123456789012:role/x\"\n")
	if err == nil || !strings.Contains(err.Error(), `"assume_role_arn"`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("error = %v; want one line naming \"assume_role_arn\"", err)
	}
}

// max_error_retry_attempts, else AWS_MAX_ATTEMPTS, else 9, as in
// steampipe-plugin-aws; a bad AWS_MAX_ATTEMPTS is an error naming it.
func TestMaxAttemptsFromConfigThenEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env    string
		config *int
		want   int
		err    string
	}{
		{"", nil, 9, ""},
		{"4", nil, 4, ""},
		{"4", intp(3), 3, ""},
		{"0", nil, 0, "AWS_MAX_ATTEMPTS: \"0\""},
		{"many", nil, 0, "AWS_MAX_ATTEMPTS: \"many\""},
		{"many", intp(2), 2, ""},
	} {
		t.Setenv(maxAttemptsEnv, tc.env)
		st, err := connectionConfig{MaxErrorRetryAttempts: tc.config}.settings()
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("AWS_MAX_ATTEMPTS=%q: error %v, want one containing %s", tc.env, err, tc.err)
			}
		case err != nil:
			t.Errorf("AWS_MAX_ATTEMPTS=%q, config %v: %v", tc.env, tc.config, err)
		case st.Inventory.MaxErrorRetryAttempts != tc.want:
			t.Errorf("AWS_MAX_ATTEMPTS=%q, config %v: %d attempts, want %d", tc.env, tc.config, st.Inventory.MaxErrorRetryAttempts, tc.want)
		}
	}
}

// commentedOption is a commented-out argument line of the sample config.
var commentedOption = regexp.MustCompile(`^(\s*)#\s*([a-z0-9_]+\s*=.*)$`)

// The sample connection file lists every argument, each commented line of
// an argument parses once uncommented (one at a time, in the block as
// shipped), and the block as shipped parses.
func TestSampleConfigEveryCommentedLineParses(t *testing.T) {
	raw, err := os.ReadFile("../config/cloudtrailcc.spc")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	open, end := -1, -1
	for i, l := range lines {
		if strings.HasPrefix(l, "connection ") && strings.HasSuffix(strings.TrimSpace(l), "{") {
			open = i
		}
		if l == "}" {
			end = i
		}
	}
	if open < 0 || end < open {
		t.Fatal("no connection block in config/cloudtrailcc.spc")
	}
	body := lines[open+1 : end]
	// Steampipe takes the plugin argument; the plugin gets the rest.
	plugin := regexp.MustCompile(`^\s*plugin\s*=`)
	var shipped []string
	for _, l := range body {
		if !plugin.MatchString(l) {
			shipped = append(shipped, l)
		}
	}
	if _, err := decodeConnectionConfig(strings.Join(shipped, "\n")); err != nil {
		t.Fatalf("the block as shipped: %v", err)
	}
	listed := map[string]bool{}
	for i, l := range shipped {
		m := commentedOption.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		name := strings.TrimSpace(strings.SplitN(m[2], "=", 2)[0])
		listed[name] = true
		try := append([]string(nil), shipped...)
		try[i] = m[1] + m[2]
		c, err := decodeConnectionConfig(strings.Join(try, "\n"))
		if err != nil {
			t.Errorf("line %q uncommented: %v", strings.TrimSpace(l), err)
			continue
		}
		if reflect.DeepEqual(c, connectionConfig{}) {
			t.Errorf("line %q uncommented sets nothing", strings.TrimSpace(l))
		}
	}
	ty := reflect.TypeOf(connectionConfig{})
	for i := range ty.NumField() {
		name, _, _ := strings.Cut(ty.Field(i).Tag.Get("hcl"), ",")
		if !listed[name] {
			t.Errorf("config/cloudtrailcc.spc does not list %s", name)
		}
	}
}
