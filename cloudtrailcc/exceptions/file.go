package exceptions

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/filetrust"
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
// most a year ahead unless permanent). Before parsing, the file must pass
// filetrust's rule (it and every directory above it owned by root or this
// user and writable by no one else; not a symbolic link), be a regular file
// of at most MaxFileSize bytes, and nest no deeper than MaxNesting. Any
// problem is one error naming the file, and the line when the content is
// at fault.
func Load(path string, now time.Time) (*List, error) {
	f, err := formatOf(path)
	if err != nil {
		return nil, err
	}
	src, err := filetrust.ReadFile(path, filetrust.Options{MaxSize: MaxFileSize, Writers: true})
	if err != nil {
		return nil, err
	}
	err = f.nesting(src)
	if err == nil {
		var raw []rawEntry
		if raw, err = f.parse(path, src); err == nil {
			var l *List
			if l, err = validate(path, raw, now); err == nil {
				return l, nil
			}
		}
	}
	var le *lineError
	if errors.As(err, &le) {
		return nil, fmt.Errorf("%s:%d: %s", path, le.line, le.msg)
	}
	return nil, fmt.Errorf("%s: %w", path, err)
}

// format is how one kind of exceptions file is checked and parsed.
type format struct {
	// nesting fails when the source nests deeper than MaxNesting.
	nesting func(src []byte) error
	parse   func(path string, src []byte) ([]rawEntry, error)
}

// formatOf picks the format by the file's extension.
func formatOf(path string) (format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".hcl":
		return format{checkHCLNesting, parseHCL}, nil
	case ".yaml", ".yml":
		return format{checkYAMLNesting, parseYAML}, nil
	}
	return format{}, fmt.Errorf("%s: cannot tell the format from the name; an exceptions file ends in .hcl, .yaml or .yml", path)
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
