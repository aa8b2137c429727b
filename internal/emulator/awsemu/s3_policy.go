package awsemu

import (
	"net"
	"strings"
)

// policyDoc is a bucket policy, parsed only as far as "is it public" needs.
type policyDoc struct {
	Statements []policyStatement
}

type policyStatement struct {
	Effect       string
	Principal    any
	NotPrincipal any
	Condition    map[string]map[string]any
}

func parsePolicy(b []byte) (*policyDoc, error) {
	st, err := policyStatements[policyStatement](b)
	if err != nil {
		return nil, err
	}
	return &policyDoc{Statements: st}, nil
}

// isPublic follows AWS's definition of a public bucket policy: some Allow
// statement grants to everyone (Principal "*" or {"AWS": "*"}, or uses
// NotPrincipal) and is not limited by a condition that fixes one of the
// limiting keys to values without wildcards.
func (d *policyDoc) isPublic() bool {
	for _, st := range d.Statements {
		if !strings.EqualFold(st.Effect, "Allow") {
			continue
		}
		if st.NotPrincipal == nil && !principalIsEveryone(st.Principal) {
			continue
		}
		if !limitedByCondition(st.Condition) {
			return true
		}
	}
	return false
}

func principalIsEveryone(p any) bool {
	switch v := p.(type) {
	case string:
		return v == "*"
	case map[string]any:
		for k, val := range v {
			if strings.EqualFold(k, "AWS") && valuesContain(val, "*") {
				return true
			}
		}
	}
	return false
}

func valuesContain(v any, want string) bool {
	for _, s := range condValues(v) {
		if s == want {
			return true
		}
	}
	return false
}

func condValues(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// limitingKeys are the condition keys that make a principal-"*" statement
// non-public when fixed to concrete values.
var limitingKeys = map[string]bool{
	"aws:sourcearn": true, "aws:sourceaccount": true, "aws:sourceowner": true,
	"aws:principalorgid": true, "aws:principalaccount": true, "aws:principalarn": true,
	"aws:sourceip": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:userid": true, "aws:principalorgpaths": true, "aws:sourceorgid": true,
	"aws:sourceorgpaths": true, "s3:dataaccesspointarn": true, "s3:dataaccesspointaccount": true,
}

// fixedOperators are the condition operators that fix a value (the Like
// forms only when the value has no wildcard).
var fixedOperators = map[string]bool{
	"stringequals": true, "stringequalsignorecase": true, "stringlike": true,
	"arnequals": true, "arnlike": true, "ipaddress": true,
}

func limitedByCondition(cond map[string]map[string]any) bool {
	for op, keys := range cond {
		base := strings.ToLower(op)
		base = strings.TrimSuffix(base, "ifexists")
		if i := strings.Index(base, ":"); i >= 0 { // ForAnyValue:/ForAllValues:
			base = base[i+1:]
		}
		if !fixedOperators[base] {
			continue
		}
		for key, val := range keys {
			if !limitingKeys[strings.ToLower(key)] {
				continue
			}
			vals := condValues(val)
			if len(vals) > 0 && allFixed(base, vals) {
				return true
			}
		}
	}
	return false
}

func allFixed(op string, vals []string) bool {
	for _, v := range vals {
		if op == "ipaddress" {
			_, n, err := net.ParseCIDR(v)
			if err != nil {
				if net.ParseIP(v) == nil {
					return false
				}
				continue
			}
			ones, bits := n.Mask.Size()
			if (bits == 32 && ones < 8) || (bits == 128 && ones < 32) {
				return false
			}
			continue
		}
		if v == "" || strings.ContainsAny(v, "*?") {
			return false
		}
	}
	return true
}
