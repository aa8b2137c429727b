package remediate

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

func TestEveryCatalogueRuleHasAStepTemplate(t *testing.T) {
	for _, r := range rules.Catalogue() {
		if templates[r.ID] == nil {
			t.Errorf("rule %s has no step template", r.ID)
		}
	}
	if len(templates) != len(rules.Catalogue()) {
		t.Errorf("%d templates for %d rules", len(templates), len(rules.Catalogue()))
	}
	if _, err := Build([]report.Finding{{RuleID: "no_such_rule", Status: "alarm"}}); err == nil {
		t.Error("an alarm of an unknown rule was planned")
	}
}

// TestCommandLinesReachTheCommandIntact runs rendered command lines in bash
// with an aws function that prints its arguments, one per line.
func TestCommandLinesReachTheCommandIntact(t *testing.T) {
	values := []string{`{"Statement":[{"Sid":"it's"}]}`, "a b c", "$HOME `id` \\n", "logGroups[?logGroupName=='x'].logGroupName", "plain-arn:aws:s3:::b/*"}
	c := Command{Service: "s3api", Operation: "put-bucket-policy", Region: "eu-west-1"}
	for _, v := range values {
		c.Args = append(c.Args, Arg{Flag: "--x", Value: v})
	}
	c.Args = append(c.Args, Arg{Flag: "--switch"}, Arg{Flag: "--key-id", Value: "key", Var: true})
	line, err := commandLine(c)
	if err != nil {
		t.Fatal(err)
	}
	script := "key='k 1'\naws() { printf '%s\\n' \"$@\"; }\n" + line + "\n"
	out, err := exec.Command("bash", "-c", script).Output()
	if err != nil {
		t.Fatalf("bash: %v", err)
	}
	want := []string{"s3api", "put-bucket-policy", "--region", "eu-west-1"}
	for _, v := range values {
		want = append(want, "--x", v)
	}
	want = append(want, "--switch", "--key-id", "k 1")
	if got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("arguments = %q\nwant        %q", got, want)
	}
	for _, v := range []string{"a\tb", "a\nb", "a\x00b", "a\x1b[2Jb"} {
		if line, err := commandLine(Command{Service: "s3api", Operation: "x", Args: []Arg{{Flag: "--x", Value: v}}}); err == nil {
			t.Errorf("value %q written as %q, want it refused", v, line)
		}
	}
}

func TestNoAlarmsIsAnEmptyPlanAndUnknownFormatsAreRefused(t *testing.T) {
	p, err := Build([]report.Finding{{RuleID: "log_file_validation", Status: "ok", Resource: "arn:aws:cloudtrail:us-east-1:123456789012:trail/t"}})
	if err != nil || len(p.Steps) != 0 {
		t.Fatalf("Build of an ok finding = %d steps, %v", len(p.Steps), err)
	}
	var b bytes.Buffer
	if err := Write(&b, p, "bash"); err != nil || !strings.Contains(b.String(), "No alarms: nothing to do.") {
		t.Errorf("empty bash plan: %v\n%s", err, b.String())
	}
	if err := Write(&b, p, "yaml"); err == nil || !strings.Contains(err.Error(), "bash, terraform") {
		t.Errorf("unknown format: error %v, want one listing bash, terraform", err)
	}
}

func TestAnAlarmAcceptedByAnExceptionIsNotPlanned(t *testing.T) {
	alarm := report.Finding{RuleID: "log_file_validation", Status: "alarm", AccountID: "123456789012",
		Resource: "arn:aws:cloudtrail:us-east-1:123456789012:trail/t"}
	p, err := Build([]report.Finding{alarm})
	if err != nil || len(p.Steps) != 1 || len(p.Covers(alarm)) != 1 {
		t.Fatalf("the alarm gives %d steps (%v); want one", len(p.Steps), err)
	}
	alarm.Suppressed = true
	p, err = Build([]report.Finding{alarm})
	if err != nil || len(p.Steps) != 0 || !strings.Contains(p.Summary(), "1 alarms accepted by an exception are not planned") {
		t.Errorf("the suppressed alarm gives %d steps (%v); summary %q", len(p.Steps), err, p.Summary())
	}
}
