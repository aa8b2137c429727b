package main

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
)

// logger returns the CLI's logger on stderr at --log-level, else
// CLOUDTRAILCC_LOG_LEVEL, else error: the SDK logs every failed
// query at warn, and the CLI prints the failure itself as one line.
func (g *globals) logger(stderr io.Writer) (hclog.Logger, error) {
	level := g.logLevel
	if level == "" {
		level = os.Getenv(inproc.LogLevelEnv)
	}
	lvl := hclog.Error
	if level != "" {
		lvl = hclog.LevelFromString(level)
		if lvl == hclog.NoLevel {
			return nil, usageError("unknown log level %q; valid levels: trace, debug, info, warn, error, off", level)
		}
	}
	return hclog.New(&hclog.LoggerOptions{Name: "cloudtrailcc", Level: lvl, Output: stderr}), nil
}

// openClient starts the plugin in-process with conn. A connection config the
// plugin rejects is a usage error naming the field.
func (g *globals) openClient(ctx context.Context, conn inproc.Connection, stderr io.Writer) (*inproc.Client, error) {
	log, err := g.logger(stderr)
	if err != nil {
		return nil, err
	}
	log.Debug("connection config", "connection", conn.Name, "fields", configFieldNames(conn.Config))
	c, err := inproc.New(ctx, []inproc.Connection{conn}, inproc.WithLogger(log), inproc.WithAccountProgress(g.progress.report))
	if err != nil {
		return nil, usageError("%s", cleanError(err))
	}
	warnAcceptAll(stderr, conn)
	return c, nil
}

// configFieldNames lists the attribute names of an HCL body (never values:
// they may be secrets).
func configFieldNames(body string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if name, _, ok := strings.Cut(line, "="); ok {
			out = append(out, strings.TrimSpace(name))
		}
	}
	return out
}

// cleanError reduces an error from the in-process plugin to its message:
// the RPC wrapping and the "TABLE: " and "CONNECTION: " prefixes the SDK
// adds go, one line stays.
func cleanError(err error, prefixes ...string) string {
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
	for _, p := range []string{"rpc error: code = Unknown desc = ", "rpc error: code = Internal desc = "} {
		if i := strings.LastIndex(msg, p); i >= 0 {
			msg = msg[i+len(p):]
		}
	}
	for trimmed := true; trimmed; {
		trimmed = false
		for _, p := range append(prefixes, cloudtrailcc.PluginName) {
			if rest, ok := strings.CutPrefix(msg, p+": "); ok {
				msg, trimmed = rest, true
			}
		}
	}
	return msg
}
