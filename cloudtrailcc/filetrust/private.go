package filetrust

import (
	"fmt"
	"os"
)

// UnlinkedTemp creates a temporary file in dir (os.TempDir() when "") for
// this process alone: a new name from pattern (os.CreateTemp's), mode
// 0600, unlinked at once, so that nothing else can open it and nothing is
// left behind once it is closed. what names its content in errors ("the
// members' sealed role keys").
func UnlinkedTemp(dir, pattern, what string) (*os.File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("creating the file %s are kept in: %w", what, err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("unlinking %s, the file %s are kept in: %w", f.Name(), what, err)
	}
	return f, nil
}

// Spill keeps records (byte strings) one after another in memory or,
// once SpillTo has made one, in an unlinked temporary file of the
// process's own (UnlinkedTemp), and reads each back by where Append put
// it. It is not safe for concurrent use.
type Spill struct {
	file *os.File // nil: the records are in mem
	mem  []byte
	size int64 // the bytes appended
}

// SpillTo keeps the records appended from now on in a new unlinked
// temporary file in dir (see UnlinkedTemp for pattern and what). Call it
// before the first Append.
func (s *Spill) SpillTo(dir, pattern, what string) error {
	if s.size > 0 || s.file != nil {
		return fmt.Errorf("keeping %s in a file after some were kept", what)
	}
	f, err := UnlinkedTemp(dir, pattern, what)
	if err != nil {
		return err
	}
	s.file = f
	return nil
}

// Spilled reports whether the records are kept in a file.
func (s *Spill) Spilled() bool { return s.file != nil }

// Append adds b as the next record and returns where it starts.
func (s *Spill) Append(b []byte) (int64, error) {
	off := s.size
	if s.file != nil {
		if _, err := s.file.WriteAt(b, off); err != nil {
			return 0, err
		}
	} else {
		s.mem = append(s.mem, b...)
	}
	s.size += int64(len(b))
	return off, nil
}

// Read returns a copy of the n bytes at off.
func (s *Spill) Read(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off+int64(n) > s.size {
		return nil, fmt.Errorf("%d bytes at %d are past the %d kept", n, off, s.size)
	}
	buf := make([]byte, n)
	if s.file == nil {
		copy(buf, s.mem[off:])
		return buf, nil
	}
	if _, err := s.file.ReadAt(buf, off); err != nil {
		return nil, err
	}
	return buf, nil
}

// Size is the number of bytes appended.
func (s *Spill) Size() int64 { return s.size }

// File is the file the records are kept in (nil when in memory).
func (s *Spill) File() *os.File { return s.file }

// Close forgets the records and closes their file.
func (s *Spill) Close() error {
	f := s.file
	s.file, s.mem, s.size = nil, nil, 0
	if f == nil {
		return nil
	}
	return f.Close()
}
