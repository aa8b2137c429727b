package awsemu

import (
	"encoding/json"
	"errors"
	"strings"
)

// policyStatements reads the Statement of an IAM-style policy document (one
// statement or a list) into T, the part of a statement the caller reads.
func policyStatements[T any](doc []byte) ([]T, error) {
	if !strings.HasPrefix(strings.TrimSpace(string(doc)), "{") {
		return nil, errors.New("policy must be a JSON object")
	}
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, err
	}
	if len(raw.Statement) == 0 {
		return nil, errors.New("policy has no Statement")
	}
	var out []T
	if err := unmarshalOneOrMany(raw.Statement, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// oneOrMany is a policy value given as one string or a list of them.
type oneOrMany []string

// UnmarshalJSON reads "x" or ["x", ...].
func (o *oneOrMany) UnmarshalJSON(b []byte) error { return unmarshalOneOrMany(b, (*[]string)(o)) }

// unmarshalOneOrMany reads a JSON value that is either one T or a list of T.
func unmarshalOneOrMany[T any](b []byte, out *[]T) error {
	if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
		return json.Unmarshal(b, out)
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*out = []T{one}
	return nil
}
