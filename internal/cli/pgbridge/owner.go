package pgbridge

import (
	"context"
	"net/url"
	"os"
	"syscall"
)

// Owner is the OS user that owns the database server's data directory: the
// user the server, and so every foreign-table program, runs as.
type Owner struct {
	UID, GID int
	// Known is false when the data directory could not be read (the role
	// may not see it, or the server runs on another machine).
	Known bool
}

// ServerOwner connects to the database and finds its server's OS user by
// stat-ing its data directory on this machine. A connection failure is an
// error (one line); not being able to tell is not.
func ServerOwner(ctx context.Context, databaseURL string) (Owner, error) {
	conn, err := connect(ctx, databaseURL)
	if err != nil {
		return Owner{}, err
	}
	defer conn.Close(context.Background())
	var dir string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		return Owner{}, nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return Owner{}, nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return Owner{}, nil
	}
	return Owner{UID: int(st.Uid), GID: int(st.Gid), Known: true}, nil
}

// Redact returns a connection URL with its password replaced by "xxxxx";
// a key=value connection string is returned as "(connection string)".
func Redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || u.Scheme == "" {
		return "(connection string)"
	}
	return u.Redacted()
}
