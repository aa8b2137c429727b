package exceptions

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"go.yaml.in/yaml/v3"
)

// parseHCL reads `exception { ... }` blocks of literal attributes.
func parseHCL(path string, src []byte) ([]rawEntry, error) {
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	body := f.Body.(*hclsyntax.Body)
	for _, a := range body.Attributes {
		return nil, errAt(a.SrcRange.Start.Line, "%s is outside an exception block; write exception { ... } blocks", a.Name)
	}
	var out []rawEntry
	for _, b := range body.Blocks {
		line := b.DefRange().Start.Line
		if b.Type != "exception" || len(b.Labels) > 0 {
			return nil, errAt(line, "unexpected block %q; write exception { ... } blocks without labels", b.Type)
		}
		if len(b.Body.Blocks) > 0 {
			return nil, errAt(b.Body.Blocks[0].DefRange().Start.Line, "an exception holds attributes only, not a %q block", b.Body.Blocks[0].Type)
		}
		r := rawEntry{line: line, attrs: map[string]value{}}
		for name, a := range b.Body.Attributes {
			at := a.SrcRange.Start.Line
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() {
				return nil, errAt(at, "%s must be a literal value: %s", name, diags[0].Summary)
			}
			switch {
			case v.IsNull():
				return nil, errAt(at, "%s is null", name)
			case v.Type() == cty.String:
				r.attrs[name] = value{line: at, str: v.AsString()}
			case v.Type() == cty.Bool:
				r.attrs[name] = value{line: at, isBool: true, b: v.True()}
			default:
				return nil, errAt(at, "%s must be a string or a boolean, not %s", name, v.Type().FriendlyName())
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// diagError is the first HCL error with its line.
func diagError(diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		if d.Subject != nil {
			return errAt(d.Subject.Start.Line, "%s", msg)
		}
		return errors.New(msg)
	}
	return errors.New(diags.Error())
}

// parseYAML reads a mapping with one key, exceptions, holding a list of
// mappings of scalars.
func parseYAML(_ string, src []byte) ([]rawEntry, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, errors.New("is empty; write exceptions: followed by a list of entries")
	} else if err != nil {
		return nil, yamlError(err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, errAt(next.Line, "a second YAML document (after ---) would be ignored; keep every entry in one list under one exceptions key")
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("is empty; write exceptions: followed by a list of entries")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errAt(root.Line, "the file must be a mapping with the key exceptions")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Value != "exceptions" {
			return nil, errAt(k.Line, "unexpected key %q; the file has one key, exceptions", k.Value)
		}
		if list != nil {
			return nil, errAt(k.Line, "exceptions is given twice (first at line %d), and YAML would keep only the second list; merge the entries into one list", root.Content[i-2].Line)
		}
		list = root.Content[i+1]
	}
	if list == nil {
		return nil, errAt(root.Line, "no exceptions key")
	}
	if list.Kind != yaml.SequenceNode {
		if list.Tag == "!!null" {
			return nil, nil
		}
		return nil, errAt(list.Line, "exceptions must be a list of entries")
	}
	var out []rawEntry
	for _, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			return nil, errAt(item.Line, "an exception must be a mapping of rule, resource, reason, expires, ...")
		}
		r := rawEntry{line: item.Line, attrs: map[string]value{}}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			if _, dup := r.attrs[k.Value]; dup {
				return nil, errAt(k.Line, "%s is given twice", k.Value)
			}
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				return nil, errAt(v.Line, "%s must be a single value", k.Value)
			}
			if v.Tag == "!!bool" {
				var b bool
				if err := v.Decode(&b); err != nil {
					return nil, errAt(v.Line, "%s: %v", k.Value, err)
				}
				r.attrs[k.Value] = value{line: v.Line, isBool: true, b: b}
				continue
			}
			// a date or an account id written unquoted is taken as written
			r.attrs[k.Value] = value{line: v.Line, str: v.Value}
		}
		out = append(out, r)
	}
	return out, nil
}

// yamlError keeps the line of a YAML syntax error ("yaml: line 3: ...").
func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ": "); ok {
			for _, c := range n {
				if c < '0' || c > '9' {
					return errors.New(msg)
				}
				line = line*10 + int(c-'0')
			}
			return errAt(line, "%s", tail)
		}
	}
	return errors.New(msg)
}
