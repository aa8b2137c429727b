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
