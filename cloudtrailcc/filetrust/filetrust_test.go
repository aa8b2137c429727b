package filetrust

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// nobody is the uid of another local user.
const nobody = 65534

// mkdir makes dir with mode (chmod, whatever the umask) and, when owner is
// not negative, that owner (skipping the test when not root).
func mkdir(t *testing.T, dir string, mode fs.FileMode, owner int) string {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	if owner >= 0 {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory to another user")
		}
		if err := os.Chown(dir, owner, owner); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// wantError asserts err is an *Error whose message holds every part.
func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one saying %q", parts)
	}
	if _, ok := err.(*Error); !ok {
		t.Errorf("error %T %v is not a *filetrust.Error", err, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

// TestParentsOthersCanWriteAreRefused: a file is only as safe as the
// directories above it: one that group or others may write, or that
// another user owns, lets them rename the file's directory away and put
// their own in its place. A sticky directory (such as /tmp) is safe for
// what its owner made in it.
func TestParentsOthersCanWriteAreRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		mode  fs.FileMode
		owner int
		want  string
	}{
		{"world-writable", 0o777, -1, "is writable by group or others (mode 0777)"},
		{"group-writable", 0o775, -1, "is writable by group or others (mode 0775)"},
		{"another owner", 0o755, nobody, "is owned by uid 65534"},
	} {
		t.Run(c.name, func(t *testing.T) {
			top := mkdir(t, filepath.Join(t.TempDir(), "shared"), c.mode, c.owner)
			file := filepath.Join(mkdir(t, filepath.Join(top, "mine"), 0o700, -1), "f.hcl")
			if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			err := CheckParents(file)
			wantError(t, err, file+": the directory above it "+top+" "+c.want)
			_, err = ReadFile(file, Options{MaxSize: 10, Writers: true})
			wantError(t, err, top+" "+c.want)
		})
	}
	t.Run("sticky", func(t *testing.T) {
		top := mkdir(t, filepath.Join(t.TempDir(), "tmp"), fs.ModeSticky|0o777, -1)
		file := filepath.Join(top, "f.hcl")
		if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := ReadFile(file, Options{MaxSize: 10, Writers: true}); err != nil || string(b) != "x" {
			t.Fatalf("a file of this user in a sticky directory: %q, %v; want it read", b, err)
		}
	})
}

// TestSymbolicLinksAboveAreFollowedAndChecked: a link among the directories
// leads to a directory held to the same rule, and a relative link with ".."
// is resolved where it points, not by lexical cleaning.
func TestSymbolicLinksAboveAreFollowedAndChecked(t *testing.T) {
	root := t.TempDir()
	open := mkdir(t, filepath.Join(root, "open"), 0o777, -1)
	safe := mkdir(t, filepath.Join(root, "safe"), 0o755, -1)
	for _, d := range []string{open, safe} {
		if err := os.WriteFile(filepath.Join(d, "f.hcl"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mine := mkdir(t, filepath.Join(root, "mine"), 0o700, -1)
	if err := os.Symlink("../open", filepath.Join(mine, "toOpen")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(safe, filepath.Join(mine, "toSafe")); err != nil {
		t.Fatal(err)
	}
	wantError(t, CheckParents(filepath.Join(mine, "toOpen", "f.hcl")), "the directory above it "+open+" is writable by group or others")
	if err := CheckParents(filepath.Join(mine, "toSafe", "f.hcl")); err != nil {
		t.Errorf("a link to a safe directory: %v", err)
	}
	// a relative path goes through the working directory, also checked
	t.Chdir(filepath.Join(mine, "toOpen"))
	wantError(t, CheckParents("f.hcl"), "f.hcl: the directory above it "+open+" is writable")
}

// TestOnlyRegularFilesOfBoundedSizeAreRead: a FIFO would block the reader
// for ever, /dev/zero would fill its memory, a directory is no file; each is
// refused before a byte is read, and a file over the limit is refused.
func TestOnlyRegularFilesOfBoundedSizeAreRead(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, 101), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(big, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		o    Options
		want string
	}{
		{fifo, Options{MaxSize: 100}, fifo + " is a FIFO (named pipe), not a regular file"},
		{"/dev/zero", Options{MaxSize: 100, FollowLink: true}, "/dev/zero is a character device, not a regular file"},
		{dir, Options{MaxSize: 100}, dir + " is a directory, not a regular file"},
		{big, Options{MaxSize: 100}, big + " is 101 bytes, more than the 100 allowed"},
		{link, Options{MaxSize: 1000}, link + " is a symbolic link; name the file it points to"},
		{filepath.Join(dir, "none"), Options{MaxSize: 100}, "none does not exist"},
	} {
		_, err := ReadFile(c.path, c.o)
		wantError(t, err, c.want)
	}
	if b, err := ReadFile(link, Options{MaxSize: 1000, FollowLink: true}); err != nil || len(b) != 101 {
		t.Errorf("following a link to a regular file: %d bytes, %v", len(b), err)
	}
}

// TestAFileOthersMayWriteIsRefused: the file itself obeys the rule too.
func TestAFileOthersMayWriteIsRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f.hcl")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o664); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(file, Options{MaxSize: 10, Writers: true})
	wantError(t, err, file+" is writable by group or others (mode 0664)", "chmod go-w "+file)
}
