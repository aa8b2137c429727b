package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// basePagesOnly asks the kernel to map this process, and every measuring
// process it starts (the setting is inherited across fork and exec), with
// base pages only, no transparent huge pages. Otherwise the kernel folds
// more of the benchmark's executable into 2 MiB pages the longer the
// binary is in use, and a process's resident set counts every 2 MiB page it
// touches: the same binary measured 18 MiB of such pages in a child started
// after twenty minutes of runs against 8 MiB in a new copy, so that a
// workload measured later in the page (W5 after W4), or for longer, looked
// larger for nothing it did. It returns whether the setting took.
func basePagesOnly() (bool, error) {
	if err := unix.Prctl(unix.PR_SET_THP_DISABLE, 1, 0, 0, 0); err != nil {
		return false, fmt.Errorf("turning transparent huge pages off for the measuring processes: %w", err)
	}
	v, err := unix.PrctlRetInt(unix.PR_GET_THP_DISABLE, 0, 0, 0, 0)
	if err != nil {
		return false, fmt.Errorf("reading back the transparent huge pages setting: %w", err)
	}
	return v == 1, nil
}
