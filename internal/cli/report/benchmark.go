// Package report writes the findings of a cloudtrailcc check in the formats
// auditors' tools take: a terminal table, CSV in exactly the layout
// Powerpipe v1.5.2 exports for the mod's benchmark, JSON, the AWS Security
// Finding Format (ASFF) that Security Hub's BatchImportFindings accepts, and
// OCSF Compliance Finding events.
//
// The benchmark context of each finding (Powerpipe's group_id, title,
// description, control_id, control title and description, tags and
// dimension columns) comes from one place: the Powerpipe mod itself
// (package mods parses mods/cloudtrailcc/*.pp with hashicorp/hcl), so the
// CLI's CSV and `powerpipe benchmark run ... --export csv` agree.
package report

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/mods"
)

// Benchmark is the layout of the mod's root benchmark as Powerpipe runs it:
// its controls in tree order, each with the benchmark that directly holds it
// (Powerpipe's result group), the tag columns and the dimension columns.
type Benchmark struct {
	// ID is the root benchmark's full name, e.g.
	// "cloudtrailcc.benchmark.cloudtrail_best_practices".
	ID string
	// Title is the root benchmark's title.
	Title string
	// Controls are the controls in benchmark tree order (depth first).
	Controls []*Control
	// TagKeys are Powerpipe's tag columns: every tag key of the benchmark
	// tree, sorted.
	TagKeys []string
	// Dimensions are Powerpipe's dimension columns: the columns the
	// controls' queries select beside resource, status and reason, sorted by
	// key as Powerpipe sorts them.
	Dimensions []Dimension

	byRule map[string]*Control
}

// Control is one control of the benchmark with its result group.
type Control struct {
	// RuleID is the rule the control runs (the control's short name).
	RuleID string
	// ControlID is Powerpipe's control_id column: "control.NAME".
	ControlID string
	// FullName is the control's full name: "MOD.control.NAME".
	FullName string
	// Title, Description and Severity are the control's, as in the mod.
	Title, Description, Severity string
	// Tags are the control's tags (service, rule_id, conformity_id, cis,
	// security_hub).
	Tags map[string]string
	// GroupID, GroupTitle and GroupDescription describe the benchmark that
	// directly holds the control: Powerpipe's group_id, title and description.
	GroupID, GroupTitle, GroupDescription string
	// Order is the control's position in the benchmark tree.
	Order int
}

// Dimension is one dimension column of the benchmark's CSV.
type Dimension struct {
	// Key is the column name, e.g. "region".
	Key string
	// Null is what Powerpipe prints for a SQL NULL in this column: the
	// controls select the column bare, so Powerpipe formats the nil value
	// with fmt ("<nil>"); "" when the query coalesces it.
	Null string
}

// LoadBenchmark reads the root benchmark of the embedded Powerpipe mod.
func LoadBenchmark() (*Benchmark, error) {
	m, err := mods.Load()
	if err != nil {
		return nil, fmt.Errorf("loading the Powerpipe mod: %w", err)
	}
	return BenchmarkOf(m, mods.RootBenchmark)
}

// BenchmarkOf returns the layout of the named benchmark of m.
func BenchmarkOf(m *mods.Mod, benchmark string) (*Benchmark, error) {
	root, ok := m.Benchmarks[benchmark]
	if !ok {
		return nil, fmt.Errorf("the mod has no benchmark %q", benchmark)
	}
	leaves, err := m.Walk(benchmark)
	if err != nil {
		return nil, fmt.Errorf("walking benchmark %s: %w", benchmark, err)
	}
	tagKeys, err := m.TagKeys(benchmark)
	if err != nil {
		return nil, fmt.Errorf("tag keys of benchmark %s: %w", benchmark, err)
	}
	b := &Benchmark{
		ID:      m.GroupID(root),
		Title:   root.Title,
		TagKeys: tagKeys,
		byRule:  map[string]*Control{},
	}
	dims := map[string]Dimension{}
	for i, l := range leaves {
		c := &Control{
			RuleID:           l.Control.Name,
			ControlID:        mods.ControlID(l.Control),
			FullName:         m.Name + ".control." + l.Control.Name,
			Title:            l.Control.Title,
			Description:      l.Control.Description,
			Severity:         l.Control.Severity,
			Tags:             l.Control.Tags,
			GroupID:          m.GroupID(l.Group),
			GroupTitle:       l.Group.Title,
			GroupDescription: l.Group.Description,
			Order:            i,
		}
		if _, dup := b.byRule[c.RuleID]; dup {
			return nil, fmt.Errorf("control %s appears twice in benchmark %s", c.RuleID, benchmark)
		}
		ds, err := dimensionsOf(l.Control.SQL)
		if err != nil {
			return nil, fmt.Errorf("control %s: %w", c.RuleID, err)
		}
		for _, d := range ds {
			dims[d.Key] = d
		}
		b.Controls = append(b.Controls, c)
		b.byRule[c.RuleID] = c
	}
	for _, d := range dims {
		b.Dimensions = append(b.Dimensions, d)
	}
	sort.Slice(b.Dimensions, func(i, j int) bool { return b.Dimensions[i].Key < b.Dimensions[j].Key })
	return b, nil
}

// Control returns the control that runs ruleID.
func (b *Benchmark) Control(ruleID string) (*Control, bool) {
	c, ok := b.byRule[ruleID]
	return c, ok
}

// DimensionKeys returns the dimension column names in order.
func (b *Benchmark) DimensionKeys() []string {
	keys := make([]string, 0, len(b.Dimensions))
	for _, d := range b.Dimensions {
		keys = append(keys, d.Key)
	}
	return keys
}

// controlColumns are the columns Powerpipe reads as the control result
// itself; every other scalar column is a dimension.
var controlColumns = []string{"reason", "resource", "status"}

// dimensionColumns are the finding fields a control may select as
// dimensions.
var dimensionColumns = []string{"account_id", "region", "partition"}

var (
	selectList = regexp.MustCompile(`(?is)^\s*select\s+(.*?)\s+from\s`)
	bareColumn = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	aliased    = regexp.MustCompile(`(?is)^(.*?)\s+as\s+([a-z_][a-z0-9_]*)$`)
)

// dimensionsOf parses a control's select list into its dimension columns.
// The controls are simple selects from cloudtrailcc_finding; anything else
// is an error, so a change to the mod cannot silently change the columns.
func dimensionsOf(sql string) ([]Dimension, error) {
	m := selectList.FindStringSubmatch(sql)
	if m == nil {
		return nil, fmt.Errorf("cannot read the select list of %q", sql)
	}
	var out []Dimension
	for _, item := range splitTopLevel(m[1]) {
		expr, name := item, item
		if a := aliased.FindStringSubmatch(item); a != nil {
			expr, name = strings.TrimSpace(a[1]), a[2]
		}
		if slices.Contains(controlColumns, name) {
			continue
		}
		if !slices.Contains(dimensionColumns, name) {
			return nil, fmt.Errorf("dimension column %q is not one of %s", name, strings.Join(dimensionColumns, ", "))
		}
		d := Dimension{Key: name, Null: "<nil>"}
		if !bareColumn.MatchString(expr) {
			if !strings.HasPrefix(strings.ToLower(expr), "coalesce(") {
				return nil, fmt.Errorf("dimension %s: unsupported expression %q", name, expr)
			}
			d.Null = ""
		}
		out = append(out, d)
	}
	return out, nil
}

// splitTopLevel splits a select list on commas outside parentheses.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}
