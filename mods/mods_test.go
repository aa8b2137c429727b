package mods

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/zclconf/go-cty/cty"

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
		if c.Title == "" || c.Description == "" || c.SQL == "" || c.Documentation == "" {
			t.Errorf("control %s: title, description, sql and documentation are required", name)
		}
		if !slices.Contains(severities, c.Severity) {
			t.Errorf("control %s: severity %q, want one of %v", name, c.Severity, severities)
		}
		if name == IntegrityControl {
			continue // no rule's control: TestIntegrityBenchmark checks it
		}
		// A main control is named by its rule id; a CIS control names it in
		// its rule_id tag.
		rule := c.Tags["rule_id"]
		if _, ok := rules.Lookup(rule); !ok {
			t.Errorf("control %s: rule_id tag %q is no rule of the catalogue", name, rule)
		}
		if _, isRule := rules.Lookup(name); isRule && rule != name {
			t.Errorf("control %s: rule_id tag %q, want its own name", name, rule)
		}
		for k, want := range map[string]string{"category": "Compliance", "plugin": "cloudtrailcc"} {
			if c.Tags[k] != want {
				t.Errorf("control %s: tag %s = %q, want %q (tags %v)", name, k, c.Tags[k], want, c.Tags)
			}
		}
		// With the default common_dimensions: the rule's rows of
		// cloudtrailcc_finding as the control reports them, with account_id
		// and region.
		want := "select resource, control_status as status, control_reason as reason, account_id, region from cloudtrailcc_finding where rule_id = '" + rule + "'"
		if c.SQL != want {
			t.Errorf("control %s: sql %q, want %q", name, c.SQL, want)
		}
	}
}

func TestControlDocumentationIsTheCatalogues(t *testing.T) {
	m := onDisk(t)
	for _, r := range rules.Catalogue() {
		c, ok := m.Controls[r.ID]
		if !ok {
			continue // TestControlsMatchCatalogue reports it
		}
		doc := c.Documentation
		for _, want := range []string{"## Description\n\n" + r.Description, "## Remediation\n\n" + r.Remediation,
			"### In the AWS console", "### With the AWS CLI\n\n```sh\n" + r.RemediationCLI + "\n```", "## References"} {
			if !strings.Contains(doc, want) {
				t.Errorf("control %s documentation lacks %q", r.ID, want)
			}
		}
		for _, want := range append(slices.Clone(r.References), r.IAMActions...) {
			if !strings.Contains(doc, want) {
				t.Errorf("control %s documentation does not name %s", r.ID, want)
			}
		}
		if r.Scope == rules.ScopeBucket && !strings.Contains(doc, "console.aws.amazon.com/s3/") {
			t.Errorf("control %s is about buckets, yet its documentation does not point at the S3 console", r.ID)
		}
	}
	r, _ := rules.Lookup("kms_encryption")
	if doc := m.Controls[r.ID].Documentation; !strings.Contains(doc, "Replace `TRAIL_NAME`, `KMS_KEY_ARN` with your values.") {
		t.Errorf("kms_encryption documentation does not name the CLI placeholders:\n%s", doc)
	}
}

// cisMapped returns the catalogue's rules with a CIS AWS Foundations
// related entry that is not marked "not equal".
func cisMapped() []string {
	var out []string
	for _, r := range rules.Catalogue() {
		for _, rel := range r.Related {
			if strings.HasPrefix(rel, "CIS AWS Foundations ") && !strings.Contains(rel, "not equal") {
				out = append(out, r.ID)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// mainControls returns the controls of the main benchmark, by name.
func mainControls(t *testing.T, m *Mod) map[string]*Control {
	t.Helper()
	leaves, err := m.Walk(RootBenchmark)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*Control{}
	for _, l := range leaves {
		out[l.Control.Name] = l.Control
	}
	return out
}

func TestCISTagsAreTheCISMappedRules(t *testing.T) {
	m := onDisk(t)
	var tagged []string
	for name, c := range mainControls(t, m) {
		if c.Tags["cis_item_id"] != "" || c.Tags["cis_version"] != "" {
			t.Errorf("main control %s carries a CIS item (%v): item numbers differ between CIS versions, they belong on the CIS benchmarks' controls", name, c.Tags)
		}
		switch c.Tags["cis"] {
		case "":
		case "true":
			tagged = append(tagged, name)
		default:
			t.Errorf("control %s: cis = %q, want \"true\"", name, c.Tags["cis"])
		}
	}
	slices.Sort(tagged)
	if want := cisMapped(); !slices.Equal(tagged, want) {
		t.Errorf("controls tagged cis = \"true\": %v\nthe catalogue's CIS-mapped rules: %v", tagged, want)
	}
	if len(tagged) == 0 {
		t.Error("no control is tagged cis = \"true\"")
	}
}

// Every CIS benchmark control carries one item, one section and one
// version, each a single value that the catalogue maps its rule to.
func TestCISControlsCarryOneValuePerTag(t *testing.T) {
	m := onDisk(t)
	main := mainControls(t, m)
	inCIS := map[string]string{}
	for _, b := range CISBenchmarks(rules.Catalogue()) {
		bm, ok := m.Benchmarks[b.Name]
		if !ok || bm.Tags["cis_version"] != b.Versions || bm.Tags["type"] != "Benchmark" {
			t.Errorf("benchmark %s: missing or mis-tagged (%v)", b.Name, bm)
			continue
		}
		leaves, err := m.Walk(b.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leaves {
			c := l.Control
			if prev, dup := inCIS[c.Name]; dup {
				t.Errorf("control %s is in %s and %s", c.Name, prev, b.Name)
			}
			inCIS[c.Name] = b.Name
			if _, ok := main[c.Name]; ok {
				t.Errorf("CIS control %s is in the main benchmark too", c.Name)
			}
			item, section, version := c.Tags["cis_item_id"], c.Tags["cis_section_id"], c.Tags["cis_version"]
			if c.Tags["cis"] != "true" || !regexp.MustCompile(`^[0-9]+(\.[0-9]+)+$`).MatchString(item) ||
				!strings.HasPrefix(item, section+".") || version != b.Versions {
				t.Errorf("control %s: cis %q, cis_item_id %q, cis_section_id %q, cis_version %q: want one item, its section and %s", c.Name, c.Tags["cis"], item, section, version, b.Versions)
			}
			r, _ := rules.Lookup(c.Tags["rule_id"])
			if r == nil || !strings.Contains(strings.Join(r.Related, "\n"), "("+version+")") {
				t.Errorf("control %s: rule %s is not mapped to CIS %s by the catalogue", c.Name, c.Tags["rule_id"], version)
			}
		}
	}
	for name := range m.Controls {
		if _, ok := main[name]; !ok && inCIS[name] == "" && name != IntegrityControl {
			t.Errorf("control %s is in no benchmark", name)
		}
	}
	// The items the issue tracker and the compliance mod name.
	for _, want := range []struct{ control, item, rule string }{
		{"cis_v3_v5_3_4", "3.4", "bucket_access_logging"},
		{"cis_v6_v7_4_4", "4.4", "bucket_access_logging"},
		{"cis_v1_3_v2_0_3_3", "3.3", "bucket_not_public"},
		{"cis_v3_v5_3_8", "3.8", "data_events"},
		{"cis_v3_v5_3_9", "3.9", "data_events"},
		{"cis_v3_v5_3_1_multi_region", "3.1", "multi_region"},
	} {
		c, ok := m.Controls[want.control]
		if !ok || c.Tags["cis_item_id"] != want.item || c.Tags["rule_id"] != want.rule {
			t.Errorf("control %s: want CIS %s checked by %s, got %v", want.control, want.item, want.rule, c)
		}
	}
}

func TestControlsMatchCatalogue(t *testing.T) {
	m := onDisk(t)
	cat := rules.Catalogue()
	if main := mainControls(t, m); len(main) != len(cat) || len(cat) != 14 {
		t.Fatalf("%d controls in %s, %d rules; want 14 of each", len(main), RootBenchmark, len(cat))
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
		wantService := "AWS/CloudTrail"
		if r.Scope == rules.ScopeBucket {
			wantService = "AWS/S3"
		}
		if c.Tags["service"] != wantService {
			t.Errorf("control %s (scope %s): service tag %q, want %q", r.ID, r.Scope, c.Tags["service"], wantService)
		}
	}
}

func TestGeneratedFilesAreUpToDate(t *testing.T) {
	files, err := Generated(rules.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(ModDir, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is out of date with the rules catalogue (%v): run `go generate ./mods`", name, err)
		}
	}
	docs, err := filepath.Glob(filepath.Join(ModDir, filepath.FromSlash(ControlDocsDir), "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != len(rules.Catalogue()) {
		t.Errorf("%s holds %d files, want one per rule (%d): run `go generate ./mods`", ControlDocsDir, len(docs), len(rules.Catalogue()))
	}
}

func TestTagsFromCatalogue(t *testing.T) {
	r, _ := rules.Lookup("multi_region")
	tags := ControlTags(r)
	if tags["security_hub"] != "CloudTrail.1, CloudTrail.3" || tags["conformity_id"] != "CT-001" || tags["service"] != "AWS/CloudTrail" ||
		tags["cis"] != "true" || tags["cis_item_id"] != "" || tags["cis_version"] != "" {
		t.Errorf("multi_region tags %v", tags)
	}
	r, _ = rules.Lookup("config_changes")
	if cis, ok := ControlTags(r)["cis"]; ok {
		t.Errorf("config_changes is only related to a CIS control, yet tagged cis = %q", cis)
	}
	// The catalogue names no CIS version for this item: it is CIS-mapped,
	// in no CIS benchmark.
	r, _ = rules.Lookup("bucket_mfa_delete")
	if tags := ControlTags(r); tags["cis"] != "true" || tags["service"] != "AWS/S3" {
		t.Errorf("bucket_mfa_delete tags %v, want cis = true, service AWS/S3", tags)
	}
	for _, b := range CISBenchmarks(rules.Catalogue()) {
		for _, c := range b.Controls {
			if c.Rule.ID == "bucket_mfa_delete" {
				t.Errorf("bucket_mfa_delete (no CIS version in the catalogue) is in %s", b.Name)
			}
		}
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
	// Every declared benchmark is in the tree, is a CIS benchmark or is the
	// log file integrity benchmark (no stray ones).
	_, groups, _ := m.tree(RootBenchmark)
	if cis := CISBenchmarks(rules.Catalogue()); len(groups)+len(cis)+1 != len(m.Benchmarks) || m.Benchmarks[IntegrityBenchmark] == nil {
		t.Errorf("%d benchmarks declared, %d in the tree, %d CIS benchmarks, and %s", len(m.Benchmarks), len(groups), len(cis), IntegrityBenchmark)
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
		"syntax":         `control "c" { title = }`,
		"undeclared var": `control "c" { title = var.x }`,
		"locals cycle":   `locals {` + "\n" + `a = local.b` + "\n" + `b = local.a` + "\n}",
		"missing file":   `control "c" { documentation = file("./docs/none.md") }`,
		"duplicate":      `control "c" {}` + "\n" + `control "c" {}`,
		"unknown block":  `widget "w" {}`,
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
	want := []string{"category", "cis", "conformity_id", "plugin", "rule_id", "security_hub", "service", "type"}
	if !slices.Equal(keys, want) {
		t.Errorf("tag keys %v, want %v", keys, want)
	}
}

func TestCommonDimensionsVariable(t *testing.T) {
	m := onDisk(t)
	v, ok := m.Variables["common_dimensions"]
	if !ok || v.Description == "" {
		t.Fatal("no documented common_dimensions variable")
	}
	if got := v.Default.AsValueSlice(); len(got) != 2 || got[0].AsString() != "account_id" || got[1].AsString() != "region" {
		t.Errorf("common_dimensions default %#v, want [account_id, region]", v.Default)
	}
	list := func(names ...string) map[string]cty.Value {
		vals := make([]cty.Value, len(names))
		for i, n := range names {
			vals[i] = cty.StringVal(n)
		}
		return map[string]cty.Value{"common_dimensions": cty.ListVal(vals)}
	}
	withConn, err := ParseWith(os.DirFS(ModDir), list("account_id", "region", "connection_name"))
	if err != nil {
		t.Fatal(err)
	}
	if len(withConn.Controls) != len(m.Controls) {
		t.Fatalf("%d controls", len(withConn.Controls))
	}
	for name, c := range withConn.Controls {
		if name == IntegrityControl {
			if !strings.Contains(c.SQL, "trail_arn, account_id, region, _ctx ->> 'connection_name' as connection_name\nfrom") {
				t.Errorf("control %s with connection_name: sql %q lacks the dimensions", name, c.SQL)
			}
			continue
		}
		want := "select resource, control_status as status, control_reason as reason, account_id, region, _ctx ->> 'connection_name' as connection_name from cloudtrailcc_finding where rule_id = '" + c.Tags["rule_id"] + "'"
		if c.SQL != want {
			t.Errorf("control %s with connection_name: sql %q\nwant %q", name, c.SQL, want)
		}
	}
	regionOnly, err := ParseWith(os.DirFS(ModDir), list("region"))
	if err != nil {
		t.Fatal(err)
	}
	if sql := regionOnly.Controls["multi_region"].SQL; !strings.HasPrefix(sql, "select resource, control_status as status, control_reason as reason, region from ") {
		t.Errorf("multi_region with region only: %q", sql)
	}
	if _, err := ParseWith(os.DirFS(ModDir), list("account_id", "owner")); err == nil {
		t.Errorf("an unknown dimension was accepted (err %v)", err)
	}
	if _, err := ParseWith(os.DirFS(ModDir), map[string]cty.Value{"nope": cty.True}); err == nil {
		t.Error("a value for an undeclared variable was accepted")
	}
}

// tag_dimensions adds one column per tag key, the value of that tag on the
// finding's resource, the key quoted for SQL; by default no tags column is
// selected, so a run reads no tags.
func TestTagDimensionsVariable(t *testing.T) {
	m := onDisk(t)
	v, ok := m.Variables["tag_dimensions"]
	if !ok || v.Description == "" {
		t.Fatal("no documented tag_dimensions variable")
	}
	if got := v.Default.AsValueSlice(); len(got) != 0 {
		t.Errorf("tag_dimensions default %#v, want []", v.Default)
	}
	for name, c := range m.Controls {
		if strings.Contains(c.SQL, "tags") {
			t.Errorf("control %s selects tags by default: %q", name, c.SQL)
		}
	}
	keys := cty.ListVal([]cty.Value{cty.StringVal("owner"), cty.StringVal(`it's "x"`)})
	tagged, err := ParseWith(os.DirFS(ModDir), map[string]cty.Value{"tag_dimensions": keys})
	if err != nil {
		t.Fatal(err)
	}
	if len(tagged.Controls) != len(m.Controls) {
		t.Fatalf("%d controls", len(tagged.Controls))
	}
	n := 0
	for name, c := range tagged.Controls {
		if c.Tags["rule_id"] == "" {
			continue // not a rule's control: its table has no tags
		}
		n++
		want := "select resource, control_status as status, control_reason as reason, account_id, region" +
			`, tags ->> 'owner' as "owner", tags ->> 'it''s "x"' as "it's ""x"""` +
			" from cloudtrailcc_finding where rule_id = '" + c.Tags["rule_id"] + "'"
		if c.SQL != want {
			t.Errorf("control %s with tag_dimensions: sql %q\nwant %q", name, c.SQL, want)
		}
	}
	if n < len(rules.Catalogue()) {
		t.Errorf("%d rule controls carry the tag dimensions, want every rule's (%d)", n, len(rules.Catalogue()))
	}
}

func TestSeverityCardsShareOneQuery(t *testing.T) {
	m := onDisk(t)
	var severities []string
	for _, p := range m.Dashboards["cloudtrail_posture"].Panels {
		q := m.Queries[strings.TrimPrefix(p.Query, "query.")]
		if q == nil {
			continue // TestDashboardPanelsRunDeclaredQueries reports it
		}
		var params []string
		for _, prm := range q.Params {
			params = append(params, prm.Name)
		}
		for arg := range p.Args {
			if !slices.Contains(params, arg) {
				t.Errorf("%s panel passes %s to %s, which has params %v", p.Kind, arg, p.Query, params)
			}
		}
		if p.Query == "query.alarm_count" {
			severities = append(severities, p.Args["severity"])
		}
	}
	if want := []string{"critical", "high", "medium", "low"}; !slices.Equal(severities, want) {
		t.Errorf("alarm_count cards for severities %v, want %v", severities, want)
	}
	seen := map[string]string{}
	for name, q := range m.Queries {
		if other, dup := seen[q.SQL]; dup {
			t.Errorf("queries %s and %s have the same SQL: one query with a param instead", name, other)
		}
		seen[q.SQL] = name
	}
}

// statusColors are the colours Powerpipe v1.5.2's benchmark view gives each
// control status (ui/dashboard: ok bg-ok, alarm bg-alert, info bg-info,
// skip bg-skip #7d8998; error is drawn apart from alarm, here in the
// theme's orange #ff832b).
var statusColors = map[string]string{"ok": "ok", "alarm": "alert", "error": "#ff832b", "info": "info", "skip": "#7d8998"}

func TestDashboardCountsControlStatusInTheBenchmarksColours(t *testing.T) {
	m := onDisk(t)
	d := m.Dashboards["cloudtrail_posture"]
	if d == nil {
		t.Fatal("no dashboard cloudtrail_posture")
	}
	for i, title := range d.Containers {
		if title == "" {
			t.Errorf("container %d has no title", i+1)
		}
	}
	// A bare status column counts a suppressed alarm as an alarm, where the
	// benchmark reports a skip.
	bareStatus := regexp.MustCompile(`(^|[^_a-z])status\b`)
	cardStatuses := map[string]bool{}
	for _, p := range d.Panels {
		q := m.Queries[strings.TrimPrefix(p.Query, "query.")]
		if q == nil {
			continue // TestDashboardPanelsRunDeclaredQueries reports it
		}
		if strings.Contains(q.SQL, "cloudtrailcc_finding") {
			if !strings.Contains(q.SQL, "control_status") || bareStatus.MatchString(strings.ReplaceAll(q.SQL, `"Status"`, "")) {
				t.Errorf("%s panel %s counts findings by something other than control_status:\n%s", p.Kind, p.Query, q.SQL)
			}
		}
		switch p.Kind {
		case "card":
			if p.Href != "/cloudtrailcc.benchmark."+RootBenchmark {
				t.Errorf("card %s %v links to %q, want the benchmark", p.Query, p.Args, p.Href)
			}
			if p.Query == "query.status_count" {
				cardStatuses[p.Args["status"]] = true
			}
		case "chart":
			if !maps.Equal(p.Series, statusColors) {
				t.Errorf("chart %q series colours %v, want one per status as the benchmark view: %v", p.Title, p.Series, statusColors)
			}
		}
	}
	for status := range statusColors {
		if !cardStatuses[status] {
			t.Errorf("no card counts control_status = %s", status)
		}
	}
	colors := map[string]bool{}
	for _, c := range statusColors {
		colors[c] = true
	}
	if len(colors) != len(statusColors) {
		t.Errorf("two statuses share a colour: %v", statusColors)
	}
}

// Each control's "In the AWS console" section is its own numbered steps
// (navigation steps may repeat), not a sentence shared by the controls.
func TestConsoleStepsArePerControl(t *testing.T) {
	m := onDisk(t)
	seen := map[string]string{}
	for _, r := range rules.Catalogue() {
		c := m.Controls[r.ID]
		if c == nil {
			continue
		}
		_, rest, ok := strings.Cut(c.Documentation, "### In the AWS console\n\n")
		section, _, _ := strings.Cut(rest, "\n### ")
		if !ok || !regexp.MustCompile(`(?m)^1\. .*\n2\. `).MatchString(section) || !strings.Contains(section, "console.aws.amazon.com/") {
			t.Errorf("control %s: the console section is not numbered steps linking the console:\n%s", r.ID, section)
		}
		if other, dup := seen[section]; dup {
			t.Errorf("controls %s and %s have the same console steps", other, r.ID)
		}
		seen[section] = r.ID
	}
}

// The log file integrity benchmark stands beside the fourteen rules: one
// control reading cloudtrailcc_log_integrity with the plugin's control
// status, documented with the verdict each status stands for, and counted
// by nothing of the rules' dashboard.
func TestIntegrityBenchmark(t *testing.T) {
	m := onDisk(t)
	b, ok := m.Benchmarks[IntegrityBenchmark]
	if !ok {
		t.Fatalf("no benchmark %s", IntegrityBenchmark)
	}
	if b.Title == "" || b.Description == "" || b.Tags["type"] != "Benchmark" || b.Tags["plugin"] != "cloudtrailcc" {
		t.Errorf("benchmark %s: title %q, description %q, tags %v", b.Name, b.Title, b.Description, b.Tags)
	}
	if want := []string{"control." + IntegrityControl}; !slices.Equal(b.Children, want) {
		t.Errorf("benchmark %s children %v, want %v", b.Name, b.Children, want)
	}
	c := m.Controls[IntegrityControl]
	if c == nil {
		t.Fatalf("no control %s", IntegrityControl)
	}
	if c.Tags["rule_id"] != "" || c.Tags["category"] != "Compliance" || c.Tags["service"] != "AWS/CloudTrail" {
		t.Errorf("control %s tags %v: want the common tags and no rule_id", c.Name, c.Tags)
	}
	for _, want := range []string{"from\n  cloudtrailcc_log_integrity", "control_status as status", "coalesce(s3_uri, trail_arn, 'arn:aws:::' || account_id) as resource", "trail_arn, account_id, region\nfrom"} {
		if !strings.Contains(c.SQL, want) {
			t.Errorf("control %s sql lacks %q:\n%s", c.Name, want, c.SQL)
		}
	}
	if strings.Contains(c.SQL, "cloudtrailcc_finding") {
		t.Errorf("control %s reads cloudtrailcc_finding", c.Name)
	}
	leaves, err := m.Walk(RootBenchmark)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leaves {
		if l.Control == c {
			t.Errorf("%s holds %s: the fourteen-rule benchmark must stay the rules", RootBenchmark, c.Name)
		}
	}
	for _, q := range m.Queries {
		if strings.Contains(q.SQL, "cloudtrailcc_log_integrity") {
			t.Errorf("dashboard query %s reads cloudtrailcc_log_integrity: the rules' charts count the rules only", q.Name)
		}
	}
	doc := c.Documentation
	for _, want := range []string{"## Description", "## Remediation", "### In the AWS console\n\n1. ", "### With the AWS CLI\n\n```sh\naws cloudtrail validate-logs",
		"## Permissions", "`cloudtrail:ListPublicKeys`", "`s3:GetObject`", "`s3:ListBucket`", "## References", "console.aws.amazon.com/s3/",
		"powerpipe benchmark run cloudtrailcc.benchmark." + IntegrityBenchmark} {
		if !strings.Contains(doc, want) {
			t.Errorf("control %s documentation lacks %q", c.Name, want)
		}
	}
	// Every verdict of cloudtrailcc_log_integrity, with the status the
	// control reports for it: nothing unread is ok.
	for verdict, status := range map[string]string{"valid": "ok", "modified": "alarm", "deleted": "alarm", "unknown_key": "alarm",
		"uncovered": "alarm", "error": "error", "not_found": "info"} {
		if !regexp.MustCompile("(?m)^\\| `" + verdict + "`[^|]*\\| `" + status + "` \\|$").MatchString(doc) {
			t.Errorf("control %s documentation has no table row %s -> %s", c.Name, verdict, status)
		}
	}
}
