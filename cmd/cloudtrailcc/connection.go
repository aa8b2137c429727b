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

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/options"
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

// connectionFlags are the connection config's arguments that have a CLI
// flag (cloudtrailcc/options: the one table of their names, ranges and
// defaults).
func connectionFlags() []options.Option {
	var out []options.Option
	for _, o := range options.All() {
		if o.Flag != "" {
			out = append(out, o)
		}
	}
	return out
}

// register adds the connection flags to cmd, a command that calls AWS
// through the in-process plugin; commands that call no AWS API (rules,
// diff, postgres) do not list them.
func (g *globals) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&g.configFile, "config", "", "Steampipe .spc file holding a cloudtrailcc connection block; flags override its settings")
	fs.StringVar(&g.connection, "connection", "", "connection block of --config to use (default: the first cloudtrailcc connection)")
	fs.StringVar(&g.logLevel, "log-level", "", "log level on stderr: trace, debug, info, warn, error, off (default error; "+inproc.LogLevelEnv+")")
	for _, o := range connectionFlags() {
		switch o.Kind {
		case options.String, options.Path:
			fs.String(o.Flag, "", o.Usage())
		case options.Int:
			fs.Int(o.Flag, 0, o.Usage())
		case options.List:
			fs.StringArray(o.Flag, nil, o.Usage())
		case options.Bool:
			fs.Bool(o.Flag, false, o.Usage())
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

// connection is the plugin connection the flags describe: its name and its
// config's attributes as values. It is rendered as HCL text only where the
// in-process plugin or a saved connection file needs text (hcl); what the
// CLI itself needs of it (a region, whether keys are set) it reads from the
// values, never by parsing the text again.
type connection struct {
	name  string
	attrs map[string]cty.Value
}

// hcl is the connection for the in-process plugin: its attributes as an
// HCL body, sorted by name. This is the one place the connection's HCL is
// built.
func (c connection) hcl() inproc.Connection {
	return inproc.Connection{Name: c.name, Config: renderHCL(c.attrs)}
}

// with returns c with attrs set, whatever the flags said (the demo points
// the connection at its emulator; the bridge adds its cache).
func (c connection) with(attrs map[string]cty.Value) connection {
	out := connection{name: c.name, attrs: make(map[string]cty.Value, len(c.attrs)+len(attrs))}
	for k, v := range c.attrs {
		out.attrs[k] = v
	}
	for k, v := range attrs {
		out.attrs[k] = v
	}
	return out
}

// has reports whether the connection sets attribute name.
func (c connection) has(name string) bool {
	_, ok := c.attrs[name]
	return ok
}

// str is string attribute name ("" when unset, null or not a string).
func (c connection) str(name string) string {
	v, ok := c.attrs[name]
	if !ok || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// firstRegion is the first concrete region of the connection's regions
// ("" when none or only wildcards).
func (c connection) firstRegion() string {
	v, ok := c.attrs["regions"]
	if !ok || v.IsNull() || !v.CanIterateElements() {
		return ""
	}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() == cty.String && !e.IsNull() && !strings.Contains(e.AsString(), "*") {
			return e.AsString()
		}
	}
	return ""
}

// connectionConfig returns the plugin connection the flags describe: the
// chosen .spc connection block (if --config), overridden by every
// connection flag given.
func (g *globals) connectionConfig() (connection, error) {
	name := defaultConnection
	attrs := map[string]cty.Value{}
	if g.configFile != "" {
		n, a, err := readSPC(g.configFile, g.connection)
		if err != nil {
			return connection{}, usageError("%v", err)
		}
		name, attrs = n, a
	} else if g.connection != "" {
		return connection{}, usageError("--connection needs --config FILE.spc")
	}
	for _, o := range connectionFlags() {
		if !g.flags.Changed(o.Flag) {
			continue
		}
		var v cty.Value
		switch o.Kind {
		case options.String:
			s, _ := g.flags.GetString(o.Flag)
			v = cty.StringVal(s)
		case options.Path:
			// absolute, so that a connection file saved for later (the
			// Postgres bridge) names the same file from any directory
			s, _ := g.flags.GetString(o.Flag)
			if s != "" {
				abs, err := filepath.Abs(s)
				if err != nil {
					return connection{}, usageError("--%s %s: %v", o.Flag, s, err)
				}
				s = abs
			}
			v = cty.StringVal(s)
		case options.Int:
			n, _ := g.flags.GetInt(o.Flag)
			v = cty.NumberIntVal(int64(n))
		case options.List:
			l, _ := g.flags.GetStringArray(o.Flag)
			if !o.Whole {
				l = splitCommas(l)
			}
			v = stringList(l)
		case options.Bool:
			b, _ := g.flags.GetBool(o.Flag)
			v = cty.BoolVal(b)
		}
		attrs[o.Name] = v
	}
	return connection{name: name, attrs: attrs}, nil
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
