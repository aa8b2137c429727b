package inproc

import (
	"io"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc"
)

// defaultLogger logs to w at CLOUDTRAILCC_LOG_LEVEL (default warn). At
// levels above debug it drops the SDK's warnings that only echo a failed
// query's error, which Query returns anyway.
func defaultLogger(w io.Writer) hclog.Logger {
	level := hclog.Warn
	if v := os.Getenv(LogLevelEnv); v != "" {
		if l := hclog.LevelFromString(v); l != hclog.NoLevel {
			level = l
		}
	}
	opts := &hclog.LoggerOptions{Name: cloudtrailcc.PluginName, Level: level, Output: w}
	if level > hclog.Debug {
		opts.Exclude = func(_ hclog.Level, msg string, _ ...any) bool {
			msg = strings.TrimSpace(msg)
			for _, p := range queryErrorEchoes {
				if strings.HasPrefix(msg, p) {
					return true
				}
			}
			return false
		}
	}
	return hclog.New(opts)
}

// queryErrorEchoes start the SDK's log lines that repeat a query's error on
// its way to the caller (six lines per failed query).
var queryErrorEchoes = []string{
	"doList callHydrateWithRetries",
	"QueryData StreamError",
	"streamRows execution has failed",
	"queryData.streamRows returned error",
	"executeForConnection",
	"error channel received",
	"fetchItems returned an error",
}
