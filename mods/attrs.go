package mods

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// attrs reads the attributes of a block body, evaluated as Powerpipe would
// (variables, locals and the functions the mod uses; see evalContext),
// remembering the first failure (an undeclared reference or a mistyped
// value).
type attrs struct {
	body  *hclsyntax.Body
	ctx   *hcl.EvalContext
	first error
}

func (a *attrs) fail(err error) {
	if a.first == nil {
		a.first = err
	}
}

func (a *attrs) err() error { return a.first }

// value evaluates an attribute; the zero cty.Value when it is absent.
func (a *attrs) value(name string) cty.Value {
	attr, ok := a.body.Attributes[name]
	if !ok {
		return cty.NilVal
	}
	v, diags := attr.Expr.Value(a.ctx)
	if diags.HasErrors() {
		a.fail(fmt.Errorf("%s: %s cannot be evaluated: %w", attr.SrcRange, name, diags))
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
