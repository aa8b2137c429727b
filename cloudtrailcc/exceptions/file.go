package exceptions

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// MaxFileSize is the largest exceptions file read (1 MiB).
const MaxFileSize = 1 << 20

// List is the parsed, validated exceptions file.
type List struct {
	// Path is the file as named in the configuration.
	Path string
	// Entries are the exceptions in file order.
	Entries []Entry
}

// Name is the file's base name, as findings cite it ("exceptions.hcl:12").
func (l *List) Name() string { return filepath.Base(l.Path) }

// Load reads and validates the exceptions file at path. Its extension
// chooses the format: .hcl, or .yaml/.yml. now bounds the expiry dates (at
// most a year ahead unless permanent). Any problem is one error naming the
// file, and the line when the content is at fault.
func Load(path string, now time.Time) (*List, error) {
	parse, err := parserFor(path)
	if err != nil {
		return nil, err
	}
	src, err := readUntrusted(path)
	if err != nil {
		return nil, err
	}
	raw, err := parse(path, src)
	if err == nil {
		var l *List
		l, err = validate(path, raw, now)
		if err == nil {
			return l, nil
		}
	}
	var le *lineError
	if errors.As(err, &le) {
		return nil, fmt.Errorf("%s:%d: %s", path, le.line, le.msg)
	}
	return nil, fmt.Errorf("%s: %w", path, err)
}

// parserFor picks the parser by the file's extension.
func parserFor(path string) (func(string, []byte) ([]rawEntry, error), error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".hcl":
		return parseHCL, nil
	case ".yaml", ".yml":
		return parseYAML, nil
	}
	return nil, fmt.Errorf("%s: cannot tell the format from the name; an exceptions file ends in .hcl, .yaml or .yml", path)
}

// validate turns the raw entries into a List.
func validate(path string, raw []rawEntry, now time.Time) (*List, error) {
	l := &List{Path: path}
	for _, r := range raw {
		e, err := r.entry(now)
		if err != nil {
			return nil, err
		}
		l.Entries = append(l.Entries, e)
	}
	return l, nil
}

// readUntrusted reads path when it is a regular file (a symbolic link is
// refused, not followed), not writable by everyone and at most MaxFileSize.
func readUntrusted(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ELOOP):
		return nil, fmt.Errorf("%s is a symbolic link; name the file it points to", path)
	case errors.Is(err, unix.ENOENT):
		return nil, fmt.Errorf("%s does not exist", path)
	case err != nil:
		return nil, fmt.Errorf("%s cannot be opened: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s cannot be read: %w", path, err)
	}
	switch {
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", path)
	case fi.Mode().Perm()&0o002 != 0:
		return nil, fmt.Errorf("%s is writable by everyone (mode %04o), so anyone could hide alarms; chmod o-w it", path, fi.Mode().Perm())
	case fi.Size() > MaxFileSize:
		return nil, fmt.Errorf("%s is %d bytes, more than the %d an exceptions file may have", path, fi.Size(), MaxFileSize)
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s cannot be read: %w", path, err)
	}
	if len(src) > MaxFileSize {
		return nil, fmt.Errorf("%s grew beyond %d bytes while being read", path, MaxFileSize)
	}
	return src, nil
}
