package main

import (
	"fmt"
	"io"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/exceptions"
)

// warnAcceptAll prints one "warning: " line on w for each unexpired entry
// of the connection's exceptions file that accepts every alarm (allow_all),
// so that every run that reads AWS says so. A file that cannot be read
// prints nothing here: the plugin refuses the connection with the reason.
func warnAcceptAll(w io.Writer, conn connection) {
	path := conn.str("exceptions_file")
	if path == "" {
		return
	}
	l, err := exceptions.Load(path, time.Now())
	if err != nil {
		return
	}
	for _, line := range l.Warnings(time.Now()) {
		fmt.Fprintln(w, "warning: "+line)
	}
}
