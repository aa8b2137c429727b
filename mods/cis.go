package mods

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// CISFile is the generated file holding one benchmark per range of CIS AWS
// Foundations Benchmark versions the catalogue names, each with its own
// controls.
const CISFile = "cis.pp"

// CISDocPath is the documentation of the CIS benchmarks in the mod: how
// their tags are laid out.
const CISDocPath = "docs/cis.md"

// CISBenchmark is the benchmark of one range of CIS versions (e.g. "v3-v5":
// the versions in which the catalogue's item numbers hold).
type CISBenchmark struct {
	// Name is the benchmark's short name, e.g. "cis_v3_v5".
	Name string
	// Versions is the range as the catalogue names it, e.g. "v3-v5"; it is
	// the cis_version tag of the benchmark and of each of its controls.
	Versions string
	// Controls are its controls, by item number.
	Controls []CISControl
}

// CISControl is one CIS item checked by one rule: a control carrying one
// cis_item_id, running the rule's query.
type CISControl struct {
	// Name is the control's short name: the benchmark's name and the item
	// ("cis_v3_v5_3_4"), plus the rule id when several rules check the item.
	Name string
	// Item is the recommendation number, e.g. "3.4".
	Item string
	// Rule is the rule whose findings the control reports.
	Rule *rules.Rule
}

// Section is the CIS section of the item ("3" for "3.4").
func (c CISControl) Section() string {
	s, _, _ := strings.Cut(c.Item, ".")
	return s
}

// itemRange matches a range of items within one section, e.g. "3.8-3.9".
var itemRange = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)*\.)([0-9]+)-([0-9]+(?:\.[0-9]+)*\.)?([0-9]+)$`)

// expandItem returns the items of a catalogue item: "3.8-3.9" is 3.8 and 3.9.
func expandItem(item string) []string {
	m := itemRange.FindStringSubmatch(item)
	if m == nil || (m[3] != "" && m[3] != m[1]) {
		return []string{item}
	}
	from, _ := strconv.Atoi(m[2])
	to, _ := strconv.Atoi(m[4])
	if to < from || to-from > 20 {
		return []string{item}
	}
	var out []string
	for n := from; n <= to; n++ {
		out = append(out, m[1]+strconv.Itoa(n))
	}
	return out
}

// compareItems orders item numbers numerically, part by part.
func compareItems(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}

// nameSafe turns a version range or an item into a name part.
var nameSafe = strings.NewReplacer(".", "_", "-", "_")

// CISBenchmarks returns the CIS benchmarks of the catalogue: one per version
// range its Related entries name, each holding one control per (item, rule).
// An item the catalogue gives without versions (a generic mapping) is in no
// CIS benchmark; its rule's main control still carries cis = "true".
func CISBenchmarks(catalogue []*rules.Rule) []CISBenchmark {
	byVersions := map[string][]CISControl{}
	for _, r := range catalogue {
		for _, ref := range CISRefs(r) {
			if ref.Versions == "" {
				continue
			}
			for _, item := range expandItem(ref.Item) {
				byVersions[ref.Versions] = append(byVersions[ref.Versions], CISControl{Item: item, Rule: r})
			}
		}
	}
	versions := make([]string, 0, len(byVersions))
	for v := range byVersions {
		versions = append(versions, v)
	}
	slices.SortFunc(versions, func(a, b string) int {
		return compareItems(strings.TrimPrefix(strings.Split(a, "-")[0], "v"), strings.TrimPrefix(strings.Split(b, "-")[0], "v"))
	})
	var out []CISBenchmark
	for _, v := range versions {
		b := CISBenchmark{Name: "cis_" + nameSafe.Replace(v), Versions: v, Controls: byVersions[v]}
		slices.SortStableFunc(b.Controls, func(x, y CISControl) int {
			return cmp.Or(compareItems(x.Item, y.Item), strings.Compare(x.Rule.ID, y.Rule.ID))
		})
		perItem := map[string]int{}
		for _, c := range b.Controls {
			perItem[c.Item]++
		}
		for i := range b.Controls {
			c := &b.Controls[i]
			c.Name = b.Name + "_" + nameSafe.Replace(c.Item)
			if perItem[c.Item] > 1 {
				c.Name += "_" + c.Rule.ID
			}
		}
		out = append(out, b)
	}
	return out
}

// CISControlTags returns a CIS control's own tags (merged into the common
// tags): one value each, as the compliance mod tags its CIS controls.
func CISControlTags(b CISBenchmark, c CISControl) map[string]string {
	return map[string]string{
		"cis":            "true",
		"cis_item_id":    c.Item,
		"cis_section_id": c.Section(),
		"cis_version":    b.Versions,
		"rule_id":        c.Rule.ID,
		"service":        Service(c.Rule),
	}
}

// RenderCIS returns cis.pp: the CIS benchmarks and their controls. A CIS
// control runs its rule's query (ControlSQL), so it agrees with the main
// benchmark's control and with cloudtrailcc_finding.
func RenderCIS(catalogue []*rules.Rule) ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for i, b := range CISBenchmarks(catalogue) {
		if i > 0 {
			body.AppendNewline()
		}
		bb := body.AppendNewBlock("benchmark", []string{b.Name}).Body()
		bb.SetAttributeValue("title", cty.StringVal("CIS AWS Foundations Benchmark "+b.Versions+": CloudTrail items"))
		bb.SetAttributeValue("description", cty.StringVal("The CIS AWS Foundations Benchmark recommendations, numbered as in versions "+b.Versions+
			", that the CloudTrail rules check: one control per item, tagged with that item's cis_item_id, cis_section_id and cis_version."))
		tokens, err := rawTokens(`file("./` + CISDocPath + `")`)
		if err != nil {
			return nil, err
		}
		bb.SetAttributeRaw("documentation", tokens)
		children := make([]string, len(b.Controls))
		for j, c := range b.Controls {
			children[j] = "control." + c.Name
		}
		benchTags := map[string]cty.Value{"cis": cty.StringVal("true"), "cis_version": cty.StringVal(b.Versions), "type": cty.StringVal("Benchmark")}
		for _, a := range []struct{ name, expr string }{
			{"children", "[\n" + strings.Join(children, ",\n") + ",\n]"},
			{"tags", "merge(local." + CommonTagsLocal + ", " + string(hclwrite.TokensForValue(cty.ObjectVal(benchTags)).Bytes()) + ")"},
		} {
			tokens, err := rawTokens(a.expr)
			if err != nil {
				return nil, fmt.Errorf("benchmark %s: %s: %w", b.Name, a.name, err)
			}
			bb.SetAttributeRaw(a.name, tokens)
		}
		for _, c := range b.Controls {
			body.AppendNewline()
			cb := body.AppendNewBlock("control", []string{c.Name}).Body()
			cb.SetAttributeValue("title", cty.StringVal(c.Item+" "+c.Rule.Title))
			cb.SetAttributeValue("description", cty.StringVal(c.Rule.Description))
			cb.SetAttributeValue("severity", cty.StringVal(string(c.Rule.Severity)))
			vals := map[string]cty.Value{}
			for k, v := range CISControlTags(b, c) {
				vals[k] = cty.StringVal(v)
			}
			for _, a := range []struct{ name, expr string }{
				{"sql", `"` + ControlSQL(c.Rule.ID) + `"`},
				{"documentation", `file("./` + ControlDocPath(c.Rule.ID) + `")`},
				{"tags", "merge(local." + CommonTagsLocal + ", " + string(hclwrite.TokensForValue(cty.ObjectVal(vals)).Bytes()) + ")"},
			} {
				tokens, err := rawTokens(a.expr)
				if err != nil {
					return nil, fmt.Errorf("control %s: %s: %w", c.Name, a.name, err)
				}
				cb.SetAttributeRaw(a.name, tokens)
			}
		}
	}
	header := "# Code generated by `go generate ./mods` from the rules catalogue\n" +
		"# (cloudtrailcc/rules); DO NOT EDIT. One benchmark per range of CIS AWS\n" +
		"# Foundations Benchmark versions, one control per CIS item (see " + CISDocPath + ").\n\n"
	return append([]byte(header), hclwrite.Format(f.Bytes())...), nil
}
