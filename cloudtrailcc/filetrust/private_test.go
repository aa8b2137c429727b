package filetrust

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnlinkedTempIsThisProcesssAlone: the file is 0600, already gone from
// its directory (nothing else can open it, nothing is left behind), and
// still reads back what is written to it; a directory it cannot be made in
// is an error naming what it was for.
func TestUnlinkedTempIsThisProcesssAlone(t *testing.T) {
	dir := t.TempDir()
	f, err := UnlinkedTemp(dir, "cloudtrailcc-test-*", "test records")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in the directory: %v", left)
	}
	if _, err := f.WriteAt([]byte("sealed"), 0); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6)
	if _, err := f.ReadAt(got, 0); err != nil || string(got) != "sealed" {
		t.Fatalf("read back %q, %v", got, err)
	}
	_, err = UnlinkedTemp(filepath.Join(dir, "missing"), "x-*", "test records")
	if err == nil || !strings.Contains(err.Error(), "test records") {
		t.Fatalf("a missing directory gives %v, want an error naming the test records", err)
	}
}
