package mods

import (
	"fmt"
	"sort"
	"strings"
)

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
