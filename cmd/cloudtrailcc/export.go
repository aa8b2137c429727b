package main

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/pgbridge"
)

// exportFormats are the formats of export (and the hidden bridgeOutput,
// the headerless CSV the Postgres bridge's foreign tables read with every
// column of the table; see postgres.go).
var exportFormats = []string{"csv", "json"}

// qualOperators are the --where operators, longest first so "<=" wins over "<".
var qualOperators = []struct{ text, sql string }{
	{"!=", "<>"}, {"<>", "<>"}, {"<=", "<="}, {">=", ">="}, {"=", "="}, {"<", "<"}, {">", ">"},
}

func newExportCmd(g *globals) *cobra.Command {
	var output string
	var where, columns []string
	cmd := &cobra.Command{
		Use:   "export TABLE",
		Short: "Print any plugin table as CSV or JSON",
		Long: `Print the rows of one of the plugin's tables (cloudtrailcc_trail,
cloudtrailcc_trail_bucket, cloudtrailcc_region, cloudtrailcc_rule,
cloudtrailcc_finding, cloudtrailcc_config_change, cloudtrailcc_exception) as
CSV or JSON.

--where COLUMN=VALUE filters rows (also !=, <, <=, >, >=); quals on key
columns (e.g. rule_id, status) are passed to the plugin, which then reads only
the facts needed. --columns a,b picks and orders the columns. Rows are sorted
by the printed columns, left to right, so two exports of the same facts are
identical.`,
		Example: `  cloudtrailcc export cloudtrailcc_finding --where status=alarm --columns rule_id,resource,reason
  cloudtrailcc export cloudtrailcc_trail --output json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("export needs exactly one TABLE argument; tables: %s", strings.Join(tableNames(), ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "csv" && output != "json" && output != bridgeOutput {
				return usageError("unknown output format %q; valid formats: %s", output, strings.Join(exportFormats, ", "))
			}
			conn, err := g.connectionConfig()
			if err != nil {
				return err
			}
			client, err := g.openClient(cmd.Context(), conn, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer client.Close()
			schema, err := client.Schema(cmd.Context())
			if err != nil {
				return fmt.Errorf("reading the plugin schema: %w", err)
			}
			table := args[0]
			all, ok := schema[table]
			cols := visibleColumns(all)
			if output == bridgeOutput {
				cols = all // the foreign tables have every column, as Steampipe's
			}
			if !ok {
				return usageError("unknown table %q; tables: %s", table, strings.Join(slices.Sorted(maps.Keys(schema)), ", "))
			}
			picked, err := pickColumns(table, all, cols, columns)
			if err != nil {
				return err
			}
			quals, err := parseWhere(table, cols, where)
			if err != nil {
				return err
			}
			var rows []inproc.Row
			err = g.progress.status(cmd.ErrOrStderr(), "reading "+table, func() error {
				var err error
				rows, err = client.Query(cmd.Context(), conn.name, table, names(picked), quals)
				return err
			})
			if err != nil {
				return usageError("%s", cleanError(err, table, conn.name))
			}
			sortRows(picked, rows)
			switch output {
			case "json":
				return writeRowsJSON(cmd.OutOrStdout(), picked, rows)
			case bridgeOutput:
				return pgbridge.WriteCSV(cmd.OutOrStdout(), picked, rows)
			}
			return writeRowsCSV(cmd.OutOrStdout(), picked, rows)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "csv", "output format: csv or json")
	cmd.Flags().StringArrayVar(&where, "where", nil, "filter COLUMN=VALUE (or !=, <, <=, >, >=); repeatable, all must hold")
	cmd.Flags().StringSliceVar(&columns, "columns", nil, "comma-separated columns to print, in order (default: all)")
	return cmd
}

// tableNames are the plugin's tables, for messages before a client exists.
func tableNames() []string {
	return []string{"cloudtrailcc_config_change", "cloudtrailcc_exception", "cloudtrailcc_finding", "cloudtrailcc_region",
		"cloudtrailcc_rule", "cloudtrailcc_trail", "cloudtrailcc_trail_bucket"}
}

// pickColumns returns the columns asked for (all when none), checking each.
func pickColumns(table string, all, cols []inproc.Column, want []string) ([]inproc.Column, error) {
	if len(want) == 0 {
		return cols, nil
	}
	byName := map[string]inproc.Column{}
	for _, c := range all {
		byName[c.Name] = c
	}
	var out []inproc.Column
	for _, w := range want {
		c, ok := byName[strings.TrimSpace(w)]
		if !ok {
			return nil, usageError("table %s has no column %q; columns: %s", table, w, strings.Join(names(cols), ", "))
		}
		out = append(out, c)
	}
	return out, nil
}

// sdkColumns are the columns the Steampipe SDK adds to every table; export
// leaves them out unless --columns names them.
var sdkColumns = []string{"sp_connection_name", "sp_ctx", "_ctx"}

// visibleColumns are the table's own columns.
func visibleColumns(cols []inproc.Column) []inproc.Column {
	var out []inproc.Column
	for _, c := range cols {
		if !slices.Contains(sdkColumns, c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// parseWhere turns --where filters into quals, typing each value after its
// column.
func parseWhere(table string, cols []inproc.Column, where []string) ([]inproc.Qual, error) {
	byName := map[string]inproc.Column{}
	for _, c := range cols {
		byName[c.Name] = c
	}
	var quals []inproc.Qual
	for _, w := range where {
		col, op, val, ok := splitFilter(w)
		if !ok {
			return nil, usageError("--where %q: expected COLUMN=VALUE (or !=, <, <=, >, >=)", w)
		}
		c, ok := byName[col]
		if !ok {
			return nil, usageError("--where %q: table %s has no column %q; columns: %s", w, table, col, strings.Join(names(cols), ", "))
		}
		v, err := typedValue(c, val)
		if err != nil {
			return nil, usageError("--where %q: %v", w, err)
		}
		quals = append(quals, inproc.Qual{Column: col, Operator: op, Value: v})
	}
	return quals, nil
}

// splitFilter splits "col<op>value" at its first operator.
func splitFilter(s string) (col, op, val string, ok bool) {
	best := -1
	for _, o := range qualOperators {
		if i := strings.Index(s, o.text); i > 0 && (best < 0 || i < best || (i == best && len(o.text) > len(op))) {
			best, op = i, o.sql
			col, val = strings.TrimSpace(s[:i]), s[i+len(o.text):]
		}
	}
	return col, op, val, best > 0 && col != ""
}

// typedValue parses a filter value for the column's type.
func typedValue(c inproc.Column, s string) (any, error) {
	switch c.Type {
	case "INT":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("column %s is an integer; %q is not", c.Name, s)
		}
		return n, nil
	case "DOUBLE":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("column %s is a number; %q is not", c.Name, s)
		}
		return f, nil
	case "BOOL":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("column %s is true or false; %q is not", c.Name, s)
		}
		return b, nil
	case "TIMESTAMP":
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Errorf("column %s is a timestamp; %q is not RFC 3339 (e.g. 2024-01-02T15:04:05Z)", c.Name, s)
		}
		return t, nil
	case "JSON":
		return nil, fmt.Errorf("column %s is JSON and cannot be filtered here", c.Name)
	}
	return s, nil
}

// writeRowsCSV writes rows as CSV with a header; NULL is an empty cell,
// JSON values are compact JSON, timestamps RFC 3339.
func writeRowsCSV(w io.Writer, cols []inproc.Column, rows []inproc.Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(names(cols)); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	for _, row := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			cell, err := cellText(row[c.Name], c.Type)
			if err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			rec[i] = cell
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}

// cellText formats one value for CSV.
func cellText(v any, typ string) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		if typ != "JSON" {
			return x, nil
		}
	case time.Time:
		return x.UTC().Format(time.RFC3339), nil
	case bool, int64, float64:
		if typ != "JSON" {
			return fmt.Sprint(x), nil
		}
	}
	b, err := marshal(v)
	return string(b), err
}

// marshal is compact JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// writeRowsJSON writes rows as a JSON array of objects whose keys keep the
// column order.
func writeRowsJSON(w io.Writer, cols []inproc.Column, rows []inproc.Row) error {
	var buf bytes.Buffer
	buf.WriteString("[")
	for i, row := range rows {
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n  {")
		for j, c := range cols {
			if j > 0 {
				buf.WriteString(", ")
			}
			k, _ := marshal(c.Name)
			v, err := marshal(jsonValue(row[c.Name]))
			if err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			buf.Write(k)
			buf.WriteString(": ")
			buf.Write(v)
		}
		buf.WriteString("}")
	}
	if len(rows) > 0 {
		buf.WriteString("\n")
	}
	buf.WriteString("]\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// jsonValue formats timestamps as RFC 3339 in UTC.
func jsonValue(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339)
	}
	return v
}

// sortRows orders rows by the values of cols, left to right: the plugin
// streams rows in no fixed order.
func sortRows(cols []inproc.Column, rows []inproc.Row) {
	slices.SortStableFunc(rows, func(a, b inproc.Row) int {
		for _, c := range cols {
			if n := compareValues(a[c.Name], b[c.Name]); n != 0 {
				return n
			}
		}
		return 0
	})
}

// compareValues orders two column values: nulls first, then numbers by
// value, times by instant, booleans false first, anything else by its JSON.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok && x != y {
			if x {
				return 1
			}
			return -1
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Compare(ja, jb)
}

// names returns the column names.
func names(cols []inproc.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// indentJSON writes src indented by two spaces.
func indentJSON(w io.Writer, src []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, src, "", "  "); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
