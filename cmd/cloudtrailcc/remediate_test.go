package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/drift"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// badPlan seeds the bad account, exports its findings and returns the
// emulator's URL, the work directory, the export's path and its findings.
func badPlan(t *testing.T) (url, dir, export string, findings []report.Finding) {
	t.Helper()
	url, _, _ = seeded(t, seed.Bad)
	dir = t.TempDir()
	export = exportJSON(t, url, dir, "bad.json")
	findings, err := drift.Load(export)
	if err != nil {
		t.Fatal(err)
	}
	return url, dir, export, findings
}

// remediateOut runs remediate with args and returns its stdout.
func remediateOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := cli(t, dir, append([]string{"remediate"}, args...)...)
	if r.code != 0 {
		t.Fatalf("remediate %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "nothing was applied") {
		t.Errorf("remediate stderr does not say that nothing was applied: %s", r.stderr)
	}
	return r.stdout
}

// fixLine is how a plan names the alarm f among a step's fixes.
func fixLine(f report.Finding) string {
	s := f.RuleID + " " + f.Resource
	if f.RuleID == "config_changes" {
		s += " " + f.Evidence.(map[string]any)["event_id"].(string)
	}
	return s + " ("
}

func TestRemediatePlansEveryAlarmOfTheBadAccount(t *testing.T) {
	url, dir, export, findings := badPlan(t)
	script := remediateOut(t, dir, "--from", export)

	alarmed := map[string]bool{}
	for _, f := range findings {
		if f.Status != "alarm" {
			continue
		}
		alarmed[f.RuleID] = true
		if !strings.Contains(script, "# fixes: "+fixLine(f)) {
			t.Errorf("no step fixes %s alarm on %s: %s", f.RuleID, f.Resource, f.Reason)
		}
	}
	for _, id := range ruleIDs() {
		if !alarmed[id] {
			t.Errorf("the bad account has no %s alarm to plan for", id)
		}
	}
	if !strings.HasPrefix(script, "#!/usr/bin/env bash\n") || !strings.Contains(script, "\nset -euo pipefail\n") {
		t.Errorf("the plan is not a strict bash script:\n%.300s", script)
	}
	path := filepath.Join(dir, "fix.sh")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	// dependencies first: the access-log bucket before bucket logging, the
	// KMS key before update-trail uses it, log group and role before the
	// trail's CloudWatch Logs settings, settings before logging starts
	for _, order := range [][2]string{
		{"s3api create-bucket", "s3api put-bucket-logging"},
		{"kms create-key", "--kms-key-id"},
		{"logs create-log-group", "--cloud-watch-logs-log-group-arn"},
		{"iam create-role", "--cloud-watch-logs-role-arn"},
		{"s3api put-bucket-policy --region us-east-1 --bucket cloudtrailcc-seed-bad-trail", "cloudtrail start-logging"},
		{"--kms-key-id", "cloudtrail start-logging"},
	} {
		first, then := strings.Index(script, order[0]), strings.Index(script, order[1])
		if first < 0 || then < 0 || first > then {
			t.Errorf("%q (at %d) does not come before %q (at %d)", order[0], first, order[1], then)
		}
	}
	// --rule plans that rule's alarms only, still knowing what the other
	// findings tell: the eu-west-1 trail's key goes to its bucket's region
	kms := remediateOut(t, dir, "--from", export, "--rule", "kms_encryption")
	for _, line := range strings.Split(kms, "\n") {
		if strings.HasPrefix(line, "# fixes: ") && !strings.HasPrefix(line, "# fixes: kms_encryption ") {
			t.Errorf("--rule kms_encryption plans %s", line)
		}
	}
	if !strings.Contains(kms, "--region eu-west-1 --name arn:aws:cloudtrail:eu-west-1:") || !strings.Contains(kms, `--kms-key-id "$kms_key_us_east_1"`) ||
		strings.Contains(kms, "kms_key_eu_west_1") {
		t.Errorf("the eu-west-1 trail delivering to a us-east-1 bucket is not given the us-east-1 key:\n%s", kms)
	}
	// the same findings give the same plan, live or from the export
	if again := remediateOut(t, dir, "--from", export); again != script {
		t.Error("two plans from one export differ")
	}
	if live := remediateOut(t, dir, emulatorArgs(url)...); live != script {
		t.Error("the plan from a live check differs from the plan from its export")
	}
}

func TestRemediateTerraformDeclaresWhatItReferences(t *testing.T) {
	_, dir, export, findings := badPlan(t)
	src := remediateOut(t, dir, "--from", export, "--format", "terraform")
	file, diags := hclsyntax.ParseConfig([]byte(src), "fix.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("the Terraform plan does not parse: %s\n%s", diags, src)
	}
	declared := map[string]bool{}
	types := map[string]bool{}
	var imports []string
	var refs []hcl.Traversal
	for _, b := range file.Body.(*hclsyntax.Body).Blocks {
		switch b.Type {
		case "resource":
			addr := b.Labels[0] + "." + b.Labels[1]
			if declared[addr] {
				t.Errorf("resource %s declared twice", addr)
			}
			declared[addr], types[b.Labels[0]] = true, true
		case "import":
			imports = append(imports, hcl.Traversal(b.Body.Attributes["to"].Expr.(*hclsyntax.ScopeTraversalExpr).Traversal).RootName()+"."+
				b.Body.Attributes["to"].Expr.(*hclsyntax.ScopeTraversalExpr).Traversal[1].(hcl.TraverseAttr).Name)
			continue
		}
		refs = append(refs, variables(b.Body)...)
	}
	for _, want := range []string{"aws_cloudtrail", "aws_s3_bucket_logging", "aws_s3_bucket_versioning", "aws_s3_bucket_public_access_block",
		"aws_s3_bucket_acl", "aws_s3_bucket_policy", "aws_kms_key", "aws_kms_alias", "aws_cloudwatch_log_group", "aws_iam_role", "aws_sns_topic"} {
		if !types[want] {
			t.Errorf("no %s resource in the Terraform plan", want)
		}
	}
	for _, addr := range imports {
		if !declared[addr] {
			t.Errorf("import of %s, which is not declared", addr)
		}
	}
	if len(imports) != 3 {
		t.Errorf("%d imports, want the bad account's 3 trails: %v", len(imports), imports)
	}
	for _, r := range refs {
		root := r.RootName()
		if root == "aws" {
			continue // provider aliases
		}
		if addr := root + "." + r[1].(hcl.TraverseAttr).Name; !declared[addr] {
			t.Errorf("reference to %s, which is not declared", addr)
		}
	}
	for _, f := range findings {
		if f.Status == "alarm" && !strings.Contains(src, "fixes "+fixLine(f)) {
			t.Errorf("the Terraform plan does not mention the %s alarm on %s", f.RuleID, f.Resource)
		}
	}
}

// variables returns the references of every expression in body.
func variables(body *hclsyntax.Body) []hcl.Traversal {
	var out []hcl.Traversal
	for _, a := range body.Attributes {
		out = append(out, a.Expr.Variables()...)
	}
	for _, b := range body.Blocks {
		out = append(out, variables(b.Body)...)
	}
	return out
}

// notModelled says, per rule, why an alarm of the bad account stays after
// its plan ran against the emulator, and what shows the plan took effect.
var notModelled = map[string]struct {
	why      string
	evidence func(f report.Finding) bool
}{
	"bucket_mfa_delete": {"only the root user with its MFA device can enable MFA Delete: the step is by hand",
		func(f report.Finding) bool { return evidenceOf(f)["versioning_status"] == "Enabled" }},
	"cloudwatch_integration": {"the emulator records no CloudWatch Logs delivery",
		func(f report.Finding) bool { return evidenceOf(f)["cloud_watch_logs_log_group_arn"] != nil }},
	"delivery_failing": {"a recorded delivery error stays until the next delivery, which the emulator does not make",
		func(f report.Finding) bool { return evidenceOf(f)["is_logging"] == true }},
	"config_changes": {"a configuration change is reviewed, not fixed; the plan's own update-trail calls are changes too",
		func(report.Finding) bool { return true }},
}

func evidenceOf(f report.Finding) map[string]any {
	m, _ := f.Evidence.(map[string]any)
	return m
}

func TestRemediateScriptRunAgainstTheEmulatorTurnsAlarmsOK(t *testing.T) {
	skipShort(t, "the plan's 40-odd AWS CLI calls take a minute or two")
	url, dir, export, before := badPlan(t)
	path := filepath.Join(dir, "fix.sh")
	if err := os.WriteFile(path, []byte(remediateOut(t, dir, "--from", export)), 0o600); err != nil {
		t.Fatal(err)
	}
	runPlan(t, url, path)
	after, err := drift.Load(exportJSON(t, url, dir, "after.json"))
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]report.Finding{}
	for _, f := range after {
		status[f.RuleID+" "+f.Resource] = f
	}
	fixed := 0
	for _, f := range before {
		if f.Status != "alarm" || f.RuleID == "config_changes" {
			continue
		}
		now, ok := status[f.RuleID+" "+f.Resource]
		switch nm, stays := notModelled[f.RuleID]; {
		case !ok:
			t.Errorf("%s on %s: no finding after the plan ran", f.RuleID, f.Resource)
		case now.Status == "ok":
			fixed++
		case stays && now.Status == "alarm" && nm.evidence(now):
			t.Logf("%s on %s stays alarm: %s (%s)", f.RuleID, f.Resource, nm.why, now.Reason)
		default:
			t.Errorf("%s on %s is %s after the plan ran: %s", f.RuleID, f.Resource, now.Status, now.Reason)
		}
	}
	for _, f := range after {
		if _, stays := notModelled[f.RuleID]; f.Status == "alarm" && !stays {
			t.Errorf("new alarm after the plan ran: %s on %s: %s", f.RuleID, f.Resource, f.Reason)
		}
	}
	if fixed == 0 || !slices.ContainsFunc(after, func(f report.Finding) bool { return f.RuleID == "multi_region" && f.Status == "ok" }) {
		t.Errorf("%d alarms turned ok, multi_region not among them", fixed)
	}
	t.Logf("%d alarms turned ok", fixed)
}

// skipShort skips a test that runs the plan's AWS CLI calls under -short
// (why says how long they take).
func skipShort(t *testing.T, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: " + why)
	}
}

// runPlan runs the bash plan at path with the AWS CLI (as the AWS CLI test
// runs it: temp config, the emulator's credentials) against the emulator at
// url through CLOUDTRAILCC_AWS_ARGS, failing on any error.
func runPlan(t *testing.T, url, path string) {
	t.Helper()
	c := newAWSCLI(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", path)
	cmd.Env = append(slices.Clone(c.env), "PATH="+filepath.Dir(c.bin)+":"+os.Getenv("PATH"), "CLOUDTRAILCC_AWS_ARGS=--endpoint-url "+url)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running the plan with %s: %v\n%s", c.bin, err, out)
	}
}

func TestRemediateGivesAnAccountWithoutTrailsAMultiRegionTrail(t *testing.T) {
	skipShort(t, "the plan's AWS CLI calls take a while")
	url := emulator(t)
	dir := t.TempDir()
	export := exportJSON(t, url, dir, "empty.json")
	script := remediateOut(t, dir, "--from", export)
	for _, want := range []string{"aws cloudtrail create-trail --region us-east-1 --name cloudtrail-all-regions --s3-bucket-name cloudtrail-logs-123456789012 " +
		"--is-multi-region-trail --include-global-service-events --enable-log-file-validation",
		"# fixes: multi_region arn:aws:::123456789012 (", "# fixes: global_services arn:aws:::123456789012 ("} {
		if !strings.Contains(script, want) {
			t.Errorf("the plan for an account without trails lacks %q:\n%s", want, script)
		}
	}
	path := filepath.Join(dir, "fix.sh")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	runPlan(t, url, path)
	runPlan(t, url, path) // a second run finds the bucket and the trail and creates nothing
	after, err := drift.Load(exportJSON(t, url, dir, "after.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range after {
		if (f.RuleID == "multi_region" || f.RuleID == "global_services" || f.RuleID == "log_file_validation" || f.RuleID == "bucket_not_public") && f.Status != "ok" {
			t.Errorf("%s is %s after the plan created a trail: %s", f.RuleID, f.Status, f.Reason)
		}
	}
}

func TestRemediateLeavesOutTheAlarmsAnExceptionAccepts(t *testing.T) {
	url, _, _ := seeded(t, seed.Bad)
	dir := t.TempDir()
	file := filepath.Join(dir, "exceptions.hcl")
	hclText := `exception {
  rule     = "bucket_mfa_delete"
  resource = "arn:aws:s3:::cloudtrailcc-seed-bad-trail-*"
  reason   = "MFA Delete needs the root user's device"
  expires  = "` + time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02") + `"
}
`
	if err := os.WriteFile(file, []byte(hclText), 0o600); err != nil {
		t.Fatal(err)
	}
	r := cli(t, dir, append([]string{"remediate", "--exceptions", file}, emulatorArgs(url)...)...)
	if r.code != 0 {
		t.Fatalf("remediate --exceptions: exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "# fixes: bucket_mfa_delete ") || strings.Contains(r.stdout, "MFADelete=Enabled") {
		t.Error("the plan fixes the bucket_mfa_delete alarm the exception accepts")
	}
	if !strings.Contains(r.stdout, "# fixes: bucket_not_public ") {
		t.Error("the plan lost the alarms no exception accepts")
	}
	if !strings.Contains(r.stderr, "1 alarms accepted by an exception are not planned") {
		t.Errorf("the summary does not count the accepted alarm: %s", r.stderr)
	}
}
