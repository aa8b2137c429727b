// Package mods holds the cloudtrailcc Powerpipe mod (the .pp files in
// mods/cloudtrailcc, embedded) and reads its resources with hashicorp/hcl:
// benchmarks, controls, named queries and dashboards. The standalone CLI uses
// it to print findings in exactly the layout Powerpipe exports for the
// benchmark, and tests use it to hold the mod to the rules catalogue.
//
// controls.pp is generated from the rules catalogue (see RenderControls and
// `go generate ./mods`); the other .pp files are written by hand.
package mods

//go:generate go run ./gencontrols

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// ModDir is the mod's directory relative to this package.
const ModDir = "cloudtrailcc"

// RootBenchmark is the short name of the benchmark holding every control.
const RootBenchmark = "cloudtrail_best_practices"

//go:embed cloudtrailcc/*.pp cloudtrailcc/docs/index.md
var embedded embed.FS

// Mod is the parsed mod.
type Mod struct {
	// Name is the mod's name, e.g. "cloudtrailcc".
	Name string
	// Title and Description are the mod block's.
	Title, Description string
	// Benchmarks, Controls, Queries and Dashboards are keyed by short name.
	Benchmarks map[string]*Benchmark
	Controls   map[string]*Control
	Queries    map[string]*Query
	Dashboards map[string]*Dashboard
	// Attributes holds the mod block's attribute names (to check, e.g., that
	// documentation is set).
	Attributes []string
}

// Benchmark is a benchmark block.
type Benchmark struct {
	// Name is the short name; Powerpipe's group_id is Mod.Name + ".benchmark." + Name.
	Name        string
	Title       string
	Description string
	Tags        map[string]string
	// Children are the child references in order, as written:
	// "benchmark.NAME" or "control.NAME".
	Children []string
}

// Control is a control block.
type Control struct {
	// Name is the short name; Powerpipe's control_id is "control." + Name.
	Name        string
	Title       string
	Description string
	Severity    string
	SQL         string
	Tags        map[string]string
}

// Query is a named query block.
type Query struct {
	// Name is the short name; Powerpipe runs it as MOD.query.NAME.
	Name string
	// Title and SQL are the block's.
	Title string
	SQL   string
}

// Dashboard is a dashboard block with the panels it holds.
type Dashboard struct {
	// Name is the short name; Powerpipe lists it as MOD.dashboard.NAME.
	Name  string
	Title string
	// Panels lists every card, chart, table... at any depth, in order.
	Panels []Panel
}

// Panel is one dashboard panel: its kind and what it runs (a named query
// reference such as "query.alarms", or inline SQL).
type Panel struct {
	// Kind is the block type: card, chart, table...
	Kind  string
	Title string
	// Query is the named query the panel runs ("query.NAME"), if any.
	Query string
	// SQL is the panel's inline SQL, if any.
	SQL string
}

// Load parses the embedded mod.
func Load() (*Mod, error) {
	sub, err := fs.Sub(embedded, ModDir)
	if err != nil {
		return nil, fmt.Errorf("mod files: %w", err)
	}
	return Parse(sub)
}

// Parse parses every .pp file at the top of fsys (a mod directory).
func Parse(fsys fs.FS) (*Mod, error) {
	names, err := fs.Glob(fsys, "*.pp")
	if err != nil {
		return nil, fmt.Errorf("listing mod files: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no .pp files in the mod directory")
	}
	m := &Mod{
		Benchmarks: map[string]*Benchmark{},
		Controls:   map[string]*Control{},
		Queries:    map[string]*Query{},
		Dashboards: map[string]*Dashboard{},
	}
	parser := hclparse.NewParser()
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		f, diags := parser.ParseHCL(src, name)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parsing %s: %w", name, diags)
		}
		if err := m.addFile(f.Body.(*hclsyntax.Body)); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return m, nil
}

// addFile adds the top-level blocks of one file.
func (m *Mod) addFile(body *hclsyntax.Body) error {
	if len(body.Attributes) > 0 {
		for name := range body.Attributes {
			return fmt.Errorf("unexpected top-level attribute %q", name)
		}
	}
	for _, b := range body.Blocks {
		if len(b.Labels) != 1 {
			return fmt.Errorf("%s: %s block needs exactly one label", b.DefRange(), b.Type)
		}
		name := b.Labels[0]
		dup := func(exists bool) error {
			if exists {
				return fmt.Errorf("%s: %s %q declared twice", b.DefRange(), b.Type, name)
			}
			return nil
		}
		a := &attrs{body: b.Body}
		switch b.Type {
		case "mod":
			m.Name, m.Title, m.Description = name, a.str("title"), a.str("description")
			for k := range b.Body.Attributes {
				m.Attributes = append(m.Attributes, k)
			}
			sort.Strings(m.Attributes)
		case "benchmark":
			_, ok := m.Benchmarks[name]
			if err := dup(ok); err != nil {
				return err
			}
			children, err := a.refs("children")
			if err != nil {
				return err
			}
			m.Benchmarks[name] = &Benchmark{Name: name, Title: a.str("title"), Description: a.str("description"),
				Tags: a.strMap("tags"), Children: children}
		case "control":
			_, ok := m.Controls[name]
			if err := dup(ok); err != nil {
				return err
			}
			m.Controls[name] = &Control{Name: name, Title: a.str("title"), Description: a.str("description"),
				Severity: a.str("severity"), SQL: a.str("sql"), Tags: a.strMap("tags")}
		case "query":
			_, ok := m.Queries[name]
			if err := dup(ok); err != nil {
				return err
			}
			m.Queries[name] = &Query{Name: name, Title: a.str("title"), SQL: a.str("sql")}
		case "dashboard":
			_, ok := m.Dashboards[name]
			if err := dup(ok); err != nil {
				return err
			}
			d := &Dashboard{Name: name, Title: a.str("title")}
			if err := d.addPanels(b.Body); err != nil {
				return err
			}
			m.Dashboards[name] = d
		default:
			return fmt.Errorf("%s: unexpected %s block", b.DefRange(), b.Type)
		}
		if err := a.err(); err != nil {
			return fmt.Errorf("%s %q: %w", b.Type, name, err)
		}
	}
	return nil
}

// panelKinds are the dashboard blocks that run a query.
var panelKinds = map[string]bool{"card": true, "chart": true, "table": true, "graph": true,
	"flow": true, "hierarchy": true, "input": true, "image": true}

// addPanels collects the panels in body (containers nest).
func (d *Dashboard) addPanels(body *hclsyntax.Body) error {
	for _, b := range body.Blocks {
		switch {
		case b.Type == "container":
			if err := d.addPanels(b.Body); err != nil {
				return err
			}
		case panelKinds[b.Type]:
			a := &attrs{body: b.Body}
			p := Panel{Kind: b.Type, Title: a.str("title"), SQL: a.str("sql")}
			if q, ok := b.Body.Attributes["query"]; ok {
				ref, err := refOf(q.Expr)
				if err != nil {
					return err
				}
				p.Query = ref
			}
			if err := a.err(); err != nil {
				return fmt.Errorf("%s: %w", b.DefRange(), err)
			}
			d.Panels = append(d.Panels, p)
		}
	}
	return nil
}

// attrs reads literal attributes of a block body, remembering the first
// failure (a non-literal or mistyped value).
type attrs struct {
	body  *hclsyntax.Body
	first error
}

func (a *attrs) fail(err error) {
	if a.first == nil {
		a.first = err
	}
}

func (a *attrs) err() error { return a.first }

// value evaluates a literal attribute (no variables, no functions); the zero
// cty.Value when it is absent.
func (a *attrs) value(name string) cty.Value {
	attr, ok := a.body.Attributes[name]
	if !ok {
		return cty.NilVal
	}
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() {
		a.fail(fmt.Errorf("%s: %s is not a literal value: %w", attr.SrcRange, name, diags))
		return cty.NilVal
	}
	return v
}

// str returns a string attribute ("" when absent).
func (a *attrs) str(name string) string {
	v := a.value(name)
	if v == cty.NilVal || v.IsNull() {
		return ""
	}
	if v.Type() != cty.String {
		a.fail(fmt.Errorf("%s must be a string, not %s", name, v.Type().FriendlyName()))
		return ""
	}
	return v.AsString()
}

// strMap returns a map-of-strings attribute (nil when absent).
func (a *attrs) strMap(name string) map[string]string {
	v := a.value(name)
	if v == cty.NilVal || v.IsNull() {
		return nil
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		a.fail(fmt.Errorf("%s must be a map of strings", name))
		return nil
	}
	out := map[string]string{}
	for k, e := range v.AsValueMap() {
		if e.Type() != cty.String {
			a.fail(fmt.Errorf("%s.%s must be a string", name, k))
			continue
		}
		out[k] = e.AsString()
	}
	return out
}

// refs returns a list attribute of resource references ("benchmark.x").
func (a *attrs) refs(name string) ([]string, error) {
	attr, ok := a.body.Attributes[name]
	if !ok {
		return nil, nil
	}
	exprs, diags := hcl.ExprList(attr.Expr)
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s must be a list of references: %w", attr.SrcRange, name, diags)
	}
	var out []string
	for _, e := range exprs {
		ref, err := refOf(e)
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, nil
}

// refOf turns a reference expression (control.x) into "control.x".
func refOf(e hcl.Expression) (string, error) {
	t, diags := hcl.AbsTraversalForExpr(e)
	if diags.HasErrors() {
		return "", fmt.Errorf("%s: not a reference: %w", e.Range(), diags)
	}
	var parts []string
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, s.Name)
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		default:
			return "", fmt.Errorf("%s: unsupported reference", e.Range())
		}
	}
	return strings.Join(parts, "."), nil
}

// Leaf is a control as Powerpipe runs it in a benchmark: the control and
// the benchmark directly holding it (its result group).
type Leaf struct {
	Control *Control
	Group   *Benchmark
}

// Walk returns the controls under the named benchmark, depth first in
// children order, each with its direct parent benchmark.
func (m *Mod) Walk(benchmark string) ([]Leaf, error) {
	leaves, _, err := m.tree(benchmark)
	return leaves, err
}

// tree walks the named benchmark: its controls (as Walk) and every
// benchmark in it, itself included.
func (m *Mod) tree(benchmark string) ([]Leaf, []*Benchmark, error) {
	var leaves []Leaf
	var groups []*Benchmark
	seen := map[string]bool{}
	var walk func(name string) error
	walk = func(name string) error {
		b, ok := m.Benchmarks[name]
		if !ok {
			return fmt.Errorf("benchmark %q is not declared", name)
		}
		if seen[name] {
			return fmt.Errorf("benchmark %q is reached twice", name)
		}
		seen[name] = true
		groups = append(groups, b)
		for _, ref := range b.Children {
			kind, child, _ := strings.Cut(ref, ".")
			switch kind {
			case "benchmark":
				if err := walk(child); err != nil {
					return err
				}
			case "control":
				c, ok := m.Controls[child]
				if !ok {
					return fmt.Errorf("benchmark %q: control %q is not declared", name, child)
				}
				leaves = append(leaves, Leaf{Control: c, Group: b})
			default:
				return fmt.Errorf("benchmark %q: child %q is neither a benchmark nor a control", name, ref)
			}
		}
		return nil
	}
	if err := walk(benchmark); err != nil {
		return nil, nil, err
	}
	return leaves, groups, nil
}

// GroupID is Powerpipe's group_id for a benchmark: "MOD.benchmark.NAME".
func (m *Mod) GroupID(b *Benchmark) string { return m.Name + ".benchmark." + b.Name }

// ControlID is Powerpipe's control_id column for a control run inside a
// benchmark: "control.NAME".
func ControlID(c *Control) string { return "control." + c.Name }

// TagKeys returns, sorted, every tag key of the named benchmark, the
// benchmarks under it and their controls: the tag columns Powerpipe's CSV
// export appends.
func (m *Mod) TagKeys(benchmark string) ([]string, error) {
	leaves, groups, err := m.tree(benchmark)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, l := range leaves {
		for k := range l.Control.Tags {
			keys[k] = true
		}
	}
	for _, g := range groups {
		for k := range g.Tags {
			keys[k] = true
		}
	}
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

// Documentation returns the mod's docs/index.md.
func Documentation() (string, error) {
	b, err := embedded.ReadFile(path.Join(ModDir, "docs", "index.md"))
	if err != nil {
		return "", fmt.Errorf("reading mod documentation: %w", err)
	}
	return string(b), nil
}
