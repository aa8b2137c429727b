package mods

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// onDisk parses the mod directory as it is in the working tree (every .pp file).
func onDisk(t *testing.T) *Mod {
	t.Helper()
	m, err := Parse(os.DirFS(ModDir))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEveryPPFileIsParsedAndEmbedded(t *testing.T) {
	err := filepath.WalkDir(ModDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".pp") {
			return err
		}
		if filepath.Dir(path) != ModDir {
			t.Errorf("%s: .pp files must sit at the top of the mod (Powerpipe loads sub-folders too, but the embedded copy would miss it)", path)
		}
		disk, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		emb, err := embedded.ReadFile(filepath.ToSlash(path))
		if err != nil {
			t.Errorf("%s is not embedded: %v", path, err)
		} else if !bytes.Equal(disk, emb) {
			t.Errorf("%s: embedded copy differs", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(); err != nil {
		t.Fatal(err)
	}
}

func TestModBlock(t *testing.T) {
	m := onDisk(t)
	if m.Name != "cloudtrailcc" || m.Title == "" || m.Description == "" {
		t.Errorf("mod %q: title %q, description %q; want name cloudtrailcc and both set", m.Name, m.Title, m.Description)
	}
	for _, a := range []string{"documentation", "categories", "color"} {
		if !slices.Contains(m.Attributes, a) {
			t.Errorf("mod block lacks %s", a)
		}
	}
	doc, err := Documentation()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"powerpipe benchmark run", "cloudtrailcc postgres install", "--export", "250"} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/index.md does not mention %q", want)
		}
	}
}

func TestControlsAreComplete(t *testing.T) {
	m := onDisk(t)
	severities := []string{"none", "low", "medium", "high", "critical"}
	for name, c := range m.Controls {
		if c.Title == "" || c.Description == "" || c.SQL == "" {
			t.Errorf("control %s: title, description and sql are required", name)
		}
		if !slices.Contains(severities, c.Severity) {
			t.Errorf("control %s: severity %q, want one of %v", name, c.Severity, severities)
		}
		if c.Tags["service"] != "AWS/CloudTrail" || c.Tags["rule_id"] != name {
			t.Errorf("control %s: tags %v, want service AWS/CloudTrail and rule_id %s", name, c.Tags, name)
		}
		if c.SQL != ControlSQL(name) {
			t.Errorf("control %s: sql %q, want the rule's rows of cloudtrailcc_finding: %q", name, c.SQL, ControlSQL(name))
		}
	}
}

func TestControlsMatchCatalogue(t *testing.T) {
	m := onDisk(t)
	cat := rules.Catalogue()
	if len(m.Controls) != len(cat) || len(cat) != 14 {
		t.Fatalf("%d controls, %d rules; want 14 of each", len(m.Controls), len(cat))
	}
	for _, r := range cat {
		c, ok := m.Controls[r.ID]
		if !ok {
			t.Errorf("rule %s has no control", r.ID)
			continue
		}
		if c.Title != r.Title {
			t.Errorf("control %s: title %q, catalogue %q", r.ID, c.Title, r.Title)
		}
		if c.Description != r.Description {
			t.Errorf("control %s: description differs from the catalogue's", r.ID)
		}
		if c.Severity != string(r.Severity) {
			t.Errorf("control %s: severity %q, catalogue %q", r.ID, c.Severity, r.Severity)
		}
		if c.Tags["conformity_id"] != r.ConformityID {
			t.Errorf("control %s: conformity_id tag %q, catalogue %q", r.ID, c.Tags["conformity_id"], r.ConformityID)
		}
	}
}

func TestControlsFileIsGenerated(t *testing.T) {
	want, err := RenderControls(rules.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(ModDir, ControlsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date with the rules catalogue: run `go generate ./mods`", ControlsFile)
	}
}

func TestTagsFromCatalogue(t *testing.T) {
	r, _ := rules.Lookup("multi_region")
	tags := ControlTags(r)
	if tags["security_hub"] != "CloudTrail.1, CloudTrail.3" || !strings.HasPrefix(tags["cis"], "3.1") || tags["conformity_id"] != "CT-001" {
		t.Errorf("multi_region tags %v", tags)
	}
	r, _ = rules.Lookup("config_changes")
	if cis, ok := ControlTags(r)["cis"]; ok {
		t.Errorf("config_changes is only related to a CIS control, yet tagged cis = %q", cis)
	}
	r, _ = rules.Lookup("sns_topic_exists")
	if id, ok := ControlTags(r)["conformity_id"]; ok {
		t.Errorf("sns_topic_exists has no Conformity id, yet tagged %q", id)
	}
}

func TestBenchmarkTreeHoldsEachRuleOnce(t *testing.T) {
	m := onDisk(t)
	root, ok := m.Benchmarks[RootBenchmark]
	if !ok {
		t.Fatalf("no benchmark %s", RootBenchmark)
	}
	if root.Title == "" || root.Description == "" {
		t.Errorf("benchmark %s needs a title and a description", RootBenchmark)
	}
	if len(root.Children) != 5 {
		t.Errorf("%s has %d children, want the 5 sub-benchmarks", RootBenchmark, len(root.Children))
	}
	for _, ref := range root.Children {
		if !strings.HasPrefix(ref, "benchmark.") {
			t.Errorf("%s child %s is not a sub-benchmark", RootBenchmark, ref)
		}
	}
	leaves, err := m.Walk(RootBenchmark)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range leaves {
		got = append(got, l.Control.Name)
		if l.Group == root {
			t.Errorf("control %s sits directly under the root benchmark", l.Control.Name)
		}
		if l.Group.Title == "" || l.Group.Description == "" {
			t.Errorf("benchmark %s needs a title and a description", l.Group.Name)
		}
	}
	var want []string
	for _, r := range rules.Catalogue() {
		want = append(want, r.ID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("benchmark tree holds %v\nwant exactly the rule ids %v", got, want)
	}
	// Every declared benchmark is in the tree (no stray ones).
	_, groups, _ := m.tree(RootBenchmark)
	if len(groups) != len(m.Benchmarks) {
		t.Errorf("%d benchmarks declared, %d in the tree", len(m.Benchmarks), len(groups))
	}
}

func TestDashboardPanelsRunDeclaredQueries(t *testing.T) {
	m := onDisk(t)
	d, ok := m.Dashboards["cloudtrail_posture"]
	if !ok {
		t.Fatal("no dashboard cloudtrail_posture")
	}
	kinds := map[string]int{}
	for _, p := range d.Panels {
		kinds[p.Kind]++
		name, ok := strings.CutPrefix(p.Query, "query.")
		if !ok {
			t.Errorf("%s panel %q does not run a named query", p.Kind, p.Title)
			continue
		}
		if q, ok := m.Queries[name]; !ok || q.SQL == "" {
			t.Errorf("%s panel runs %s, which is not declared with sql", p.Kind, p.Query)
		}
	}
	if kinds["card"] < 3 || kinds["chart"] < 1 || kinds["table"] < 1 {
		t.Errorf("dashboard panels %v; want cards, a chart and a table", kinds)
	}
}

func TestParseRejectsBrokenTrees(t *testing.T) {
	for name, src := range map[string]string{
		"undeclared control": `benchmark "b" { children = [control.nope] }`,
		"cycle":              `benchmark "b" { children = [benchmark.b] }`,
	} {
		m, err := Parse(fstest.MapFS{"x.pp": {Data: []byte(src)}})
		if err == nil {
			_, err = m.Walk("b")
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, src := range map[string]string{
		"syntax":        `control "c" { title = }`,
		"non-literal":   `control "c" { title = var.x }`,
		"duplicate":     `control "c" {}` + "\n" + `control "c" {}`,
		"unknown block": `widget "w" {}`,
	} {
		if _, err := Parse(fstest.MapFS{"x.pp": {Data: []byte(src)}}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTagKeysArePowerpipeColumns(t *testing.T) {
	keys, err := onDisk(t).TagKeys(RootBenchmark)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cis", "conformity_id", "rule_id", "security_hub", "service"}
	if !slices.Equal(keys, want) {
		t.Errorf("tag keys %v, want %v", keys, want)
	}
}
