package exceptions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

var now = time.Date(2026, 12, 5, 15, 0, 0, 0, time.UTC)

// write puts content into dir/name (mode 0644) and returns its path.
func write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const hclFile = `# accepted risks
exception {
  rule     = "bucket_mfa_delete"
  resource = "arn:aws:s3:::audit-*"
  account  = "123456789012"
  reason   = "MFA Delete needs the root user"
  expires  = "2027-03-31"
  owner    = "secops"
}

exception {
  rule      = "*"
  resource  = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/legacy"
  region    = "eu-west-1"
  reason    = "legacy trail, decommissioned with the old VPC"
  expires   = "2030-01-01"
  permanent = true
}
`

const yamlFile = `exceptions:
  - rule: bucket_mfa_delete
    resource: "arn:aws:s3:::audit-*"
    account: 123456789012
    reason: MFA Delete needs the root user
    expires: 2027-03-31
    owner: secops
  - rule: "*"
    resource: arn:aws:cloudtrail:eu-west-1:123456789012:trail/legacy
    region: eu-west-1
    reason: legacy trail, decommissioned with the old VPC
    expires: "2030-01-01"
    permanent: true
`

func TestHCLAndYAMLFilesReadTheSameEntries(t *testing.T) {
	h, err := Load(write(t, "x.hcl", hclFile), now)
	if err != nil {
		t.Fatal(err)
	}
	y, err := Load(write(t, "x.yml", yamlFile), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Entries) != 2 || len(y.Entries) != 2 {
		t.Fatalf("entries: hcl %d, yaml %d; want 2 each", len(h.Entries), len(y.Entries))
	}
	for i := range h.Entries {
		a, b := h.Entries[i], y.Entries[i]
		a.Line, b.Line = 0, 0
		if a != b {
			t.Errorf("entry %d differs:\nhcl  %+v\nyaml %+v", i, a, b)
		}
	}
	if h.Entries[0].Line != 2 || h.Entries[1].Line != 11 || y.Entries[0].Line != 2 || y.Entries[1].Line != 8 {
		t.Errorf("lines: hcl %d, %d; yaml %d, %d", h.Entries[0].Line, h.Entries[1].Line, y.Entries[0].Line, y.Entries[1].Line)
	}
	if e := h.Entries[0]; e.Account != "123456789012" || e.ExpiresText() != "2027-03-31" || e.Owner != "secops" || e.Permanent {
		t.Errorf("first entry %+v", e)
	}
}

func TestMalformedFilesNameTheFileAndLine(t *testing.T) {
	cases := []struct {
		name, file, content, want string
	}{
		{"hcl syntax", "x.hcl", "exception {\n  rule = \"multi_region\"\n  reason = \n}\n", ":3: "},
		{"unknown attribute", "x.hcl", "exception {\n  rule = \"multi_region\"\n  resource = \"*\"\n  reason = \"r\"\n  expires = \"2027-01-01\"\n  ownr = \"me\"\n}\n", `:6: unknown attribute "ownr"`},
		{"missing expires", "x.hcl", "\nexception {\n  rule = \"multi_region\"\n  resource = \"*\"\n  reason = \"r\"\n}\n", ":2: exception has no expires"},
		{"unknown rule", "x.yaml", "exceptions:\n  - rule: multiregion\n    resource: \"*\"\n    reason: r\n    expires: 2027-01-01\n", `:2: rule "multiregion" is not a rule`},
		{"bad date", "x.yaml", "exceptions:\n  - rule: multi_region\n    resource: \"*\"\n    reason: r\n    expires: 31/12/2026\n", `:5: expires "31/12/2026" is not a date`},
		{"too far", "x.hcl", "exception {\n  rule = \"multi_region\"\n  resource = \"*\"\n  reason = \"r\"\n  expires = \"2027-12-06\"\n}\n", ":5: expires 2027-12-06 is more than a year ahead (at most 2027-12-05)"},
		{"not an arn", "x.hcl", "exception {\n  rule = \"multi_region\"\n  resource = \"my-bucket\"\n  reason = \"r\"\n  expires = \"2027-01-01\"\n}\n", `:3: resource "my-bucket" is not an ARN`},
		{"bad account", "x.yaml", "exceptions:\n  - rule: multi_region\n    resource: \"*\"\n    account: \"12345\"\n    reason: r\n    expires: 2027-01-01\n", `:4: account "12345" is not a 12-digit account id`},
		{"yaml syntax", "x.yaml", "exceptions:\n  - rule: multi_region\n    reason: it is: wrong\n", ":3: mapping values are not allowed"},
		{"permanent as text", "x.hcl", "exception {\n  rule = \"multi_region\"\n  resource = \"*\"\n  reason = \"r\"\n  expires = \"2027-01-01\"\n  permanent = \"yes\"\n}\n", ":6: permanent must be true or false"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := write(t, c.file, c.content)
			_, err := Load(path, now)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), path+":") || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line starting %q and containing %q", err, path+":", c.want)
			}
		})
	}
}

func TestPermanentAllowsAnExpiryBeyondAYear(t *testing.T) {
	l, err := Load(write(t, "x.hcl", "exception {\n  rule = \"multi_region\"\n  resource = \"*\"\n  reason = \"r\"\n  expires = \"2035-01-01\"\n  permanent = true\n}\n"), now)
	if err != nil || len(l.Entries) != 1 || l.Entries[0].ExpiresText() != "2035-01-01" {
		t.Fatalf("permanent entry: %v %+v", err, l)
	}
}

func TestUntrustedFilesAreRefused(t *testing.T) {
	good := write(t, "ok.hcl", hclFile)
	link := filepath.Join(t.TempDir(), "link.hcl")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	open := write(t, "open.hcl", hclFile)
	if err := os.Chmod(open, 0o666); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "dir.hcl")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	big := write(t, "big.yaml", "exceptions:\n#"+strings.Repeat("x", MaxFileSize)+"\n")
	for path, want := range map[string]string{
		link:                               "is a symbolic link",
		open:                               "is writable by group or others (mode 0666)",
		dir:                                "is a directory, not a regular file",
		big:                                "more than the 1048576",
		good + ".json":                     "ends in .hcl, .yaml or .yml",
		good[:len(good)-4] + "missing.hcl": "does not exist",
	} {
		_, err := Load(path, now)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("Load(%s): %v, want an error naming it and saying %q", path, err, want)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"arn:aws:s3:::audit-*", "arn:aws:s3:::audit-logs", true},
		{"arn:aws:s3:::audit-*", "arn:aws:s3:::other", false},
		{"*", "anything:at/all", true},
		{"arn:aws:cloudtrail:*:trail/main", "arn:aws:cloudtrail:us-east-1:123456789012:trail/main", true},
		{"arn:aws:cloudtrail:*:trail/main", "arn:aws:cloudtrail:us-east-1:123456789012:trail/main2", false},
		{"a*b*a", "aba", true},
		{"a*a", "a", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
	} {
		if got := glob(c.pattern, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func alarm(rule, resource, region string) rules.Finding {
	return rules.Finding{RuleID: rule, Status: rules.StatusAlarm, Reason: "it is wrong", Resource: resource, AccountID: "123456789012", Region: region, Severity: rules.SeverityHigh}
}

func TestApplySuppressesExpiresAndReportsStaleEntries(t *testing.T) {
	l := &List{Path: "/etc/cc/accepted.hcl", Entries: []Entry{
		{Line: 1, Rule: "bucket_mfa_delete", Resource: "arn:aws:s3:::audit-*", Reason: "root MFA", Expires: now.AddDate(0, 1, 0), Owner: "secops"},
		{Line: 9, Rule: "log_file_validation", Resource: "*", Reason: "old", Expires: now.AddDate(0, 0, -1)},
		{Line: 17, Rule: "kms_encryption", Resource: "arn:aws:cloudtrail:*", Reason: "nothing", Expires: now},
		{Line: 25, Rule: AnyRule, Resource: "arn:aws:sns:*", Reason: "nothing either", Expires: now},
	}}
	found := []rules.Finding{
		alarm("bucket_mfa_delete", "arn:aws:s3:::audit-logs", "us-east-1"),
		alarm("bucket_mfa_delete", "arn:aws:s3:::other", "us-east-1"),
		alarm("log_file_validation", "arn:aws:cloudtrail:us-east-1:123456789012:trail/t", "us-east-1"),
		{RuleID: "kms_encryption", Status: rules.StatusOK, Resource: "arn:aws:cloudtrail:us-east-1:123456789012:trail/t", AccountID: "123456789012"},
	}
	got := l.Apply(found, nil, "123456789012", "aws", now)
	if len(got) != 6 {
		t.Fatalf("%d findings, want the 4 judged and 2 stale: %+v", len(got), got)
	}
	if s := got[0].Suppression; s == nil || s.Expires != now.AddDate(0, 1, 0).Format(DateLayout) || s.Owner != "secops" || got[0].Status != rules.StatusAlarm {
		t.Errorf("matching alarm: %+v %+v", got[0].Finding, s)
	}
	status, reason := Outcome(string(got[0].Status), got[0].Reason, got[0].Suppression)
	if want := "suppressed until 2027-01-05 by secops: root MFA (was: it is wrong)"; status != "skip" || reason != want {
		t.Errorf("outcome %s %q, want skip %q", status, reason, want)
	}
	if got[1].Suppression != nil || got[1].Reason != "it is wrong" {
		t.Errorf("other bucket: %+v", got[1])
	}
	if got[2].Suppression != nil || got[2].Reason != "it is wrong (its exception, accepted.hcl:9, expired on 2026-12-04)" {
		t.Errorf("expired: %+v", got[2])
	}
	if got[3].Suppression != nil {
		t.Errorf("an ok finding was suppressed: %+v", got[3])
	}
	for i, want := range []struct{ rule, line string }{{"kms_encryption", "accepted.hcl:17"}, {StaleRule, "accepted.hcl:25"}} {
		f := got[4+i]
		if f.RuleID != want.rule || f.Status != rules.StatusInfo || !strings.Contains(f.Reason, "stale exception "+want.line) || f.Resource != "arn:aws:::123456789012" {
			t.Errorf("stale finding %d: %+v", i, f.Finding)
		}
	}
	// an entry expiring today still suppresses until the day is over
	if l.Entries[2].Expired(now) || !l.Entries[2].Expired(now.Add(24*time.Hour)) {
		t.Error("an entry is expired from the day after its expires date")
	}
}

func TestApplyReportsAWildcardEntryStaleOnlyWhenEveryRuleWasJudged(t *testing.T) {
	l := &List{Path: "x.hcl", Entries: []Entry{{Line: 3, Rule: AnyRule, Resource: "arn:aws:sns:*", Reason: "r", Expires: now}}}
	if got := l.Rules([]string{"kms_encryption"}); len(got) != 1 {
		t.Errorf("Rules(kms_encryption) = %v: the wildcard entry is not reported there", got)
	}
	if got := l.Rules([]string{StaleRule}); got != nil {
		t.Errorf("Rules(%s) = %v, want nil (every rule): its stale finding needs them all", StaleRule, got)
	}
	one := []rules.Finding{alarm(StaleRule, "arn:aws:::123456789012", "")}
	if got := l.Apply(one, []string{"kms_encryption"}, "123456789012", "aws", now); len(got) != 0 {
		t.Errorf("asked for kms_encryption only, got %+v", got)
	}
	all := append(one, alarm("sns_topic_exists", "arn:aws:sns:us-east-1:123456789012:gone", "us-east-1"))
	got := l.Apply(all, []string{StaleRule}, "123456789012", "aws", now)
	if len(got) != 1 || got[0].RuleID != StaleRule || got[0].Status != rules.StatusAlarm {
		t.Errorf("the wildcard entry matched the SNS alarm, so only the multi_region alarm is left: %+v", got)
	}
}
