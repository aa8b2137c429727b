package filetrust

import (
	"errors"
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

// TestSpillGivesEachRecordBack: records read back by where Append put them,
// from memory and from the file alike; a read past what was kept is an
// error, and a store cannot move to a file once it holds records.
func TestSpillGivesEachRecordBack(t *testing.T) {
	for _, spilled := range []bool{false, true} {
		var s Spill
		if spilled {
			if err := s.SpillTo(t.TempDir(), "cloudtrailcc-test-*", "test records"); err != nil {
				t.Fatal(err)
			}
		}
		var offs []int64
		for _, r := range []string{"first", "", "third record"} {
			off, err := s.Append([]byte(r))
			if err != nil {
				t.Fatal(err)
			}
			offs = append(offs, off)
		}
		for i, r := range []string{"first", "", "third record"} {
			got, err := s.Read(offs[i], len(r))
			if err != nil || string(got) != r {
				t.Fatalf("spilled=%v: record %d read back %q, %v; want %q", spilled, i, got, err, r)
			}
		}
		if s.Spilled() != spilled || s.Size() != int64(len("first")+len("third record")) {
			t.Fatalf("spilled %v, size %d", s.Spilled(), s.Size())
		}
		if _, err := s.Read(offs[2], len("third record")+1); err == nil {
			t.Errorf("spilled=%v: a read past the records gave no error", spilled)
		}
		if err := s.SpillTo(t.TempDir(), "x-*", "test records"); err == nil {
			t.Errorf("spilled=%v: SpillTo after records were kept gave no error", spilled)
		}
		f := s.File()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if f != nil {
			if _, err := f.ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
				t.Errorf("the file reads after Close: %v", err)
			}
		}
	}
}
