// Package filewatch counts how often a file is opened (Linux inotify), so
// that tests can prove a file is read once rather than per call.
package filewatch

import (
	"syscall"
	"testing"
	"unsafe"
)

// Opens watches path and returns a function that counts the times it was
// opened since. Closes are watched too, since inotify merges identical
// events that follow each other. The test is skipped where inotify is not
// available.
func Opens(t testing.TB, path string) func() int {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Skipf("no inotify here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if _, err := syscall.InotifyAddWatch(fd, path, syscall.IN_OPEN|syscall.IN_CLOSE_NOWRITE|syscall.IN_CLOSE_WRITE); err != nil {
		t.Skipf("no inotify here: %v", err)
	}
	opens := 0
	return func() int {
		buf := make([]byte, 64<<10)
		for {
			n, err := syscall.Read(fd, buf)
			if err == syscall.EAGAIN {
				return opens
			}
			if err != nil || n <= 0 {
				t.Fatalf("reading inotify events: %d bytes, %v", n, err)
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= n; {
				ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
				if ev.Mask&syscall.IN_OPEN != 0 {
					opens++
				}
				off += syscall.SizeofInotifyEvent + int(ev.Len)
			}
		}
	}
}
