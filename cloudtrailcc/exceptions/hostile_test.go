package exceptions

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// loadError loads path and asserts one error line starting with path and
// holding want.
func loadError(t *testing.T, path, want string) {
	t.Helper()
	_, err := Load(path, now)
	if err == nil {
		t.Fatalf("Load(%s): no error, want %q", path, want)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, path) || !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
		t.Errorf("Load(%s): %q, want one line starting with the path and saying %q", path, msg, want)
	}
}

// TestDeeplyNestedFilesAreRefusedBeforeParsing: the parsers recurse once
// per level of nesting, so a file of a few hundred kilobytes of brackets
// used to exhaust the stack (1 GB for HCL). With the stack capped at 64 MiB
// the process would crash instead of returning; each file is refused with
// the line where the nesting goes too deep.
func TestDeeplyNestedFilesAreRefusedBeforeParsing(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(64 << 20))
	for _, c := range []struct{ name, src, want string }{
		{"brackets.hcl", "exception {\n  rule = " + strings.Repeat("[", 180_000) + "\n}\n", ":2: nesting deeper than 10 levels"},
		{"parentheses.hcl", "\n\nexception {\n  rule = " + strings.Repeat("(", 100_000) + "\"x\"\n}\n", ":4: nesting deeper than 10 levels"},
		{"templates.hcl", "exception {\n  reason = " + strings.Repeat(`"${`, 50_000) + "\n}\n", ":2: nesting deeper than 10"},
		{"blocks.hcl", strings.Repeat("exception {\n", 20_000), ":11: nesting deeper than 10"},
		{"flow.yaml", "exceptions: " + strings.Repeat("[", 9_000) + "\n", ":1: nesting deeper than 10"},
		{"compact.yaml", "exceptions:\n  - " + strings.Repeat("- ", 9_000) + "x\n", ":2: nesting deeper than 10"},
		{"indented.yaml", "exceptions:\n" + func() string {
			var b strings.Builder
			for i := 1; i < 40; i++ {
				b.WriteString(strings.Repeat(" ", i) + "k:\n")
			}
			return b.String()
		}(), ":11: nesting deeper than 10"},
	} {
		t.Run(c.name, func(t *testing.T) {
			loadError(t, write(t, c.name, c.src), c.want)
		})
	}
}

// TestNestingThatValidFilesUseIsAccepted: heredocs, block scalars, quoted
// braces, comments and escapes are not nesting.
func TestNestingThatValidFilesUseIsAccepted(t *testing.T) {
	hcl := `# a comment with [[[[[[[[[[[[ brackets
/* and {{{{{{{{{{{{ a block comment */
exception {
  rule     = "*"
  resource = "arn:aws:s3:::audit-*" // [[[[[[[[[[[[
  reason   = <<-EOT
    MFA Delete {{{{{{{{{{{{ needs "the root" user ${"x"}
    EOT
  expires  = "2027-01-01"
  owner    = "sec\"ops {{{{{{{{{{{{ $${literal}"
}
`
	yml := `exceptions:   # [[[[[[[[[[[[
  - rule: "*"
    resource: 'arn:aws:s3:::audit-* [[[[[[[[[[[[ it''s'
    reason: |
      a block scalar with
          deeper
              and deeper
                  indentation [[[[[[[[[[[[
                      that is text
    expires: "2027-01-01"
    owner: "sec\"ops {{{{{{{{{{{{"
`
	for name, src := range map[string]string{"ok.hcl": hcl, "ok.yaml": yml} {
		l, err := Load(write(t, name, src), now)
		if err != nil || len(l.Entries) != 1 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestDuplicateKeysAreErrors: YAML keeps only the last of two keys of one
// mapping and ignores every document after the first, so two exceptions
// lists silently lost the first; HCL's parser already refuses an attribute
// given twice in a block.
func TestDuplicateKeysAreErrors(t *testing.T) {
	entry := "  - rule: multi_region\n    resource: \"*\"\n    reason: r\n    expires: 2027-01-01\n"
	loadError(t, write(t, "two.yaml", "exceptions:\n"+entry+"exceptions:\n"+entry), `:6: exceptions is given twice (first at line 1)`)
	loadError(t, write(t, "docs.yaml", "exceptions:\n"+entry+"---\nexceptions:\n"+entry), `:6: a second YAML document (after ---) would be ignored`)
	loadError(t, write(t, "attr.yaml", "exceptions:\n"+entry+"    reason: again\n"), `:6: reason is given twice`)
	loadError(t, write(t, "attr.hcl", "exception {\n  rule = \"multi_region\"\n  rule = \"kms_encryption\"\n}\n"), `:3: Attribute redefined`)
}

// TestAnEntryForEverythingNeedsAllowAll: an entry for every rule whose
// resource pattern matches any resource hides every alarm, critical ones
// included; it is refused unless it says allow_all = true, and then it is
// reported on every run (a warning line and an info finding).
func TestAnEntryForEverythingNeedsAllowAll(t *testing.T) {
	entry := func(rule, resource, extra string) string {
		return "exception {\n  rule = \"" + rule + "\"\n  resource = \"" + resource + "\"\n  reason = \"migration\"\n  expires = \"2027-01-01\"\n" + extra + "}\n"
	}
	for _, resource := range []string{"*", "arn:*", "arn:aws:*", "arn:*:*", "arn:aws:*:*", "arn:aws-us-gov:*:*"} {
		loadError(t, write(t, "all.hcl", entry("*", resource, "")),
			":1: this exception matches every rule and every resource, so it would hide every alarm, critical ones included; narrow its rule or resource, or write allow_all = true")
		if l, err := Load(write(t, "all.hcl", entry("*", resource, "  allow_all = true\n")), now); err != nil || !l.Entries[0].AllowAll {
			t.Errorf("resource %q with allow_all = true: %v", resource, err)
		}
	}
	for _, c := range [][2]string{{"*", "arn:aws:s3:::*"}, {"*", "arn:aws:cloudtrail:*"}, {"kms_encryption", "*"}} {
		if _, err := Load(write(t, "some.hcl", entry(c[0], c[1], "")), now); err != nil {
			t.Errorf("rule %q resource %q matches less than everything: %v", c[0], c[1], err)
		}
		loadError(t, write(t, "some.hcl", entry(c[0], c[1], "  allow_all = true\n")), ":6: allow_all = true is only for an exception matching every rule")
	}
	yml := "exceptions:\n  - rule: \"*\"\n    resource: \"*\"\n    reason: r\n    expires: 2027-01-01\n"
	loadError(t, write(t, "all.yaml", yml), ":2: this exception matches every rule and every resource")
	l, err := Load(write(t, "all.yaml", yml+"    allow_all: true\n"), now)
	if err != nil {
		t.Fatal(err)
	}

	warnings := l.Warnings(now)
	if len(warnings) != 1 || !strings.Contains(warnings[0], "all.yaml:2 accepts every alarm of every rule and resource until 2027-01-01 (allow_all = true), critical ones included") {
		t.Errorf("warnings %q, want one naming the entry", warnings)
	}
	critical := alarm("bucket_public", "arn:aws:s3:::logs", "")
	critical.Severity = rules.SeverityCritical
	got := l.Apply([]rules.Finding{critical}, nil, "123456789012", "aws", now)
	if len(got) != 2 || got[0].Suppression == nil {
		t.Fatalf("findings %+v: want the suppressed alarm and the allow_all notice", got)
	}
	if f := got[1]; f.Status != rules.StatusInfo || f.RuleID != StaleRule ||
		!strings.Contains(f.Reason, "exception all.yaml:2 accepts every alarm of every rule and resource until 2027-01-01 (allow_all = true): it matches 1 alarms, critical ones included") {
		t.Errorf("notice %+v", f.Finding)
	}
	if got := l.Apply([]rules.Finding{critical}, []string{"bucket_public"}, "123456789012", "aws", now); len(got) != 1 {
		t.Errorf("asked for bucket_public only: %d findings, want the alarm alone", len(got))
	}
	if expired := l.Warnings(now.AddDate(2, 0, 0)); len(expired) != 0 {
		t.Errorf("an expired allow_all entry suppresses nothing, yet warns %q", expired)
	}
}

// TestAFileInADirectoryOthersCanWriteIsRefused: only the file's own mode
// used to be checked, so a file of this user in a directory others may
// write was read; another user can rename it away and put their own (a
// file for every alarm) in its place, which this test does as uid 65534.
// In a sticky directory (such as /tmp) they cannot, and the file is read.
func TestAFileInADirectoryOthersCanWriteIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to act as another user")
	}
	for _, c := range []struct {
		name    string
		mode    fs.FileMode
		swapped bool
	}{
		{"world-writable", 0o777, true},
		{"group-writable", 0o775, false},
		{"sticky", fs.ModeSticky | 0o777, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			top := t.TempDir()
			for _, d := range []string{filepath.Dir(top), top} {
				if err := os.Chmod(d, 0o755); err != nil { // let uid 65534 reach it
					t.Fatal(err)
				}
			}
			dir := filepath.Join(top, "shared")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, c.mode); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "accepted.hcl")
			if err := os.WriteFile(path, []byte(hclFile), 0o644); err != nil {
				t.Fatal(err)
			}
			// another user replaces the file with one that accepts everything
			swap := exec.Command("/bin/sh", "-c", `mv accepted.hcl mine.hcl && printf 'exception {\n rule = "*"\n resource = "*"\n reason = "x"\n expires = "2027-01-01"\n allow_all = true\n}\n' > accepted.hcl`)
			swap.Dir = dir
			swap.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			out, err := swap.CombinedOutput()
			if swapped := err == nil; swapped != c.swapped {
				t.Fatalf("another user swapping the file: %v %s; want it to succeed: %v", err, out, c.swapped)
			}
			if c.mode&fs.ModeSticky != 0 {
				if l, err := Load(path, now); err != nil || l.Entries[0].Rule != "bucket_mfa_delete" {
					t.Fatalf("this user's file in a sticky directory: %v", err)
				}
				return
			}
			loadError(t, path, fmt.Sprintf("%s: the directory above it %s is writable by group or others (mode %04o)", path, dir, c.mode.Perm()))
			_, err = Load(path, now)
			if want := "chmod go-w " + dir; err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v does not say what to do: %q", err, want)
			}
		})
	}
}
