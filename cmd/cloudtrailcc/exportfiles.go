package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// newExportMode is the mode of an export file that did not exist: a report
// describes the account's security posture.
const newExportMode fs.FileMode = 0o600

// exportFile is one --export destination, checked, with its temporary
// file already created beside it.
type exportFile struct {
	export
	// mode is the final file's mode: the existing file's, else newExportMode.
	mode fs.FileMode
	tmp  *os.File
}

// exportFiles are a run's --export destinations. openExports checks them
// all before any AWS call; commit replaces them only when every one was
// written, so a failure leaves every destination as it was.
type exportFiles []*exportFile

// openExports checks every destination and creates its temporary file in
// the destination's directory, which proves that directory exists and is
// writable. A destination must be a regular file or not exist yet: a
// directory, FIFO, device or socket is refused, and so is a symbolic link
// (it is never replaced by a regular file, nor written through: a link
// planted in a shared directory would otherwise aim the report elsewhere).
// On error nothing is left behind.
func openExports(exports []export) (exportFiles, error) {
	var out exportFiles
	seen := map[string]bool{}
	for _, e := range exports {
		abs, err := filepath.Abs(e.path)
		if err != nil {
			out.discard()
			return nil, usageError("--export %s: %v", e.path, err)
		}
		if seen[abs] {
			out.discard()
			return nil, usageError("--export %s is given twice", e.path)
		}
		seen[abs] = true
		f, err := openExport(e)
		if err != nil {
			out.discard()
			return nil, asUsage(fmt.Errorf("--export %s: %w", e.path, err))
		}
		out = append(out, f)
	}
	return out, nil
}

// openExport checks one destination and creates its temporary file.
func openExport(e export) (*exportFile, error) {
	mode, err := exportMode(e.path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(e.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(e.path)+".*.tmp")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot create a file in %s: %w", dir, err)
	}
	return &exportFile{export: e, mode: mode, tmp: tmp}, nil
}

// exportMode returns the mode the written file gets, or why path cannot be
// an export destination.
func exportMode(path string) (fs.FileMode, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		d, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return 0, fmt.Errorf("directory %s does not exist", dir)
		case err != nil:
			return 0, fmt.Errorf("cannot read directory %s: %w", dir, err)
		case !d.IsDir():
			return 0, fmt.Errorf("%s is not a directory", dir)
		}
		return newExportMode, nil
	}
	if err != nil {
		return 0, err
	}
	m := fi.Mode()
	switch {
	case m&fs.ModeSymlink != 0:
		msg := "is a symbolic link; give the file it points to"
		if target, err := filepath.EvalSymlinks(path); err == nil {
			msg += " (" + target + ")"
		}
		return 0, errors.New(msg + ": exports never write through a link")
	case m.IsDir():
		return 0, errors.New("is a directory; give a file name")
	case m&fs.ModeNamedPipe != 0:
		return 0, errors.New("is a named pipe (FIFO), not a regular file")
	case m&fs.ModeSocket != 0:
		return 0, errors.New("is a socket, not a regular file")
	case m&fs.ModeDevice != 0:
		return 0, errors.New("is a device, not a regular file")
	case !m.IsRegular():
		return 0, errors.New("is not a regular file")
	}
	return m.Perm(), nil
}

// commit writes r to every temporary file and, only when all were written,
// renames each over its destination, printing one line per file on stderr.
func (files exportFiles) commit(r *report.Report, stderr io.Writer) error {
	for _, f := range files {
		if err := f.write(func(w io.Writer) error { return report.Write(w, r, f.format) }); err != nil {
			files.discard()
			return asUsage(fmt.Errorf("writing %s: %w; no export was replaced (%s left as they were)", f.path, err, files.paths()))
		}
	}
	for i, f := range files {
		if err := os.Rename(f.tmp.Name(), f.path); err != nil {
			files.discard()
			done := ""
			if i > 0 {
				done = "; already replaced: " + files[:i].paths()
			}
			return asUsage(fmt.Errorf("replacing %s: %w%s", f.path, err, done))
		}
		f.tmp = nil
		fmt.Fprintf(stderr, "wrote %s (%s)\n", f.path, f.format)
	}
	return nil
}

// write fills the temporary file and gives it the final mode.
func (f *exportFile) write(fill func(io.Writer) error) error {
	err := fill(f.tmp)
	if err == nil {
		err = f.tmp.Sync()
	}
	if err == nil {
		err = f.tmp.Chmod(f.mode)
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the temporary file's name means nothing to the user
	}
	return err
}

// discard removes the temporary files not renamed yet.
func (files exportFiles) discard() {
	for _, f := range files {
		if f.tmp != nil {
			_ = f.tmp.Close()
			_ = os.Remove(f.tmp.Name())
			f.tmp = nil
		}
	}
}

// paths lists the destinations.
func (files exportFiles) paths() string {
	var p []string
	for _, f := range files {
		p = append(p, f.path)
	}
	return strings.Join(p, ", ")
}
