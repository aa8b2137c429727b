package snapcache

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/filetrust"
)

// untrusted says why the cache directory or one of its files is not used.
type untrusted struct {
	path, reason string
}

func (e *untrusted) Error() string { return e.path + " " + e.reason }

// dir is an open cache directory that passed the checks of openDir. Every
// file is opened relative to it, so a directory swapped after the checks
// is never written.
type dir struct {
	path string
	fd   int
}

// openDir opens path (creating it, mode 0700, when missing) and checks it
// may hold snapshots: a directory, not a symbolic link, owned by this
// process's user and writable by nobody else, below directories only root
// and this user may write (filetrust's rule, the exceptions file's too).
// Another user who can write the directory, or replace it, could plant a
// snapshot that hides alarms, or a symbolic link through which this process
// would create files elsewhere.
func openDir(path string) (*dir, error) {
	const flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(path, 0o700); err != nil {
			return nil, &untrusted{path, "cannot be created: " + unwrapPath(err)}
		}
	}
	if err := filetrust.CheckParents(path); err != nil {
		return nil, err
	}
	fd, err := unix.Open(path, flags, 0)
	switch {
	case errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) && isSymlink(path):
		return nil, &untrusted{path, "is a symbolic link"}
	case errors.Is(err, unix.ENOTDIR):
		return nil, &untrusted{path, "is not a directory"}
	case err != nil:
		return nil, &untrusted{path, "cannot be opened: " + err.Error()}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		_ = unix.Close(fd)
		return nil, &untrusted{path, "cannot be read: " + err.Error()}
	}
	if err := filetrust.CheckOwner(path, st.Uid, fs.FileMode(st.Mode&0o777), 0o022, filetrust.UserOnly, "writable by group or others"); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	return &dir{path: path, fd: fd}, nil
}

// isSymlink reports whether path is a symbolic link (Linux refuses one
// opened with O_DIRECTORY|O_NOFOLLOW as "not a directory").
func isSymlink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

// close releases the directory.
func (d *dir) close() { _ = unix.Close(d.fd) }

// join is the path of a file of the directory, for messages.
func (d *dir) join(name string) string { return filepath.Join(d.path, name) }

// checkFile fails unless fi (of path) is a regular file of this process's
// user that neither group nor others may access: a snapshot describes the
// account's security configuration.
func checkFile(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return &untrusted{path, "is not a regular file"}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return &untrusted{path, "has no owner this system reports"}
	}
	return filetrust.CheckOwner(path, st.Uid, fi.Mode().Perm(), 0o077, filetrust.UserOnly, "accessible to group or others")
}

// openFile opens name in the directory without following a symbolic link
// and checks it with checkFile. create makes a
// missing file (mode 0600); a missing file is otherwise fs.ErrNotExist.
func (d *dir) openFile(name string, flags int, create bool) (*os.File, fs.FileInfo, error) {
	path := d.join(name)
	flags |= unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC
	if create {
		flags |= unix.O_CREAT
	}
	fd, err := unix.Openat(d.fd, name, flags, 0o600)
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil, nil, fs.ErrNotExist
	case errors.Is(err, unix.ELOOP):
		return nil, nil, &untrusted{path, "is a symbolic link"}
	case err != nil:
		return nil, nil, &untrusted{path, "cannot be opened: " + err.Error()}
	}
	f := os.NewFile(uintptr(fd), path)
	fi, err := f.Stat()
	if err == nil {
		err = checkFile(path, fi)
	}
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// writeFile writes b to name atomically: a new temporary file (mode 0600)
// in the directory, renamed over name only once fully written. A symbolic
// link at name is replaced, never followed.
func (d *dir) writeFile(name string, b []byte) (fs.FileInfo, error) {
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	tmp := name + "." + hex.EncodeToString(suffix) + ".tmp"
	fd, err := unix.Openat(d.fd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", d.join(tmp), err)
	}
	f := os.NewFile(uintptr(fd), d.join(tmp))
	fi, err := writeAll(f, b)
	if err == nil {
		err = unix.Renameat(d.fd, tmp, d.fd, name)
	}
	if err != nil {
		_ = unix.Unlinkat(d.fd, tmp, 0)
		return nil, fmt.Errorf("writing %s: %w", d.join(name), err)
	}
	return fi, nil
}

// writeAll writes b to f, syncs and closes it, and returns its final state.
func writeAll(f *os.File, b []byte) (fs.FileInfo, error) {
	err := f.Chmod(0o600) // whatever the umask
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	var fi fs.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return fi, err
}

// unwrapPath drops the path an *fs.PathError repeats.
func unwrapPath(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
