package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// leftovers lists the temporary files an export run left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	tmp, err := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return tmp
}

// TestExportKeepsAnExistingFilesModeAndCreatesNewOnes0600: a report
// describes the account's security posture: an existing export keeps the
// mode its owner gave it (never widened to 0644), a new one is 0600.
func TestExportKeepsAnExistingFilesModeAndCreatesNewOnes0600(t *testing.T) {
	url := seededEmulator(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "kept.csv")
	if err := os.WriteFile(existing, []byte("previous export\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(existing, 0o640); err != nil {
		t.Fatal(err)
	}
	r := cli(t, dir, append([]string{"check", "--output", "json", "--fail-on", "none", "--export", "kept.csv", "--export", "new.json"}, emulatorArgs(url)...)...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	checkPowerpipeCSV(t, existing)
	for name, want := range map[string]os.FileMode{"kept.csv": 0o640, "new.json": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", name, fi.Mode().Perm(), want)
		}
		if !strings.Contains(r.stderr, "wrote "+name) {
			t.Errorf("stderr does not say it wrote %s:\n%s", name, r.stderr)
		}
	}
	if tmp := leftovers(t, dir); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

// TestBadExportTargetIsRefusedBeforeAnyAWSCall: a destination that is not a
// regular file (directory, FIFO, socket, device, symbolic link) or whose
// directory is missing is refused with one clear line and exit 2 before
// AWS is called, and the good destination given before it is left as it
// was, with nothing written through the link.
func TestBadExportTargetIsRefusedBeforeAnyAWSCall(t *testing.T) {
	srv, url := emulatorServer(t)
	elsewhere := t.TempDir()
	linked := filepath.Join(elsewhere, "victim.csv")
	cases := []struct {
		name  string
		make  func(t *testing.T, path string)
		parts []string
	}{
		{"directory", func(t *testing.T, p string) { must(t, os.Mkdir(p, 0o700)) }, []string{"is a directory"}},
		{"fifo", func(t *testing.T, p string) { must(t, syscall.Mkfifo(p, 0o600)) }, []string{"named pipe (FIFO)"}},
		{"socket", func(t *testing.T, p string) {
			l, err := net.Listen("unix", p)
			must(t, err)
			t.Cleanup(func() { l.Close() })
		}, []string{"is a socket"}},
		{"device", func(t *testing.T, p string) {
			if os.Geteuid() != 0 {
				t.Skip("mknod needs root")
			}
			must(t, syscall.Mknod(p, syscall.S_IFCHR|0o600, 1<<8|3)) // like /dev/null
		}, []string{"is a device"}},
		{"symbolic link", func(t *testing.T, p string) {
			must(t, os.WriteFile(linked, []byte("not yours\n"), 0o600))
			must(t, os.Symlink(linked, p))
		}, []string{"symbolic link", linked, "never write through"}},
		{"missing directory", func(t *testing.T, p string) {}, []string{"does not exist"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			good := filepath.Join(dir, "good.csv")
			must(t, os.WriteFile(good, []byte("previous export\n"), 0o600))
			bad := filepath.Join(dir, "bad.csv")
			if c.name == "missing directory" {
				bad = filepath.Join(dir, "nope", "bad.csv")
			}
			c.make(t, bad)
			srv.ResetCalls()
			r := cli(t, dir, append([]string{"check", "--export", good, "--export", bad}, emulatorArgs(url)...)...)
			if r.code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
			}
			r.oneErrorLine(t, append([]string{"--export " + bad}, c.parts...)...)
			if calls := srv.Calls(); len(calls) != 0 {
				t.Errorf("%d AWS calls were made before refusing the destination (first: %s)", len(calls), calls[0].Action)
			}
			if b, _ := os.ReadFile(good); string(b) != "previous export\n" {
				t.Errorf("the good destination was changed: %q", b)
			}
			if b, _ := os.ReadFile(linked); len(b) > 0 && string(b) != "not yours\n" {
				t.Errorf("the file behind the link was written: %q", b)
			}
			if tmp := leftovers(t, dir); len(tmp) > 0 {
				t.Errorf("temporary files left behind: %v", tmp)
			}
		})
	}
}

// TestExportWriteFailureReplacesNone: when a later export cannot be
// written (here the file size limit stops the JSON, larger than the CSV),
// the earlier one is not replaced either: every destination keeps its old
// content, the run exits 2 and says which file failed and that none was
// replaced.
func TestExportWriteFailureReplacesNone(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) not found")
	}
	url := seededEmulator(t)
	args := append([]string{"check", "--output", "json", "--fail-on", "none", "--export", "f.csv", "--export", "f.json"}, emulatorArgs(url)...)
	// Learn the sizes of both exports of this account.
	sizes := t.TempDir()
	if r := cli(t, sizes, args...); r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	csvSize, jsonSize := fileSize(t, filepath.Join(sizes, "f.csv")), fileSize(t, filepath.Join(sizes, "f.json"))
	if csvSize >= jsonSize {
		t.Fatalf("the CSV (%d bytes) is not smaller than the JSON (%d bytes): the limit cannot stop only the second", csvSize, jsonSize)
	}
	limit := strconv.FormatInt((csvSize+jsonSize)/2, 10)
	t.Logf("CSV %d bytes, JSON %d bytes: file size limit %s", csvSize, jsonSize, limit)

	dir := t.TempDir()
	for _, name := range []string{"f.csv", "f.json"} {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte("previous "+name+"\n"), 0o600))
	}
	r := cliVia(t, dir, []string{prlimit, "--fsize=" + limit + ":" + limit, "--"}, args...)
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
	}
	if !strings.Contains(r.stderr, "error: writing f.json: file too large; no export was replaced") {
		t.Errorf("stderr does not say what failed and that nothing was replaced:\n%s", r.stderr)
	}
	for _, name := range []string{"f.csv", "f.json"} {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != "previous "+name+"\n" {
			t.Errorf("%s was replaced though the export failed: %.60q", name, b)
		}
	}
	if tmp := leftovers(t, dir); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
