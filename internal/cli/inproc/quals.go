package inproc

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// toProtoQuals converts quals to the SDK's wire form.
func toProtoQuals(quals []Qual, types map[string]proto.ColumnType) (map[string]*proto.Quals, error) {
	out := map[string]*proto.Quals{}
	for _, q := range quals {
		if _, ok := types[q.Column]; !ok {
			return nil, fmt.Errorf("qual on unknown column %q", q.Column)
		}
		if !slices.Contains([]string{"=", "<>", "<", "<=", ">", ">="}, q.Operator) {
			return nil, fmt.Errorf("qual on %s: operator %q is not one of =, <>, <, <=, >, >=", q.Column, q.Operator)
		}
		v, err := toQualValue(q.Value)
		if err != nil {
			return nil, fmt.Errorf("qual on %s: %w", q.Column, err)
		}
		if v.GetListValue() != nil && q.Operator != "=" {
			return nil, fmt.Errorf("qual on %s: a list value needs operator =", q.Column)
		}
		if out[q.Column] == nil {
			out[q.Column] = &proto.Quals{}
		}
		out[q.Column].Quals = append(out[q.Column].Quals, &proto.Qual{
			FieldName: q.Column,
			Operator:  &proto.Qual_StringValue{StringValue: q.Operator},
			Value:     v,
		})
	}
	return out, nil
}

// toQualValue converts a Go value to a qual value.
func toQualValue(v any) (*proto.QualValue, error) {
	switch x := v.(type) {
	case string:
		return &proto.QualValue{Value: &proto.QualValue_StringValue{StringValue: x}}, nil
	case int:
		return &proto.QualValue{Value: &proto.QualValue_Int64Value{Int64Value: int64(x)}}, nil
	case int64:
		return &proto.QualValue{Value: &proto.QualValue_Int64Value{Int64Value: x}}, nil
	case float64:
		return &proto.QualValue{Value: &proto.QualValue_DoubleValue{DoubleValue: x}}, nil
	case bool:
		return &proto.QualValue{Value: &proto.QualValue_BoolValue{BoolValue: x}}, nil
	case time.Time:
		return &proto.QualValue{Value: &proto.QualValue_TimestampValue{TimestampValue: timestamppb.New(x)}}, nil
	case []string:
		l := &proto.QualValueList{}
		for _, s := range x {
			l.Values = append(l.Values, &proto.QualValue{Value: &proto.QualValue_StringValue{StringValue: s}})
		}
		return &proto.QualValue{Value: &proto.QualValue_ListValue{ListValue: l}}, nil
	case []any:
		l := &proto.QualValueList{}
		for _, e := range x {
			qv, err := toQualValue(e)
			if err != nil {
				return nil, err
			}
			l.Values = append(l.Values, qv)
		}
		return &proto.QualValue{Value: &proto.QualValue_ListValue{ListValue: l}}, nil
	}
	return nil, fmt.Errorf("value %v of type %T is not a string, int, int64, float64, bool, time.Time or list", v, v)
}

// matchAll reports whether row satisfies every qual (SQL semantics: a NULL
// never matches).
func matchAll(row Row, quals []Qual) bool {
	for _, q := range quals {
		if !match(row[q.Column], q) {
			return false
		}
	}
	return true
}

func match(v any, q Qual) bool {
	if v == nil {
		return false
	}
	switch list := q.Value.(type) {
	case []string:
		for _, e := range list {
			if compare(v, e) == 0 {
				return true
			}
		}
		return false
	case []any:
		for _, e := range list {
			if compare(v, e) == 0 {
				return true
			}
		}
		return false
	}
	c := compare(v, q.Value)
	switch q.Operator {
	case "=":
		return c == 0
	case "<>":
		return c != 0 && c != incomparable
	case "<":
		return c == -1
	case "<=":
		return c == -1 || c == 0
	case ">":
		return c == 1
	case ">=":
		return c == 1 || c == 0
	}
	return false
}

// incomparable is compare's answer for values of different kinds.
const incomparable = 2

// compare orders a row value against a qual value: -1, 0, 1 or incomparable.
func compare(v, w any) int {
	switch a := v.(type) {
	case string:
		b, ok := w.(string)
		if !ok {
			return incomparable
		}
		return strings.Compare(a, b)
	case bool:
		b, ok := w.(bool)
		if !ok {
			return incomparable
		}
		if a == b {
			return 0
		}
		if !a {
			return -1
		}
		return 1
	case time.Time:
		b, ok := w.(time.Time)
		if !ok {
			return incomparable
		}
		return a.Compare(b)
	case int64, float64:
		x, _ := number(a)
		y, ok := number(w)
		if !ok {
			return incomparable
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return incomparable
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
