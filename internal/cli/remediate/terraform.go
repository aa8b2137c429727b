package remediate

import (
	"io"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// TFBlock is a Terraform resource a step sets arguments of. Blocks of one
// resource from several steps are merged into one resource.
type TFBlock struct {
	// Type and Name are the resource type and its name label.
	Type, Name string
	// Region selects the provider (one aliased provider per region); ""
	// is the default provider (global services such as IAM).
	Region string
	// Import, when set, is the id of an existing resource to import.
	Import string
	// Attrs and Blocks are its arguments.
	Attrs  []TFAttr
	Blocks []*TFNested
}

// TFNested is a nested block of a resource.
type TFNested struct {
	// Type is the block type, e.g. "versioning_configuration".
	Type string
	// Repeat marks a block that can appear several times (such as
	// advanced_event_selector); blocks of other types merge by type.
	Repeat bool
	Attrs  []TFAttr
	Blocks []*TFNested
}

// TFAttr is one argument: a value or a reference to another resource.
type TFAttr struct {
	Name  string
	Value cty.Value
	// Ref, when set, is a reference such as aws_kms_key.logs_us_east_1.arn.
	Ref string
	// Expr, when set, is an expression written as is, e.g. a template
	// string "${aws_cloudwatch_log_group.x.arn}:*".
	Expr string
	// Current marks the value the resource has now (read by check): an
	// argument a step sets replaces it.
	Current bool
}

// str, boolean and ref build arguments.
func str(name, v string) TFAttr          { return TFAttr{Name: name, Value: cty.StringVal(v)} }
func boolean(name string, v bool) TFAttr { return TFAttr{Name: name, Value: cty.BoolVal(v)} }
func ref(name, r string) TFAttr          { return TFAttr{Name: name, Ref: r} }
func ctyNumber(v string) cty.Value       { return cty.MustParseNumberVal(v) }
func strList(name string, v ...string) TFAttr {
	vals := make([]cty.Value, len(v))
	for i, s := range v {
		vals[i] = cty.StringVal(s)
	}
	return TFAttr{Name: name, Value: cty.ListVal(vals)}
}

// tfName turns s into a Terraform name label.
func tfName(s string) string {
	n := strings.ToLower(shellName(s))
	if n == "" || n[0] >= '0' && n[0] <= '9' {
		n = "r_" + n
	}
	return n
}

// tfResource is a merged resource and the steps that set it.
type tfResource struct {
	block *TFBlock
	steps []*Step
}

// WriteTerraform writes the plan as Terraform configuration: one aliased
// AWS provider per region, import blocks for the existing trails, and a
// resource per AWS resource the plan creates or changes, each preceded by
// comments saying which step set it, what it fixes and what it costs.
// Steps without a Terraform equivalent are listed as comments.
func WriteTerraform(w io.Writer, p *Plan) error {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	comment(body, "Terraform equivalent of the cloudtrailcc remediation plan. Nothing has been applied: review it,",
		"then `terraform plan` shows every change. Existing trails are imported (import blocks, Terraform 1.5+)",
		"with the settings check read; any other argument (S3 key prefix, tags, insight selectors) takes",
		"Terraform's default, so add the trail's own before applying (terraform plan -generate-config-out).")
	for _, a := range p.Accounts {
		comment(body, "account "+a+": apply with credentials of this account.")
	}
	for _, r := range p.Rules {
		comment(body, r.ID+" ("+string(r.Severity)+", "+r.Title+"): "+r.Remediation)
	}
	body.AppendNewline()
	resources, order, regions := mergeResources(p)
	body.AppendNewBlock("terraform", nil).Body().AppendNewBlock("required_providers", nil).Body().
		SetAttributeValue("aws", cty.ObjectVal(map[string]cty.Value{"source": cty.StringVal("hashicorp/aws")}))
	body.AppendNewline()
	comment(body, "The default provider serves the global services (IAM).")
	body.AppendNewBlock("provider", []string{"aws"}).Body().SetAttributeValue("region", cty.StringVal("us-east-1"))
	for _, r := range regions {
		pb := body.AppendNewBlock("provider", []string{"aws"}).Body()
		pb.SetAttributeValue("alias", cty.StringVal(tfName(r)))
		pb.SetAttributeValue("region", cty.StringVal(r))
	}
	described := map[*Step]bool{}
	for _, key := range order {
		r := resources[key]
		body.AppendNewline()
		for _, s := range r.steps {
			if described[s] {
				comment(body, "part of: "+s.Title+".")
				continue
			}
			described[s] = true
			comment(body, s.Title+".")
			for _, fx := range s.Fixes {
				comment(body, "  fixes "+fx.String())
			}
			comment(body, "  cost: "+s.Cost)
		}
		if r.block.Import != "" {
			ib := body.AppendNewBlock("import", nil).Body()
			ib.SetAttributeTraversal("to", traversal(r.block.Type+"."+r.block.Name))
			setProvider(ib, r.block.Region)
			ib.SetAttributeValue("id", cty.StringVal(r.block.Import))
		}
		rb := body.AppendNewBlock("resource", []string{r.block.Type, r.block.Name}).Body()
		setProvider(rb, r.block.Region)
		writeArgs(rb, r.block.Attrs, r.block.Blocks)
	}
	var notes []*Step
	for _, s := range p.Steps {
		if len(s.Terraform) == 0 {
			notes = append(notes, s)
		}
	}
	if len(notes) > 0 {
		body.AppendNewline()
		comment(body, "Steps with no Terraform equivalent (see the bash plan for their commands):")
		for _, s := range notes {
			comment(body, "- "+s.Title+": "+s.TerraformNote)
			for _, fx := range s.Fixes {
				comment(body, "    fixes "+fx.String())
			}
		}
	}
	_, err := w.Write(hclwrite.Format(f.Bytes()))
	return err
}

// mergeResources merges the steps' blocks by resource address and returns
// them, their addresses in plan order, and the regions used.
func mergeResources(p *Plan) (map[string]*tfResource, []string, []string) {
	resources := map[string]*tfResource{}
	var order []string
	regionSet := map[string]bool{}
	for _, s := range p.Steps {
		for _, blk := range s.Terraform {
			key := blk.Type + "." + blk.Name
			r, ok := resources[key]
			if !ok {
				c := *blk
				c.Attrs = append([]TFAttr(nil), blk.Attrs...)
				c.Blocks = append([]*TFNested(nil), blk.Blocks...)
				r = &tfResource{block: &c}
				resources[key] = r
				order = append(order, key)
			} else {
				r.block.Attrs = mergeAttrs(r.block.Attrs, blk.Attrs)
				r.block.Blocks = mergeBlocks(r.block.Blocks, blk.Blocks)
				if r.block.Import == "" {
					r.block.Import = blk.Import
				}
			}
			if len(r.steps) == 0 || r.steps[len(r.steps)-1] != s {
				r.steps = append(r.steps, s)
			}
			if blk.Region != "" {
				regionSet[blk.Region] = true
			}
		}
	}
	regions := make([]string, 0, len(regionSet))
	for r := range regionSet {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	return resources, order, regions
}

// mergeAttrs adds the arguments of add not already set in have; a value a
// step sets replaces a current one.
func mergeAttrs(have, add []TFAttr) []TFAttr {
	for _, a := range add {
		found := false
		for i, h := range have {
			if h.Name == a.Name {
				found = true
				if h.Current && !a.Current {
					have[i] = a
				}
				break
			}
		}
		if !found {
			have = append(have, a)
		}
	}
	return have
}

// mergeBlocks adds add's nested blocks to have: a repeatable block is
// appended, another merges into the block of its type.
func mergeBlocks(have, add []*TFNested) []*TFNested {
	for _, a := range add {
		merged := false
		if !a.Repeat {
			for i, h := range have {
				if h.Type == a.Type {
					c := *h
					c.Attrs = mergeAttrs(append([]TFAttr(nil), h.Attrs...), a.Attrs)
					c.Blocks = mergeBlocks(append([]*TFNested(nil), h.Blocks...), a.Blocks)
					have[i] = &c
					merged = true
					break
				}
			}
		}
		if !merged {
			have = append(have, a)
		}
	}
	return have
}

// writeArgs writes arguments and nested blocks into body.
func writeArgs(body *hclwrite.Body, attrs []TFAttr, blocks []*TFNested) {
	for _, a := range attrs {
		switch {
		case a.Ref != "":
			body.SetAttributeTraversal(a.Name, traversal(a.Ref))
		case a.Expr != "":
			body.SetAttributeRaw(a.Name, hclwrite.Tokens{{Type: hclsyntax.TokenIdent, Bytes: []byte(a.Expr)}})
		default:
			body.SetAttributeValue(a.Name, a.Value)
		}
	}
	for _, b := range blocks {
		writeArgs(body.AppendNewBlock(b.Type, nil).Body(), b.Attrs, b.Blocks)
	}
}

// setProvider selects the aliased provider of region ("" = default).
func setProvider(body *hclwrite.Body, region string) {
	if region != "" {
		body.SetAttributeTraversal("provider", traversal("aws."+tfName(region)))
	}
}

// traversal parses a dotted reference such as aws_kms_key.x.arn.
func traversal(s string) hcl.Traversal {
	parts := strings.Split(s, ".")
	t := hcl.Traversal{hcl.TraverseRoot{Name: parts[0]}}
	for _, p := range parts[1:] {
		t = append(t, hcl.TraverseAttr{Name: p})
	}
	return t
}

// comment appends one "# ..." line per line given, its control characters
// (a newline included) shown escaped: a value cannot end the comment.
// Values in arguments are written by hclwrite, which escapes quotes,
// control characters and the template sequences ${ and %{.
func comment(body *hclwrite.Body, lines ...string) {
	for _, l := range lines {
		body.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(strings.TrimRight("# "+escape.Line(l), " ") + "\n")}})
	}
}
