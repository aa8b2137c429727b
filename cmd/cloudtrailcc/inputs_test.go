package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/drift"
)

// TestExportInputsMustBeBoundedRegularFiles: diff, check --baseline and
// remediate --from read a JSON export. /dev/zero used to be read until
// memory ran out and a FIFO blocked for ever; a directory, an oversized
// file and one nesting deeper than any export are refused too. Each is one
// error line naming the flag (or argument) and the path, exit 2, before
// AWS is called. The binary runs with its address space capped at 2 GiB, so
// reading /dev/zero to the end fails the test instead of the machine.
func TestExportInputsMustBeBoundedRegularFiles(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) not found")
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"benchmark":"cloudtrail_best_practices","findings":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, drift.MaxExportSize+1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	deep := filepath.Join(dir, "deep.json")
	if err := os.WriteFile(deep, []byte("{\"benchmark\":\"x\",\n\"findings\":"+strings.Repeat("[", 100)+strings.Repeat("]", 100)+"}"), 0o600); err != nil {
		t.Fatal(err)
	}
	inputs := []struct{ path, says string }{
		{"/dev/zero", "/dev/zero is a character device, not a regular file"},
		{fifo, fifo + " is a FIFO (named pipe), not a regular file"},
		{dir, dir + " is a directory, not a regular file"},
		{big, big + " is 268435457 bytes, more than the 268435456 allowed"},
		{deep, deep + ":2: nesting deeper than 64 levels"},
	}
	uses := []struct {
		name string
		args func(path string) []string
	}{
		{"diff OLD", func(p string) []string { return []string{"diff", p, good} }},
		{"diff NEW", func(p string) []string { return []string{"diff", good, p} }},
		{"--baseline", func(p string) []string {
			return append([]string{"check", "--baseline", p}, emulatorArgs("http://127.0.0.1:1")...)
		}},
		{"--from", func(p string) []string { return []string{"remediate", "--from", p} }},
	}
	for _, use := range uses {
		for _, in := range inputs {
			t.Run(use.name+" "+filepath.Base(in.path), func(t *testing.T) {
				r := cliVia(t, dir, []string{prlimit, "--as=2147483648", "--"}, use.args(in.path)...)
				if r.code != exitUsage {
					t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
				}
				r.oneErrorLine(t, use.name+": "+in.says)
			})
		}
	}
	// a symbolic link is followed to a regular file
	link := filepath.Join(dir, "latest.json")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	if r := cli(t, dir, "diff", link, good); r.code != 0 {
		t.Errorf("diff through a symbolic link to an export: exit %d\n%s", r.code, r.stderr)
	}
}
