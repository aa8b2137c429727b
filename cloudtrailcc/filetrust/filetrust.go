// Package filetrust decides whether a file or directory a user named can be
// trusted before its content is: who may write it and every directory above
// it, what kind of file it is, and how large it is.
//
// The rule for what may hide alarms (the exceptions file, the snapshot
// cache directory): the object and every directory its path passes through,
// up to /, are owned by root or by this process's user and writable by no
// one else. A directory others may write is accepted above the object only
// when it is sticky (such as /tmp): there nobody can rename or remove what
// root or this user made in it. Symbolic links in the directories above are
// followed component by component, and the directories they lead to are held
// to the same rule; a link itself must be owned by root or this user.
package filetrust

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Error says why a path is not trusted: Path is the file or directory
// named, Above the directory above it at fault (empty when Path itself is),
// Problem what is wrong and Fix what to do (may be empty).
type Error struct {
	Path, Above, Problem, Fix string
}

func (e *Error) Error() string {
	s := e.Path + " " + e.Problem
	if e.Above != "" {
		s = e.Path + ": the directory above it " + e.Above + " " + e.Problem
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Owners says who may own a trusted file or directory.
type Owners int

const (
	// RootOrUser accepts root and this process's effective user.
	RootOrUser Owners = iota
	// UserOnly accepts this process's effective user alone (what the
	// process writes itself).
	UserOnly
)

// maxLinks bounds the symbolic links followed while walking a path, as the
// kernel does (ELOOP).
const maxLinks = 40

// CheckOwner fails unless an object at path, owned by uid, is owned as
// owners allows and its permission bits perm grant none of deny; what names
// the denied access in the message ("writable by group or others").
func CheckOwner(path string, uid uint32, perm, deny fs.FileMode, owners Owners, what string) error {
	me := os.Geteuid()
	if int(uid) != me && (owners == UserOnly || uid != 0) {
		who, fix := "root or this user", "another user could change it; use a file and directories only root and you own"
		if owners == UserOnly || me == 0 {
			who = "this user"
		}
		if owners == UserOnly {
			fix = "another user could change it; use one you own"
		}
		return &Error{Path: path, Problem: fmt.Sprintf("is owned by uid %d, not by %s (uid %d)", uid, who, me), Fix: fix}
	}
	if perm&deny != 0 {
		bits := "w"
		if deny&0o044 != 0 {
			bits = "rwx"
		}
		return &Error{Path: path, Problem: fmt.Sprintf("is %s (mode %04o)", what, perm&fs.ModePerm),
			Fix: fmt.Sprintf("another user could change what it holds; chmod go-%s %s", bits, path)}
	}
	return nil
}

// CheckParents checks every directory path passes through, from / down to
// the one holding path's last component (path itself is not checked), with
// the package's rule; symbolic links among them are followed one component
// at a time. A relative path is taken from the working directory.
func CheckParents(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	w := walker{}
	err = w.checkDir("/", false)
	if err == nil {
		_, err = w.walk("/", components(filepath.Dir(abs)))
	}
	var e *Error
	if errors.As(err, &e) {
		e.Above, e.Path = e.Path, path
	}
	return err
}

// walker resolves a path one component at a time, checking each directory.
type walker struct {
	links int
}

// components splits a path into its names ("." and ".." kept, empty ones
// dropped).
func components(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// walk resolves names from the checked directory cur and returns the
// directory reached.
func (w *walker) walk(cur string, names []string) (string, error) {
	for _, name := range names {
		switch name {
		case ".":
			continue
		case "..":
			cur = filepath.Dir(cur) // already checked on the way down
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if err != nil {
			return "", &Error{Path: next, Problem: "cannot be read: " + unwrapPath(err)}
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return "", &Error{Path: next, Problem: "has no owner this system reports"}
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			// a link's own mode means nothing; who may replace it is its
			// directory's business (checked), and in a sticky one its owner's
			if err := CheckOwner(next, st.Uid, 0, 0, RootOrUser, ""); err != nil {
				return "", err
			}
			if w.links++; w.links > maxLinks {
				return "", &Error{Path: next, Problem: "leads through too many symbolic links"}
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", &Error{Path: next, Problem: "cannot be read: " + unwrapPath(err)}
			}
			from := cur
			if filepath.IsAbs(target) {
				from = "/"
			}
			if cur, err = w.walk(from, components(target)); err != nil {
				return "", err
			}
			continue
		}
		if !fi.IsDir() {
			return "", &Error{Path: next, Problem: "is not a directory"}
		}
		if err := w.checkDir(next, true); err != nil {
			return "", err
		}
		cur = next
	}
	return cur, nil
}

// checkDir applies the rule to one directory on the way; stickyOK accepts
// a sticky directory others may write (every directory but the root).
func (w *walker) checkDir(path string, stickyOK bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return &Error{Path: path, Problem: "cannot be read: " + unwrapPath(err)}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return &Error{Path: path, Problem: "has no owner this system reports"}
	}
	deny := fs.FileMode(0o022)
	if stickyOK && fi.Mode()&fs.ModeSticky != 0 {
		deny = 0
	}
	return CheckOwner(path, st.Uid, fi.Mode().Perm(), deny, RootOrUser, "writable by group or others")
}

// Options says how ReadFile treats a file.
type Options struct {
	// MaxSize is the largest file read, in bytes.
	MaxSize int64
	// FollowLink follows a symbolic link at path (what it reaches must
	// still be a regular file); otherwise a link is refused.
	FollowLink bool
	// Writers requires the file and every directory above it to be owned
	// by root or this user and writable by no one else (the package rule).
	Writers bool
}

// ReadFile reads path when it is a regular file of at most o.MaxSize
// bytes. It never blocks on a FIFO or reads a device, a directory or a
// socket, and reads no more than o.MaxSize+1 bytes whatever the file says
// its size is. Every error names path and what to do.
func ReadFile(path string, o Options) ([]byte, error) {
	if o.Writers {
		if err := CheckParents(path); err != nil {
			return nil, err
		}
	}
	flags := unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY
	if !o.FollowLink {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Open(path, flags, 0)
	switch {
	case errors.Is(err, unix.ELOOP) && !o.FollowLink:
		return nil, &Error{Path: path, Problem: "is a symbolic link", Fix: "name the file it points to"}
	case errors.Is(err, unix.ENOENT):
		return nil, &Error{Path: path, Problem: "does not exist"}
	case err != nil:
		return nil, &Error{Path: path, Problem: "cannot be opened: " + err.Error()}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &Error{Path: path, Problem: "cannot be read: " + unwrapPath(err)}
	}
	if !fi.Mode().IsRegular() {
		return nil, &Error{Path: path, Problem: "is " + kind(fi.Mode()) + ", not a regular file", Fix: "name a regular file"}
	}
	if o.Writers {
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil, &Error{Path: path, Problem: "has no owner this system reports"}
		}
		if err := CheckOwner(path, st.Uid, fi.Mode().Perm(), 0o022, RootOrUser, "writable by group or others"); err != nil {
			return nil, err
		}
	}
	tooBig := &Error{Path: path, Problem: fmt.Sprintf("is larger than the %d bytes allowed", o.MaxSize)}
	if fi.Size() > o.MaxSize {
		tooBig.Problem = fmt.Sprintf("is %d bytes, more than the %d allowed", fi.Size(), o.MaxSize)
		return nil, tooBig
	}
	// the fd is non-blocking only for the open: a regular file never blocks
	b, err := io.ReadAll(io.LimitReader(f, o.MaxSize+1))
	if err != nil {
		return nil, &Error{Path: path, Problem: "cannot be read: " + unwrapPath(err)}
	}
	if int64(len(b)) > o.MaxSize {
		return nil, tooBig
	}
	return b, nil
}

// kind names a file type for a message.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "an irregular file"
}

// unwrapPath drops the path an *fs.PathError repeats.
func unwrapPath(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
