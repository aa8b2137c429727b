package awsemu

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// epochTime is a timestamp as awsJson encodes it: seconds since the epoch,
// fractional.
type epochTime struct{ time.Time }

func epoch(t time.Time) *epochTime {
	if t.IsZero() {
		return nil
	}
	return &epochTime{t}
}

// MarshalJSON writes seconds with millisecond precision.
func (t epochTime) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)), nil
}

// UnmarshalJSON reads seconds (number) or an RFC 3339 string.
func (t *epochTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec, frac := math.Modf(f)
		t.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
		return nil
	}
	p, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = p
	return nil
}

// decodeJSON reads a JSON request body into v (an empty body is "{}").
func decodeJSON(q *request, v any) *apiError {
	if len(q.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(q.body, v); err != nil {
		return newErr("SerializationException", "could not parse request body: "+err.Error())
	}
	return nil
}

// lowerCamel converts a JSON-able value's object keys to lowerCamelCase, as
// CloudTrail events show requestParameters and responseElements.
func lowerCamel(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[lowerFirst(k)] = lowerCamel(val)
		}
		return out
	case []any:
		for i := range t {
			t[i] = lowerCamel(t[i])
		}
		return t
	}
	return v
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	// Leading acronyms (ARN, KMS...) lower as a block except before a word.
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	switch {
	case i == 0:
		return s
	case i == 1 || i == len(r):
		for j := 0; j < i; j++ {
			r[j] = unicode.ToLower(r[j])
		}
	default:
		for j := 0; j < i-1; j++ {
			r[j] = unicode.ToLower(r[j])
		}
	}
	return string(r)
}

// toJSONValue round-trips v through encoding/json into maps and slices.
func toJSONValue(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func boolPtr(b bool) *bool { return &b }

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
