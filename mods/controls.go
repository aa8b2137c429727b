package mods

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// ControlsFile is the generated file holding one control per rule.
const ControlsFile = "controls.pp"

// ControlDocsDir is the mod folder holding each control's generated
// documentation, docs/controls/RULE_ID.md.
const ControlDocsDir = "docs/controls"

// CommonTagsLocal is the local every control and benchmark merges its tags
// into (category, plugin and service), declared in locals.pp.
const CommonTagsLocal = "cloudtrailcc_common_tags"

// DimensionsLocal is the local holding the select-list suffix of the
// common_dimensions variable's columns (", account_id, region" by default).
const DimensionsLocal = "common_dimensions_sql"

// TagDimensionsLocal is the local holding the select-list suffix of the
// tag_dimensions variable's columns, one `tags ->> 'KEY' as "KEY"` each
// (empty by default: no tags are selected, so none are read from AWS).
const TagDimensionsLocal = "tag_dimensions_sql"

// Related-control prefixes that become tags.
const (
	securityHubPrefix = "AWS Security Hub "
	cisPrefix         = "CIS AWS Foundations "
)

// ControlSQL is a control's query as written in controls.pp: the rule's
// rows of cloudtrailcc_finding (so the controls agree with that table
// exactly) with the status and reason a control reports (control_status
// and control_reason: skip for an alarm an exception suppresses), and the
// common_dimensions and tag_dimensions columns.
func ControlSQL(ruleID string) string {
	return "select resource, control_status as status, control_reason as reason${local." + DimensionsLocal + "}${local." +
		TagDimensionsLocal + "} from cloudtrailcc_finding where rule_id = '" + ruleID + "'"
}

// ControlDocPath is the path of a rule's control documentation in the mod.
func ControlDocPath(ruleID string) string { return path.Join(ControlDocsDir, ruleID+".md") }

// Service returns the compliance mod's service tag for a rule: AWS/S3 for
// the rules about the trails' buckets, AWS/CloudTrail for the others.
func Service(r *rules.Rule) string {
	if r.Scope == rules.ScopeBucket {
		return "AWS/S3"
	}
	return "AWS/CloudTrail"
}

// CISRef is one CIS AWS Foundations Benchmark item a rule maps to.
type CISRef struct {
	// Item is the recommendation number, e.g. "3.4" (or a range, "3.8-3.9").
	Item string
	// Versions are the benchmark versions the number holds in, as the
	// catalogue names them (e.g. "v3-v5"); "" when it names none.
	Versions string
}

// cisVersions matches a version note such as "v3-v5" or "v6".
var cisVersions = regexp.MustCompile(`^v[0-9]+(\.[0-9]+)*(-v[0-9]+(\.[0-9]+)*)?$`)

// CISRefs returns the CIS items a rule is mapped to, from the catalogue's
// Related entry "CIS AWS Foundations ITEM (VERSIONS) / ITEM (VERSIONS)".
// An entry the catalogue marks "not equal" (related but not the same
// check) maps nothing.
func CISRefs(r *rules.Rule) []CISRef {
	var out []CISRef
	for _, rel := range r.Related {
		text, ok := strings.CutPrefix(rel, cisPrefix)
		if !ok || strings.Contains(text, "not equal") {
			continue
		}
		for _, part := range strings.Split(text, " / ") {
			item, note, _ := strings.Cut(strings.TrimSpace(part), " ")
			ref := CISRef{Item: item}
			if v := strings.Trim(note, "()"); cisVersions.MatchString(v) {
				ref.Versions = v
			}
			out = append(out, ref)
		}
	}
	return out
}

// ControlTags returns a rule's own control tags (the common tags are merged
// in from local.cloudtrailcc_common_tags): service, rule_id, conformity_id
// (when Conformity has one), security_hub (the catalogue's "AWS Security
// Hub" entries, comma-separated), and for a CIS-mapped rule cis = "true".
// Item numbers differ between CIS versions, so the CIS items are the tags of
// the CIS benchmarks' own controls (CISBenchmarks), one value each.
func ControlTags(r *rules.Rule) map[string]string {
	tags := map[string]string{"service": Service(r), "rule_id": r.ID}
	if r.ConformityID != "" {
		tags["conformity_id"] = r.ConformityID
	}
	var hub []string
	for _, rel := range r.Related {
		if id, ok := strings.CutPrefix(rel, securityHubPrefix); ok {
			hub = append(hub, id)
		}
	}
	if len(hub) > 0 {
		tags["security_hub"] = strings.Join(hub, ", ")
	}
	if len(CISRefs(r)) > 0 {
		tags["cis"] = "true"
	}
	return tags
}

// RenderControls returns controls.pp for the catalogue, in its order: one
// control per rule, named by the rule id, its documentation in
// ControlDocPath (see RenderControlDoc).
func RenderControls(catalogue []*rules.Rule) ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for i, r := range catalogue {
		if !ruleID.MatchString(r.ID) || r.Title == "" || r.Description == "" || r.Severity == "" {
			return nil, fmt.Errorf("rule %d (%q): a snake_case id, title, description and severity are required", i, r.ID)
		}
		if i > 0 {
			body.AppendNewline()
		}
		b := body.AppendNewBlock("control", []string{r.ID}).Body()
		b.SetAttributeValue("title", cty.StringVal(r.Title))
		b.SetAttributeValue("description", cty.StringVal(r.Description))
		b.SetAttributeValue("severity", cty.StringVal(string(r.Severity)))
		vals := map[string]cty.Value{}
		for k, v := range ControlTags(r) {
			vals[k] = cty.StringVal(v)
		}
		own := hclwrite.TokensForValue(cty.ObjectVal(vals)).Bytes()
		for _, a := range []struct{ name, expr string }{
			// The rule id is snake_case: the SQL needs no escaping.
			{"sql", `"` + ControlSQL(r.ID) + `"`},
			{"documentation", `file("./` + ControlDocPath(r.ID) + `")`},
			{"tags", "merge(local." + CommonTagsLocal + ", " + string(own) + ")"},
		} {
			tokens, err := rawTokens(a.expr)
			if err != nil {
				return nil, fmt.Errorf("control %s: %s: %w", r.ID, a.name, err)
			}
			b.SetAttributeRaw(a.name, tokens)
		}
	}
	header := "# Code generated by `go generate ./mods` from the rules catalogue\n" +
		"# (cloudtrailcc/rules); DO NOT EDIT. One control per rule, named by rule id.\n\n"
	return append([]byte(header), hclwrite.Format(f.Bytes())...), nil
}

// ruleID is the form of a rule id: it names a control and a file.
var ruleID = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// rawTokens returns the tokens of an HCL expression written as source.
func rawTokens(expr string) (hclwrite.Tokens, error) {
	f, diags := hclwrite.ParseConfig([]byte("x = "+expr+"\n"), "expr", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("generated expression %q does not parse: %w", expr, diags)
	}
	return f.Body().GetAttribute("x").Expr().BuildTokens(nil), nil
}

// Generated returns every file generated from the catalogue, keyed by its
// path in the mod directory: controls.pp, cis.pp and each control's
// documentation.
func Generated(catalogue []*rules.Rule) (map[string][]byte, error) {
	controls, err := RenderControls(catalogue)
	if err != nil {
		return nil, err
	}
	cis, err := RenderCIS(catalogue)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{ControlsFile: controls, CISFile: cis}
	for _, r := range catalogue {
		doc, err := RenderControlDoc(r)
		if err != nil {
			return nil, err
		}
		files[ControlDocPath(r.ID)] = doc
	}
	return files, nil
}
