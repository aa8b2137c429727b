package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// writeExport writes findings as a JSON export of check to dir/name.
func writeExport(t *testing.T, dir, name string, findings []report.Finding) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"benchmark": "cloudtrailcc.benchmark.cloudtrail_best_practices", "findings": findings})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// assertTerminalSafe fails when out holds a control character but newline.
func assertTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for i := 0; i < len(out); i++ {
		if c := out[i]; c < 0x20 && c != '\n' || c == 0x7f {
			t.Errorf("%s holds byte %#x: %q", what, c, out)
			return
		}
	}
}

// TestRemediateFromAHostileExport: a --from file whose event user name
// holds a newline and a command gives a plan where that text stays in a
// comment; one whose region holds "; touch" gives no plan, exit 2 and a
// one-line error quoting the value.
func TestRemediateFromAHostileExport(t *testing.T) {
	dir := t.TempDir()
	const trail = "arn:aws:cloudtrail:us-east-1:123456789012:trail/main"
	user := "arn:aws:iam::123456789012:user/alice\ntouch pwned\x1b[2J"
	event := report.Finding{RuleID: "config_changes", Status: "alarm", Severity: "low", AccountID: "123456789012", Region: "us-east-1",
		Resource: trail, Reason: "StopLogging by " + user,
		Evidence: map[string]any{"event_id": "4cf213e9-38f5-34b9-028f-5a8bfe598ac3", "event_name": "StopLogging", "user_identity_arn": user}}
	validation := report.Finding{RuleID: "log_file_validation", Status: "alarm", Severity: "medium", AccountID: "123456789012", Region: "us-east-1",
		Resource: trail, Reason: "trail main has log file validation disabled"}

	plan := remediateOut(t, dir, "--from", writeExport(t, dir, "user.json", []report.Finding{event, validation}))
	assertTerminalSafe(t, "the plan", plan)
	for _, line := range strings.Split(plan, "\n") {
		if strings.Contains(line, "touch pwned") && !strings.HasPrefix(line, "#") {
			t.Errorf("the user name reached a command line: %q", line)
		}
	}
	script := filepath.Join(dir, "plan.sh")
	if err := os.WriteFile(script, []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v: %s", err, out)
	}

	validation.Region = "us-east-1;touch pwned"
	r := cli(t, dir, "remediate", "--from", writeExport(t, dir, "region.json", []report.Finding{event, validation}))
	if r.code != exitUsage || r.stdout != "" {
		t.Errorf("a region holding a command: exit %d, stdout %q; want exit %d and no plan", r.code, r.stdout, exitUsage)
	}
	if !strings.Contains(r.stderr, `region "us-east-1;touch pwned" is not an AWS region`) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one line quoting the region", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Error("a value ran as a command")
	}
}

// TestErrorsShowControlCharactersEscaped: an error quoting a file's or
// AWS's text cannot reach the terminal with ESC.
func TestErrorsShowControlCharactersEscaped(t *testing.T) {
	var b strings.Builder
	printError(&b, &os.PathError{Op: "open", Path: "x\x1b]0;owned\x07\x1b[2J", Err: os.ErrNotExist})
	assertTerminalSafe(t, "the error line", b.String())
	if !strings.Contains(b.String(), `x\x1b]0;owned\x07\x1b[2J`) {
		t.Errorf("error line = %q, want the control characters shown escaped", b.String())
	}
}
