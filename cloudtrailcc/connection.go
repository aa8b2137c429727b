package cloudtrailcc

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/exceptions"
)

// connections keeps each connection's settings, parsed and validated once
// per connection config and shared by every query and table of the
// connection. The exceptions file is read again only when it changes.
type connections struct {
	mu     sync.Mutex
	byName map[string]*connectionState
}

// connectionState is one connection's parsed configuration.
type connectionState struct {
	// key is the configuration's key plus its exceptions file: a new key
	// is a new configuration, parsed again.
	key string
	st  settings
	exc exceptionsFile
}

func newConnections() *connections {
	return &connections{byName: map[string]*connectionState{}}
}

// settings returns conn's settings and its exceptions (nil: none). A
// configuration that fails validation is parsed again on the next call,
// so its error always names every bad field as it stands.
func (cs *connections) settings(conn *plugin.Connection) (settings, *exceptions.List, error) {
	c, err := configOf(conn.Config)
	if err != nil {
		return settings{}, nil, err
	}
	key := c.key() + "\x00" + c.ExceptionsFile
	cs.mu.Lock()
	defer cs.mu.Unlock()
	s, ok := cs.byName[conn.Name]
	if !ok || s.key != key {
		st, errs := c.parse()
		if len(errs) > 0 {
			delete(cs.byName, conn.Name)
			_, _, err := c.settings() // the message joins the exceptions file's error too
			return settings{}, nil, err
		}
		s = &connectionState{key: key, st: st, exc: exceptionsFile{path: c.ExceptionsFile}}
		cs.byName[conn.Name] = s
	}
	exc, err := s.exc.current(time.Now())
	if err != nil {
		return settings{}, nil, invalidConfig([]error{exceptionsError(err)})
	}
	return s.st, exc, nil
}

// exceptionsFile is a connection's exceptions file and what was last read
// from it: read again only when the file is no longer the one read (another
// inode, size, mode, owner, or modification or change time).
type exceptionsFile struct {
	path  string
	read  fileStamp
	list  *exceptions.List
	valid bool
}

// fileStamp tells whether a file changed since it was read.
type fileStamp struct {
	dev, ino     uint64
	size         int64
	mode, uid    uint32
	mtime, ctime int64
}

// stampOf is path's stamp (of the link itself for a symbolic link, which
// exceptions.Load refuses).
func stampOf(path string) (fileStamp, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileStamp{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStamp{}, errors.New("no file status on this system")
	}
	return fileStamp{dev: uint64(st.Dev), ino: st.Ino, size: st.Size, mode: st.Mode, uid: st.Uid,
		mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}, nil
}

// current returns the file's exceptions (nil when the connection has
// none), reading the file with exceptions.Load when it changed since the
// last good read. The stamp is taken before the read: a change during the
// read is read again next time.
func (f *exceptionsFile) current(now time.Time) (*exceptions.List, error) {
	if f.path == "" {
		return nil, nil
	}
	stamp, statErr := stampOf(f.path)
	if statErr == nil && f.valid && stamp == f.read {
		return f.list, nil
	}
	l, err := exceptions.Load(f.path, now)
	if err != nil {
		f.valid, f.list = false, nil
		return nil, err
	}
	f.list, f.read, f.valid = l, stamp, statErr == nil
	return l, nil
}
