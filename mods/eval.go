package mods

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Variable is a variable block: Powerpipe takes its value from --var, a
// .ppvars file or the default.
type Variable struct {
	// Name is the variable's name (var.NAME).
	Name string
	// Description is the variable block's description.
	Description string
	// Default is the default value.
	Default cty.Value
}

// evalContext returns the context the mod's attributes are evaluated in:
// var.* (each variable's value from vars, else its default), local.* and
// the functions the mod uses (file, join, merge, replace, contains), as
// Powerpipe evaluates them.
func evalContext(fsys fs.FS, bodies []*hclsyntax.Body, vars map[string]cty.Value) (*hcl.EvalContext, map[string]*Variable, error) {
	ctx := &hcl.EvalContext{Functions: functions(fsys)}
	variables := map[string]*Variable{}
	locals := map[string]hcl.Expression{}
	for _, body := range bodies {
		for _, b := range body.Blocks {
			switch b.Type {
			case "variable":
				if len(b.Labels) != 1 {
					return nil, nil, fmt.Errorf("%s: variable block needs exactly one label", b.DefRange())
				}
				name := b.Labels[0]
				if _, dup := variables[name]; dup {
					return nil, nil, fmt.Errorf("%s: variable %q declared twice", b.DefRange(), name)
				}
				a := &attrs{body: b.Body, ctx: ctx}
				v := &Variable{Name: name, Description: a.str("description"), Default: a.value("default")}
				if err := a.err(); err != nil {
					return nil, nil, fmt.Errorf("variable %q: %w", name, err)
				}
				variables[name] = v
			case "locals":
				for name, attr := range b.Body.Attributes {
					if _, dup := locals[name]; dup {
						return nil, nil, fmt.Errorf("%s: local %q declared twice", attr.SrcRange, name)
					}
					locals[name] = attr.Expr
				}
			}
		}
	}
	values := map[string]cty.Value{}
	for name, v := range variables {
		values[name] = v.Default
		if given, ok := vars[name]; ok {
			values[name] = given
		}
	}
	for name := range vars {
		if _, ok := variables[name]; !ok {
			return nil, nil, fmt.Errorf("no variable %q is declared", name)
		}
	}
	ctx.Variables = map[string]cty.Value{"var": cty.ObjectVal(values)}
	if err := evalLocals(ctx, locals); err != nil {
		return nil, nil, err
	}
	return ctx, variables, nil
}

// evalLocals evaluates the locals into ctx.Variables["local"], each once
// the locals it refers to are known.
func evalLocals(ctx *hcl.EvalContext, pending map[string]hcl.Expression) error {
	done := map[string]cty.Value{}
	for len(pending) > 0 {
		progress := false
		for _, name := range sortedKeys(pending) {
			expr := pending[name]
			if !localsKnown(expr, done) {
				continue
			}
			ctx.Variables["local"] = cty.ObjectVal(done)
			v, diags := expr.Value(ctx)
			if diags.HasErrors() {
				return fmt.Errorf("local %q: %w", name, diags)
			}
			done[name] = v
			delete(pending, name)
			progress = true
		}
		if !progress {
			return fmt.Errorf("locals %s refer to undeclared locals or to each other", strings.Join(sortedKeys(pending), ", "))
		}
	}
	ctx.Variables["local"] = cty.ObjectVal(done)
	return nil
}

// localsKnown reports whether every local.NAME that expr refers to is in done.
func localsKnown(expr hcl.Expression, done map[string]cty.Value) bool {
	for _, t := range expr.Variables() {
		if t.RootName() != "local" || len(t) < 2 {
			continue
		}
		attr, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			return false
		}
		if _, ok := done[attr.Name]; !ok {
			return false
		}
	}
	return true
}

// functions are the HCL functions the mod's files call.
func functions(fsys fs.FS) map[string]function.Function {
	return map[string]function.Function{
		"contains": stdlib.ContainsFunc,
		"join":     stdlib.JoinFunc,
		"merge":    stdlib.MergeFunc,
		"replace":  stdlib.ReplaceFunc,
		"file":     fileFunc(fsys),
	}
}

// fileFunc is Powerpipe's file(path): a file's text, the path relative to
// the mod's directory.
func fileFunc(fsys fs.FS) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := path.Clean(args[0].AsString())
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return cty.NilVal, fmt.Errorf("file(%q): %w", args[0].AsString(), err)
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// sortedKeys returns m's keys, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
