package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/zclconf/go-cty/cty"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
)

// defaultConnection is the connection name when no .spc file names one.
const defaultConnection = "cloudtrailcc"

// globals are the flags every command shares: the plugin connection and logging.
type globals struct {
	configFile string
	connection string
	logLevel   string
	flags      *pflag.FlagSet
	// progress shows how far an organization audit is on stderr.
	progress accountProgress
}

// connectionFlag maps one CLI flag onto one attribute of the plugin's
// connection config (the same names as in a Steampipe .spc file).
type connectionFlag struct {
	flag, attr, kind, usage string
}

// connectionFlags are the flags that set the plugin's connection config.
var connectionFlags = []connectionFlag{
	{"profile", "profile", "string", "AWS shared-config profile (default: the SDK chain; AWS_PROFILE)"},
	{"region", "regions", "list", `region to evaluate; repeatable or comma-separated; wildcards such as "eu-*" (default "*": every enabled region; an empty value is an error)`},
	{"endpoint-url", "endpoint_url", "string", "AWS-compatible endpoint for every service, e.g. http://127.0.0.1:4566 (AWS_ENDPOINT_URL)"},
	{"access-key", "access_key", "string", "AWS access key ID (AWS_ACCESS_KEY_ID)"},
	{"secret-key", "secret_key", "string", "AWS secret access key (AWS_SECRET_ACCESS_KEY)"},
	{"session-token", "session_token", "string", "AWS session token (AWS_SESSION_TOKEN)"},
	{"max-error-retry-attempts", "max_error_retry_attempts", "int", "attempts of a throttled or 5xx call, the first included: 1 (no retry) to 50 (default 9, else AWS_MAX_ATTEMPTS)"},
	{"min-error-retry-delay", "min_error_retry_delay", "int", "first retry back-off in milliseconds, 1 to 5000 (default 25)"},
	{"config-change-lookback", "config_change_lookback", "string", `how far back config_changes looks, e.g. "24h" or "7d", at most "90d" (default "24h")`},
	{"config-change-event", "config_change_events", "list", "event name counted as a CloudTrail configuration change; repeatable (default: the built-in list)"},
	{"cache-ttl", "cache_ttl", "int", "seconds each AWS fact is reused, 1 to 86400 (default 300)"},
	{"max-concurrency", "max_concurrency", "int", "AWS calls in flight per service and region, S3 apart, 1 to 256 (default 8)"},
	{"max-s3-concurrency", "max_s3_concurrency", "int", "S3 calls in flight per region, 1 to 1024 (default 64)"},
	{"call-timeout", "call_timeout", "int", "seconds an AWS call may wait for its answer before its fact is reported as error, 1 to 600 (default 30)"},
	{"cache-dir", "cache_dir", "string", "directory keeping fact snapshots between runs for cache-ttl (default: none)"},
	{"exceptions", "exceptions_file", "path", "HCL (.hcl) or YAML (.yaml, .yml) file of accepted findings: a matching alarm is reported as skip and fails no run (default: none)"},
}

// register adds the connection flags to cmd, a command that calls AWS
// through the in-process plugin; commands that call no AWS API (rules,
// diff, postgres) do not list them.
func (g *globals) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&g.configFile, "config", "", "Steampipe .spc file holding a cloudtrailcc connection block; flags override its settings")
	fs.StringVar(&g.connection, "connection", "", "connection block of --config to use (default: the first cloudtrailcc connection)")
	fs.StringVar(&g.logLevel, "log-level", "", "log level on stderr: trace, debug, info, warn, error, off (default error; "+inproc.LogLevelEnv+")")
	for _, f := range allConnectionFlags() {
		switch f.kind {
		case "string", "path":
			fs.String(f.flag, "", f.usage)
		case "int":
			fs.Int(f.flag, 0, f.usage)
		case "list":
			fs.StringArray(f.flag, nil, f.usage)
		}
	}
	g.flags = fs
	run := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		g.flags = fs // the command that runs reads its own flags
		if run != nil {
			return run(c, args)
		}
		return nil
	}
}

// connectionConfig returns the plugin connection the flags describe: the
// chosen .spc connection block (if --config), overridden by every
// connection flag given. This is the one place the connection's HCL is
// built.
func (g *globals) connectionConfig() (inproc.Connection, error) {
	name := defaultConnection
	attrs := map[string]cty.Value{}
	if g.configFile != "" {
		n, a, err := readSPC(g.configFile, g.connection)
		if err != nil {
			return inproc.Connection{}, usageError("%v", err)
		}
		name, attrs = n, a
	} else if g.connection != "" {
		return inproc.Connection{}, usageError("--connection needs --config FILE.spc")
	}
	for _, f := range allConnectionFlags() {
		if !g.flags.Changed(f.flag) {
			continue
		}
		var v cty.Value
		switch f.kind {
		case "string":
			s, _ := g.flags.GetString(f.flag)
			v = cty.StringVal(s)
		case "path":
			// absolute, so that a connection file saved for later (the
			// Postgres bridge) names the same file from any directory
			s, _ := g.flags.GetString(f.flag)
			if s != "" {
				abs, err := filepath.Abs(s)
				if err != nil {
					return inproc.Connection{}, usageError("--%s %s: %v", f.flag, s, err)
				}
				s = abs
			}
			v = cty.StringVal(s)
		case "int":
			n, _ := g.flags.GetInt(f.flag)
			v = cty.NumberIntVal(int64(n))
		case "list":
			l, _ := g.flags.GetStringArray(f.flag)
			v = stringList(splitCommas(l))
		}
		attrs[f.attr] = v
	}
	return inproc.Connection{Name: name, Config: renderHCL(attrs)}, nil
}

// withAttrs returns c with attrs set, whatever the flags said (the demo
// points the connection at its emulator).
func withAttrs(c inproc.Connection, attrs map[string]cty.Value) (inproc.Connection, error) {
	parsed, err := parseBody([]byte(c.Config), "connection")
	if err != nil {
		return c, err
	}
	for k, v := range attrs {
		parsed[k] = v
	}
	c.Config = renderHCL(parsed)
	return c, nil
}

// splitCommas splits each value on commas ("--region a,b" = "--region a --region b").
func splitCommas(l []string) []string {
	var out []string
	for _, v := range l {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// stringList is a cty list of strings (an empty list when l is empty).
func stringList(l []string) cty.Value {
	if len(l) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(l))
	for i, s := range l {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// renderHCL writes attrs as an HCL body, attributes sorted by name.
func renderHCL(attrs map[string]cty.Value) string {
	f := hclwrite.NewEmptyFile()
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f.Body().SetAttributeValue(k, attrs[k])
	}
	return string(f.Bytes())
}

// readSPC reads a Steampipe .spc file and returns the chosen connection
// block's name and attributes (without plugin). With want empty it takes the
// first connection whose plugin is cloudtrailcc.
func readSPC(path, want string) (string, map[string]cty.Value, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("reading --config: %w", err)
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return "", nil, fmt.Errorf("parsing %s: %s", path, diags.Error())
	}
	body := f.Body.(*hclsyntax.Body)
	var names, ours []string
	blocks := map[string]*hclsyntax.Block{}
	for _, b := range body.Blocks {
		if b.Type != "connection" || len(b.Labels) != 1 {
			continue
		}
		name := b.Labels[0]
		names = append(names, name)
		blocks[name] = b
		if isOurPlugin(b) {
			ours = append(ours, name)
		}
	}
	if len(names) == 0 {
		return "", nil, fmt.Errorf("%s has no connection block", path)
	}
	name := want
	switch {
	case want != "":
		if _, ok := blocks[want]; !ok {
			return "", nil, fmt.Errorf("%s has no connection %q; connections: %s", path, want, strings.Join(names, ", "))
		}
	case len(ours) > 0:
		name = ours[0]
	default:
		return "", nil, fmt.Errorf("%s has no connection with plugin cloudtrailcc; connections: %s (choose one with --connection)", path, strings.Join(names, ", "))
	}
	attrs, err := blockAttrs(blocks[name].Body, path+": connection "+name, "options")
	if err != nil {
		return "", nil, err
	}
	for _, k := range steampipeConnectionKeys {
		delete(attrs, k)
	}
	return name, attrs, nil
}

// steampipeConnectionKeys are the attributes of a .spc connection block that
// Steampipe itself reads (the rest is the plugin's config); its "options"
// blocks are Steampipe's too.
var steampipeConnectionKeys = []string{"plugin", "type", "connections", "import_schema"}

// isOurPlugin reports whether a connection block's plugin is cloudtrailcc
// ("cloudtrailcc", "local/cloudtrailcc", "org/cloudtrailcc@latest", ...).
func isOurPlugin(b *hclsyntax.Block) bool {
	a, ok := b.Body.Attributes["plugin"]
	if !ok {
		return false
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.Type() != cty.String || v.IsNull() {
		return false
	}
	p := v.AsString()
	if i := strings.Index(p, "@"); i >= 0 {
		p = p[:i]
	}
	return p == "cloudtrailcc" || strings.HasSuffix(p, "/cloudtrailcc")
}

// parseBody parses an HCL body of literal attributes.
func parseBody(src []byte, what string) (map[string]cty.Value, error) {
	f, diags := hclsyntax.ParseConfig(src, what, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("parsing %s: %s", what, diags.Error())
	}
	return blockAttrs(f.Body.(*hclsyntax.Body), what)
}

// blockAttrs evaluates a body's attributes; they must be literals. Blocks
// other than the ignored kinds are an error.
func blockAttrs(body *hclsyntax.Body, what string, ignore ...string) (map[string]cty.Value, error) {
	out := map[string]cty.Value{}
	for name, a := range body.Attributes {
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			return nil, fmt.Errorf("%s: %s must be a literal value: %s", what, name, diags.Error())
		}
		out[name] = v
	}
	var kinds []string
	for _, b := range body.Blocks {
		if !slices.Contains(kinds, b.Type) && !slices.Contains(ignore, b.Type) {
			kinds = append(kinds, b.Type)
		}
	}
	if len(kinds) > 0 {
		return nil, fmt.Errorf("%s: unexpected blocks: %s", what, strings.Join(kinds, ", "))
	}
	return out, nil
}
