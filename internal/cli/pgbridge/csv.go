package pgbridge

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
)

// pgTypes maps Steampipe column types to the PostgreSQL types the Steampipe
// Postgres FDW gives them.
var pgTypes = map[string]string{
	"STRING":    "text",
	"INT":       "bigint",
	"DOUBLE":    "double precision",
	"BOOL":      "boolean",
	"JSON":      "jsonb",
	"TIMESTAMP": "timestamp with time zone",
	"IPADDR":    "inet",
	"INET":      "inet",
	"CIDR":      "cidr",
	// Steampipe uses the ltree extension's type; text keeps the bridge free
	// of that extension (no cloudtrailcc table has such a column).
	"LTREE": "text",
}

// PGType returns the PostgreSQL type of a Steampipe column type (STRING,
// INT, DOUBLE, BOOL, JSON, TIMESTAMP, IPADDR, INET, CIDR, LTREE).
func PGType(steampipeType string) (string, error) {
	t, ok := pgTypes[steampipeType]
	if !ok {
		return "", fmt.Errorf("column type %q has no PostgreSQL mapping; known: STRING, INT, DOUBLE, BOOL, JSON, TIMESTAMP, IPADDR, INET, CIDR, LTREE", steampipeType)
	}
	return t, nil
}

// WriteCSV writes rows as the CSV that file_fdw reads with format 'csv' and
// header 'false' into columns of PGType types: one record per row, fields
// in columns order, no header. SQL NULL (a nil or missing value) is an
// unquoted empty field and every other value is quoted, so an empty string
// stays an empty string. Timestamps are RFC 3339 in UTC, JSON values are
// JSON text, booleans true/false, numbers in Go's shortest round-trip
// form. NUL characters, which PostgreSQL text and jsonb cannot hold, are
// replaced by U+FFFD.
//
// Values are those inproc.Client.Query returns: string, int64 (or int),
// float64, bool, time.Time, decoded JSON (map[string]any, []any, ...) for
// JSON columns, or nil. A value that does not fit its column type is an
// error naming the column.
func WriteCSV(w io.Writer, columns []inproc.Column, rows []inproc.Row) error {
	bw := bufio.NewWriter(w)
	for i, row := range rows {
		for j, col := range columns {
			if j > 0 {
				bw.WriteByte(',')
			}
			v, ok := row[col.Name]
			if !ok || v == nil {
				continue
			}
			s, err := render(col.Type, v)
			if err != nil {
				return fmt.Errorf("row %d, column %s: %w", i+1, col.Name, err)
			}
			bw.WriteByte('"')
			bw.WriteString(strings.ReplaceAll(s, `"`, `""`))
			bw.WriteByte('"')
		}
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}

// render formats one non-NULL value as PostgreSQL's input syntax for the
// column's type.
func render(typ string, v any) (string, error) {
	switch typ {
	case "JSON":
		b, err := json.Marshal(cleanJSON(v))
		if err != nil {
			return "", fmt.Errorf("encoding JSON: %w", err)
		}
		return string(b), nil
	case "TIMESTAMP":
		switch t := v.(type) {
		case time.Time:
			return t.UTC().Format(time.RFC3339Nano), nil
		case string:
			return t, nil
		}
	case "INT":
		switch n := v.(type) {
		case int64:
			return strconv.FormatInt(n, 10), nil
		case int:
			return strconv.Itoa(n), nil
		case int32:
			return strconv.FormatInt(int64(n), 10), nil
		case float64:
			if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
				return strconv.FormatInt(int64(n), 10), nil
			}
		}
	case "DOUBLE":
		switch n := v.(type) {
		case float64:
			return formatFloat(n), nil
		case int64:
			return strconv.FormatInt(n, 10), nil
		case int:
			return strconv.Itoa(n), nil
		}
	case "BOOL":
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
	case "IPADDR", "INET", "CIDR":
		switch a := v.(type) {
		case string:
			return a, nil
		case net.IP:
			return a.String(), nil
		case *net.IPNet:
			return a.String(), nil
		}
	default: // STRING, LTREE and anything textual
		if s, ok := v.(string); ok {
			return clean(s), nil
		}
		return clean(fmt.Sprint(v)), nil
	}
	return "", fmt.Errorf("value %v (%T) does not fit column type %s", v, v, typ)
}

// formatFloat renders a float64 the way PostgreSQL's double precision input accepts it.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// clean replaces NUL characters, which PostgreSQL text cannot hold.
func clean(s string) string {
	if !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// cleanJSON returns v with NUL characters replaced in every string and key
// (jsonb refuses \u0000).
func cleanJSON(v any) any {
	switch x := v.(type) {
	case string:
		return clean(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[clean(k)] = cleanJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cleanJSON(e)
		}
		return out
	}
	return v
}
