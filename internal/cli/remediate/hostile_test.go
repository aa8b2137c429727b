package remediate

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// payload is text an attacker or an unlucky reply could put in any string:
// every way out of a shell word, a comment, an HCL string or template, an
// XML section, an HTML or Markdown cell, and the terminal.
const payload = "x\ntouch pwned_newline\n$(touch pwned_subst)`touch pwned_tick`;touch pwned_semi; 'q\" ]]> <script>alert(1)</script> ${file(\"/etc/passwd\")} %{ if true }t%{ endif } \x1b[2J\x1b]0;title\x07 \x00 \x7f \u009b31m \u202eexe. | *x* [l](http://e) \r\ntouch pwned_crlf\n}\nresource \"null_resource\" \"pwned\" {}\n"

const (
	acct  = "123456789012"
	trail = "arn:aws:cloudtrail:us-east-1:123456789012:trail/main"
)

// textFindings are alarms of a well-formed account whose free-text values
// (an event's name, user and time, a reason, a delivery error, a data
// selector) hold the payload.
func textFindings() []report.Finding {
	return []report.Finding{
		{RuleID: "config_changes", Status: "alarm", AccountID: acct, Region: "us-east-1", Resource: trail, Reason: payload,
			Evidence: map[string]any{"event_id": "4cf213e9-38f5-34b9-028f-5a8bfe598ac3", "event_name": payload,
				"user_identity_arn": payload, "event_time": payload}},
		{RuleID: "delivery_failing", Status: "alarm", AccountID: acct, Region: "us-east-1", Resource: trail, Reason: payload,
			Evidence: map[string]any{"is_logging": false, "latest_delivery_error": payload}},
		{RuleID: "cloudwatch_integration", Status: "alarm", AccountID: acct, Region: "us-east-1", Resource: trail, Reason: payload,
			Evidence: map[string]any{"cloud_watch_logs_log_group_arn": "arn:aws:logs:us-east-1:123456789012:log-group:g:*",
				"cloud_watch_logs_role_arn": "arn:aws:iam::123456789012:role/r", "latest_cloud_watch_logs_delivery_error": payload}},
		{RuleID: "data_events", Status: "alarm", AccountID: acct, Region: "us-east-1", Resource: trail, Reason: payload,
			Evidence: map[string]any{"data_events": []any{map[string]any{"type": payload, "scope": payload, "selector": payload},
				map[string]any{"type": payload, "scope": "all " + payload, "read_write_type": payload}}}},
		{RuleID: "management_events", Status: "ok", AccountID: acct, Region: "us-east-1", Resource: trail, Reason: payload,
			Evidence: map[string]any{"management_events": []any{map[string]any{"read_write_type": "All",
				"exclude_management_event_sources": []any{payload}}}}},
		{RuleID: "bucket_access_logging", Status: "alarm", AccountID: acct, Region: "us-east-1", Resource: "arn:aws:s3:::trail-bucket",
			Reason: payload, Evidence: map[string]any{"bucket": "trail-bucket", "bucket_region": "us-east-1", "trails": []any{trail}}},
		{RuleID: "bucket_not_public", Status: "alarm", AccountID: acct, Region: "us-east-1", Resource: "arn:aws:s3:::trail-bucket",
			Reason: payload, Evidence: map[string]any{"bucket": "trail-bucket", "bucket_region": "us-east-1",
				"public_acl_grants": []any{map[string]any{"permission": payload, "grantee": payload}}}},
	}
}

// stubAWS puts on PATH an aws command that records its arguments, NUL
// separated, one call per line of the log, and does nothing else.
func stubAWS(t *testing.T) (env []string, log string) {
	t.Helper()
	bin := t.TempDir()
	log = filepath.Join(t.TempDir(), "aws.log")
	stub := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >>\"$AWS_STUB_LOG\"\necho >>\"$AWS_STUB_LOG\"\n"
	if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{"PATH=" + bin + ":/usr/bin:/bin", "AWS_STUB_LOG=" + log, "HOME=" + t.TempDir()}, log
}

// runBashPlan checks script with bash -n, then runs it in an empty
// directory with the stub aws and returns the aws calls it made. It fails
// the test when the run leaves any file behind.
func runBashPlan(t *testing.T, script string) [][]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.sh")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v: %s\n%s", err, out, script)
	}
	env, log := stubAWS(t)
	dir := t.TempDir()
	run := exec.Command("bash", path)
	run.Dir, run.Env = dir, env
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("running the plan: %v: %s", err, out)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("running the plan created %v: a value became a command", names)
	}
	raw, _ := os.ReadFile(log)
	var calls [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		if line != "" {
			calls = append(calls, strings.Split(strings.TrimSuffix(line, "\x00"), "\x00"))
		}
	}
	return calls
}

// TestHostileTextInAPlanStaysText writes a plan from alarms whose free
// text holds newlines, quotes, $(...), backticks, ;, ]]>, <script>, HCL
// templates, ESC and NUL: the bash plan passes bash -n, and run with a
// stub aws it makes only the planned aws calls and creates nothing; the
// Terraform plan parses and declares only the planned resources; neither
// holds a control character but newlines.
func TestHostileTextInAPlanStaysText(t *testing.T) {
	findings := textFindings()
	p, err := Build(findings)
	if err != nil {
		t.Fatal(err)
	}
	var sh bytes.Buffer
	if err := WriteBash(&sh, p); err != nil {
		t.Fatal(err)
	}
	script := sh.String()
	assertNoControl(t, "bash plan", script)
	calls := runBashPlan(t, script)
	// the commands the plan runs: every non-manual one, once
	want := 0
	for _, s := range p.Steps {
		if !s.Manual() {
			want += len(s.Commands) + len(s.Create)
			if s.Exists != nil {
				want++
			}
		}
	}
	if len(calls) > want || len(calls) == 0 {
		t.Errorf("the plan made %d aws calls, want at most %d", len(calls), want)
	}
	services := []string{"s3api", "cloudtrail", "kms", "logs", "iam", "sns"}
	selectors := 0
	for _, c := range calls {
		if len(c) < 2 || !slices.Contains(services, c[0]) {
			t.Errorf("unexpected aws call %q", c)
		}
		// the payload kept in event selectors reaches aws intact
		if i := slices.Index(c, "--advanced-event-selectors"); i > 0 && i+1 < len(c) {
			var sels []snapshot.AdvancedSelector
			if err := json.Unmarshal([]byte(c[i+1]), &sels); err != nil {
				t.Fatalf("selectors argument: %v", err)
			}
			for _, s := range sels {
				for _, fs := range s.FieldSelectors {
					if slices.Contains(fs.NotEquals, payload) || slices.Contains(fs.Equals, payload) {
						selectors++
					}
				}
			}
		}
	}
	if selectors != 2 {
		t.Errorf("the payload reached aws in %d selector fields, want 2 (excluded source and data resource type)", selectors)
	}

	var tf bytes.Buffer
	if err := WriteTerraform(&tf, p); err != nil {
		t.Fatal(err)
	}
	assertNoControl(t, "terraform plan", tf.String())
	f, diags := hclparse.NewParser().ParseHCL(tf.Bytes(), "plan.tf")
	if diags.HasErrors() {
		t.Fatalf("terraform plan does not parse: %s\n%s", diags.Error(), tf.String())
	}
	kept := 0
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type == "resource" && b.Labels[0] == "null_resource" {
			t.Errorf("a value became a resource block: %v", b.Labels)
		}
		kept += payloadValues(t, b.Body)
	}
	if kept != 2 {
		t.Errorf("the payload is the value of %d Terraform arguments, want 2 (excluded source and data resource type)", kept)
	}
}

// payloadValues counts the list arguments in body and its blocks whose
// value holds the payload, exactly, as HCL reads it.
func payloadValues(t *testing.T, body *hclsyntax.Body) int {
	n := 0
	for _, a := range body.Attributes {
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() || !v.Type().IsListType() && !v.Type().IsTupleType() {
			continue
		}
		for it := v.ElementIterator(); it.Next(); {
			if _, e := it.Element(); e.Type() == cty.String && e.AsString() == payload {
				n++
			}
		}
	}
	for _, b := range body.Blocks {
		n += payloadValues(t, b.Body)
	}
	return n
}

// assertNoControl fails when text holds a control character other than a
// newline, or DEL.
func assertNoControl(t *testing.T, what, text string) {
	t.Helper()
	for i := 0; i < len(text); i++ {
		if c := text[i]; c < 0x20 && c != '\n' || c == 0x7f {
			t.Errorf("%s holds byte %#x at %d: %q", what, c, i, text[max(0, i-40):min(len(text), i+40)])
			return
		}
	}
}

// TestValuesNotOfTheirAWSFormatAreRefused: a region, account, ARN, bucket
// or event id is written into a command only when it has its AWS form; a
// "; touch" in a region or a newline in an event id refuses the plan with
// an error naming the finding and the value.
func TestValuesNotOfTheirAWSFormatAreRefused(t *testing.T) {
	good := report.Finding{RuleID: "bucket_access_logging", Status: "alarm", AccountID: acct, Region: "us-east-1",
		Resource: "arn:aws:s3:::trail-bucket", Evidence: map[string]any{"bucket": "trail-bucket", "trails": []any{trail}}}
	if _, err := Build([]report.Finding{good}); err != nil {
		t.Fatalf("a well-formed alarm: %v", err)
	}
	event := report.Finding{RuleID: "config_changes", Status: "alarm", AccountID: acct, Region: "us-east-1", Resource: trail,
		Evidence: map[string]any{"event_id": "4cf213e9-38f5-34b9-028f-5a8bfe598ac3", "event_name": "StopLogging"}}
	for name, bad := range map[string]report.Finding{
		"region":         with(good, func(f *report.Finding) { f.Region = "us-east-1;touch pwned" }),
		"bucket region":  with(good, func(f *report.Finding) { f.Evidence.(map[string]any)["bucket_region"] = "us-east-1\ntouch pwned" }),
		"bucket":         with(good, func(f *report.Finding) { f.Evidence.(map[string]any)["bucket"] = "b$(touch pwned)" }),
		"account":        with(good, func(f *report.Finding) { f.AccountID = "1234`id`" }),
		"partition":      with(good, func(f *report.Finding) { f.Partition = "aws;id" }),
		"resource":       with(good, func(f *report.Finding) { f.Resource = "arn:aws:s3:::b\nid" }),
		"trail":          with(good, func(f *report.Finding) { f.Evidence.(map[string]any)["trails"] = []any{trail + "\nid"} }),
		"event id":       with(event, func(f *report.Finding) { f.Evidence.(map[string]any)["event_id"] = "e\ntouch pwned" }),
		"kms key":        {RuleID: "kms_encryption", Status: "alarm", AccountID: acct, Region: "us-east-1", Resource: trail, Evidence: map[string]any{"kms_key_id": "k"}},
		"sns topic":      {RuleID: "sns_topic_exists", Status: "alarm", AccountID: acct, Region: "us-east-1", Resource: trail, Evidence: map[string]any{"sns_topic_arn": "t"}},
		"log group":      {RuleID: "cloudwatch_integration", Status: "alarm", AccountID: acct, Region: "us-east-1", Resource: trail, Evidence: map[string]any{"cloud_watch_logs_log_group_arn": "g;id"}},
		"ok finding too": {RuleID: "log_file_validation", Status: "ok", AccountID: acct, Region: "eu-west-1 ", Resource: trail},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Build([]report.Finding{good, bad})
			if err == nil {
				var sh bytes.Buffer
				_ = WriteBash(&sh, p)
				t.Fatalf("planned:\n%s", sh.String())
			}
			if !strings.Contains(err.Error(), bad.RuleID) || strings.ContainsAny(err.Error(), "\n\x1b") {
				t.Errorf("error %q does not name the finding on one line", err)
			}
		})
	}
}

// with returns a copy of f (and of its evidence) changed by change.
func with(f report.Finding, change func(*report.Finding)) report.Finding {
	ev := map[string]any{}
	for k, v := range f.Evidence.(map[string]any) {
		ev[k] = v
	}
	f.Evidence = ev
	change(&f)
	return f
}
