// Package mods holds the cloudtrailcc Powerpipe mod (the .pp files in
// mods/cloudtrailcc, embedded) and reads its resources with hashicorp/hcl:
// benchmarks, controls, named queries and dashboards, with their variables
// and locals evaluated as Powerpipe evaluates them. The standalone CLI uses
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

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// ModDir is the mod's directory relative to this package.
const ModDir = "cloudtrailcc"

// RootBenchmark is the short name of the benchmark holding the fourteen
// rules' controls.
const RootBenchmark = "cloudtrail_best_practices"

// IntegrityBenchmark is the short name of the log file integrity benchmark
// (log_file_integrity.pp), beside RootBenchmark: its one control,
// IntegrityControl, reads cloudtrailcc_log_integrity, not a rule's findings.
const IntegrityBenchmark = "log_file_integrity"

// IntegrityControl is the short name of the control verifying the trails'
// digest chains.
const IntegrityControl = "log_files_intact"

//go:embed cloudtrailcc/*.pp cloudtrailcc/docs/*.md cloudtrailcc/docs/controls/*.md
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
	// Variables are the variable blocks, keyed by name.
	Variables map[string]*Variable
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
	// SQL is the control's query with the variables' values in place.
	SQL  string
	Tags map[string]string
	// Documentation is the control's markdown documentation.
	Documentation string
}

// Query is a named query block.
type Query struct {
	// Name is the short name; Powerpipe runs it as MOD.query.NAME.
	Name string
	// Title and SQL are the block's.
	Title string
	SQL   string
	// Params are the query's param blocks, in order: Powerpipe passes
	// their values as $1, $2, ...
	Params []Param
}

// Param is a param block of a query.
type Param struct {
	// Name is the argument name panels set in args.
	Name string
	// Description and Default are the block's ("" when absent).
	Description, Default string
}

// Dashboard is a dashboard block with the panels it holds.
type Dashboard struct {
	// Name is the short name; Powerpipe lists it as MOD.dashboard.NAME.
	Name  string
	Title string
	// Panels lists every card, chart, table... at any depth, in order.
	Panels []Panel
	// Containers lists every container's title, at any depth, in order
	// ("" for an untitled one).
	Containers []string
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
	// Args are the panel's named arguments to its query.
	Args map[string]string
	// Href is where the panel links to ("" when it links nowhere).
	Href string
	// Series maps each of a chart's series blocks to its color.
	Series map[string]string
}

// Load parses the embedded mod.
func Load() (*Mod, error) {
	sub, err := fs.Sub(embedded, ModDir)
	if err != nil {
		return nil, fmt.Errorf("mod files: %w", err)
	}
	return Parse(sub)
}

// Parse parses every .pp file at the top of fsys (a mod directory), each
// variable at its default.
func Parse(fsys fs.FS) (*Mod, error) { return ParseWith(fsys, nil) }

// ParseWith parses the mod at fsys with vars as the variables' values
// (Powerpipe's --var); variables not in vars take their default.
func ParseWith(fsys fs.FS, vars map[string]cty.Value) (*Mod, error) {
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
	bodies := make([]*hclsyntax.Body, len(names))
	for i, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		f, diags := parser.ParseHCL(src, name)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parsing %s: %w", name, diags)
		}
		bodies[i] = f.Body.(*hclsyntax.Body)
	}
	ctx, variables, err := evalContext(fsys, bodies, vars)
	if err != nil {
		return nil, err
	}
	m.Variables = variables
	for i, body := range bodies {
		if err := m.addFile(body, ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", names[i], err)
		}
	}
	return m, nil
}

// addFile adds the top-level blocks of one file (variables and locals are
// in ctx already).
func (m *Mod) addFile(body *hclsyntax.Body, ctx *hcl.EvalContext) error {
	if len(body.Attributes) > 0 {
		for name := range body.Attributes {
			return fmt.Errorf("unexpected top-level attribute %q", name)
		}
	}
	for _, b := range body.Blocks {
		if b.Type == "variable" || b.Type == "locals" {
			continue
		}
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
		a := &attrs{body: b.Body, ctx: ctx}
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
				Severity: a.str("severity"), SQL: a.str("sql"), Tags: a.strMap("tags"), Documentation: a.str("documentation")}
		case "query":
			_, ok := m.Queries[name]
			if err := dup(ok); err != nil {
				return err
			}
			q := &Query{Name: name, Title: a.str("title"), SQL: a.str("sql")}
			for _, pb := range b.Body.Blocks {
				if pb.Type != "param" || len(pb.Labels) != 1 {
					return fmt.Errorf("%s: query %q: unexpected %s block", pb.DefRange(), name, pb.Type)
				}
				pa := &attrs{body: pb.Body, ctx: ctx}
				q.Params = append(q.Params, Param{Name: pb.Labels[0], Description: pa.str("description"), Default: pa.str("default")})
				if err := pa.err(); err != nil {
					return fmt.Errorf("query %q param %q: %w", name, pb.Labels[0], err)
				}
			}
			m.Queries[name] = q
		case "dashboard":
			_, ok := m.Dashboards[name]
			if err := dup(ok); err != nil {
				return err
			}
			d := &Dashboard{Name: name, Title: a.str("title")}
			if err := d.addPanels(b.Body, ctx); err != nil {
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
func (d *Dashboard) addPanels(body *hclsyntax.Body, ctx *hcl.EvalContext) error {
	for _, b := range body.Blocks {
		switch {
		case b.Type == "container":
			a := &attrs{body: b.Body, ctx: ctx}
			d.Containers = append(d.Containers, a.str("title"))
			if err := a.err(); err != nil {
				return fmt.Errorf("%s: %w", b.DefRange(), err)
			}
			if err := d.addPanels(b.Body, ctx); err != nil {
				return err
			}
		case panelKinds[b.Type]:
			a := &attrs{body: b.Body, ctx: ctx}
			p := Panel{Kind: b.Type, Title: a.str("title"), SQL: a.str("sql"), Args: a.strMap("args"), Href: a.str("href")}
			for _, sb := range b.Body.Blocks {
				if sb.Type != "series" || len(sb.Labels) != 1 {
					continue
				}
				sa := &attrs{body: sb.Body, ctx: ctx}
				if p.Series == nil {
					p.Series = map[string]string{}
				}
				p.Series[sb.Labels[0]] = sa.str("color")
				if err := sa.err(); err != nil {
					return fmt.Errorf("%s: %w", sb.DefRange(), err)
				}
			}
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

// Documentation returns the mod's docs/index.md.
func Documentation() (string, error) {
	b, err := embedded.ReadFile(path.Join(ModDir, "docs", "index.md"))
	if err != nil {
		return "", fmt.Errorf("reading mod documentation: %w", err)
	}
	return string(b), nil
}
