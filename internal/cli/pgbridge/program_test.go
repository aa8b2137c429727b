package pgbridge_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/pgbridge"
)

// TestCheckProgramAcceptsAStickyParentOnly: a directory others may write
// lets them replace the program, unless its sticky bit stops them from
// replacing what they do not own (as /tmp does).
func TestCheckProgramAcceptsAStickyParentOnly(t *testing.T) {
	for _, c := range []struct {
		mode    os.FileMode
		refused bool
	}{
		{0o755, false},
		{0o777 | os.ModeSticky, false},
		{0o777, true},
	} {
		dir := filepath.Join(t.TempDir(), "bin")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		prog := filepath.Join(dir, "cloudtrailcc")
		if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, c.mode); err != nil {
			t.Fatal(err)
		}
		err := pgbridge.CheckProgram(prog, os.Geteuid())
		var ue *pgbridge.UntrustedProgramError
		if got := errors.As(err, &ue); got != c.refused || (!c.refused && err != nil) {
			t.Errorf("directory mode %v: CheckProgram = %v; refused want %v", c.mode, err, c.refused)
		}
		if c.refused && ue != nil && ue.Path != dir {
			t.Errorf("refusal names %s, want the directory %s", ue.Path, dir)
		}
	}
}
