package rules

import "time"

// zeroTimeText is how a zero time.Time reads once formatted: a value AWS
// never gave.
var zeroTimeText = fmtTime(time.Time{})

// evTime is a time as evidence: RFC 3339 in UTC, or nil when AWS gave none.
func evTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

// evTimePtr is an optional time as evidence (nil when absent).
func evTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return evTime(*t)
}

// cleanEvidence makes every absent value of ev JSON null, in nested maps and
// lists too: an empty string, a zero time or a nil time pointer is a value
// AWS did not give, so `(evidence ->> 'latest_delivery_time')::timestamptz`
// reads NULL rather than failing on "". It changes ev in place and returns it.
func cleanEvidence(ev map[string]any) map[string]any {
	if ev == nil {
		return map[string]any{}
	}
	for k, v := range ev {
		ev[k] = cleanValue(v)
	}
	return ev
}

// cleanValue is cleanEvidence for one value.
func cleanValue(v any) any {
	switch x := v.(type) {
	case string:
		if x == "" || x == zeroTimeText {
			return nil
		}
	case time.Time:
		return evTime(x)
	case *time.Time:
		return evTimePtr(x)
	case map[string]any:
		return cleanEvidence(x)
	case []map[string]any:
		for _, m := range x {
			cleanEvidence(m)
		}
	case []any:
		for i := range x {
			x[i] = cleanValue(x[i])
		}
	}
	return v
}
