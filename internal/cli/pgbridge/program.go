package pgbridge

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ProgramName is the file name of the program copy in a bridge's state
// directory (ProgramDir).
const ProgramName = "cloudtrailcc"

// ProgramDir is where InstallProgram puts the copy the foreign tables run:
// the bin directory of the bridge's state directory.
func ProgramDir(stateDir string) string { return filepath.Join(stateDir, "bin") }

// UntrustedProgramError says why a program may be changed by someone other
// than root and the installing user; the database server would run
// whatever they put there, as its own OS user, on every scan.
type UntrustedProgramError struct {
	// Program is the program checked; Path is it or the directory at fault.
	Program, Path string
	// Reason says who else may change Path.
	Reason string
}

func (e *UntrustedProgramError) Error() string {
	return "refusing " + e.Detail() + ", so others could change what the database server runs (fix the permissions, or pass --force)"
}

// Detail names the program and who else may change it.
func (e *UntrustedProgramError) Detail() string {
	where := e.Path
	if e.Path != e.Program {
		where = "its directory " + e.Path
	}
	return fmt.Sprintf("program %s: %s %s", e.Program, where, e.Reason)
}

// CheckProgram fails with an *UntrustedProgramError when the program at
// path (absolute, symbolic links resolved), or any directory above it, is
// owned by someone other than root and the user with uid installer, or is
// writable by group or others. A directory with the sticky bit (such as
// /tmp) may be writable by others: they cannot replace what they do not own.
func CheckProgram(path string, installer int) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("program %s: %w", path, err)
	}
	if reason := whoElseWrites(fi, installer, false); reason != "" {
		return &UntrustedProgramError{Program: path, Path: path, Reason: reason}
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("program %s: %w", path, err)
		}
		if reason := whoElseWrites(fi, installer, true); reason != "" {
			return &UntrustedProgramError{Program: path, Path: dir, Reason: reason}
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

// whoElseWrites says who besides root and installer may change fi ("" when
// nobody may).
func whoElseWrites(fi fs.FileInfo, installer int, isDir bool) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "has no owner this system reports"
	}
	if st.Uid != 0 && int(st.Uid) != installer {
		return fmt.Sprintf("is owned by uid %d", st.Uid)
	}
	perm := fi.Mode().Perm()
	if isDir && fi.Mode()&fs.ModeSticky != 0 {
		return "" // others may add files, not replace ours
	}
	switch {
	case perm&0o002 != 0:
		return fmt.Sprintf("is writable by everyone (mode %04o)", perm)
	case perm&0o020 != 0:
		return fmt.Sprintf("is writable by group %d (mode %04o)", st.Gid, perm)
	}
	return ""
}

// InstallProgram copies the program at src into dir (created when
// missing) as ProgramName, owned by this process's user (root, for a root
// install) and mode 0755, and returns the copy's path: the foreign tables
// run the copy, which nobody else may change whatever happens to src. The
// copy replaces an earlier one atomically.
func InstallProgram(src, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	// An existing directory may have come from another owner or mode.
	if err := os.Lchown(dir, os.Geteuid(), os.Getegid()); err != nil {
		return "", fmt.Errorf("taking ownership of %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("setting the mode of %s: %w", dir, err)
	}
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("reading program %s: %w", src, err)
	}
	defer in.Close()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	dst := filepath.Join(dir, ProgramName)
	tmp := dst + "." + hex.EncodeToString(suffix) + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err != nil {
		return "", fmt.Errorf("copying program into %s: %w", dir, err)
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Chmod(0o755)
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("copying program %s into %s: %w", src, dir, err)
	}
	return dst, nil
}

// errNotProgramCopy guards RemoveProgram against removing anything but a
// copy InstallProgram made.
var errNotProgramCopy = errors.New("not a program copy of a bridge install")

// RemoveProgram removes a program copy InstallProgram made at path, and
// its directory when that is left empty.
func RemoveProgram(path string) error {
	if filepath.Base(path) != ProgramName || filepath.Base(filepath.Dir(path)) != "bin" {
		return fmt.Errorf("removing %s: %w", path, errNotProgramCopy)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the bridge's program copy: %w", err)
	}
	_ = os.Remove(filepath.Dir(path)) // only when empty
	return nil
}
