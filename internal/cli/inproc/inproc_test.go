package inproc_test

import (
	"bytes"
	"context"
	"io"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/contracttest"
)

func newClient(t *testing.T, conns []inproc.Connection, opts ...inproc.Option) *inproc.Client {
	t.Helper()
	c, err := inproc.New(context.Background(), conns, opts...)
	if err != nil {
		t.Fatalf("inproc.New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestNewRejectsABadConfigNamingConnectionAndField(t *testing.T) {
	_, err := inproc.New(context.Background(), []inproc.Connection{
		{Name: "good", Config: `regions = ["us-east-1"]`},
		{Name: "bad", Config: `max_error_retry_attempts = -1`},
	})
	if err == nil {
		t.Fatal("a negative max_error_retry_attempts was accepted")
	}
	if !strings.Contains(err.Error(), "bad") || !strings.Contains(err.Error(), "max_error_retry_attempts") || strings.Contains(err.Error(), "good") {
		t.Errorf("error = %q; want it to name connection bad and the field only", err)
	}
}

func TestSchemaListsTablesWithTypedDescribedColumns(t *testing.T) {
	c := newClient(t, []inproc.Connection{{Name: "aws"}})
	schema, err := c.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]inproc.Column{}
	for _, col := range schema["cloudtrailcc_trail"] {
		cols[col.Name] = col
	}
	for name, typ := range map[string]string{"name": "STRING", "is_logging": "BOOL", "latest_delivery_time": "TIMESTAMP", "tags": "JSON"} {
		if cols[name].Type != typ || cols[name].Description == "" {
			t.Errorf("cloudtrailcc_trail.%s = %+v; want type %s with a description", name, cols[name], typ)
		}
	}
	if len(schema) != 8 {
		t.Errorf("%d tables; want 8", len(schema))
	}
}

func TestQueryReturnsGoValues(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	c := newClient(t, []inproc.Connection{{Name: "aws", Config: f.Config()}})
	rows, err := c.Query(context.Background(), "aws", "cloudtrailcc_trail", []string{"name", "is_multi_region_trail", "start_logging_time", "akas", "kms_key_id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("rows = %v", rows)
	}
	r := rows[0]
	if r["name"] != f.TrailName || r["is_multi_region_trail"] != true || r["kms_key_id"] != nil {
		t.Errorf("row = %#v", r)
	}
	if ts, ok := r["start_logging_time"].(time.Time); !ok || time.Since(ts) > time.Hour {
		t.Errorf("start_logging_time = %#v; want a recent time.Time", r["start_logging_time"])
	}
	if akas, ok := r["akas"].([]any); !ok || len(akas) != 1 || akas[0] != f.TrailARN {
		t.Errorf("akas = %#v; want [%s]", r["akas"], f.TrailARN)
	}
	if len(r) != 5 {
		t.Errorf("row has %d columns; want the 5 asked for", len(r))
	}

	regions, err := c.Query(context.Background(), "aws", "cloudtrailcc_region", []string{"region", "trail_count"}, nil)
	if err != nil || len(regions) != len(contracttest.Regions) {
		t.Fatalf("regions = %v, %v", regions, err)
	}
	if n, ok := regions[0]["trail_count"].(int64); !ok || n != 1 {
		t.Errorf("trail_count = %#v; want int64 1", regions[0]["trail_count"])
	}
}

func TestQualsFilterAsSQLWould(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	c := newClient(t, []inproc.Connection{{Name: "aws", Config: f.Config()}})
	ctx := context.Background()

	rows, err := c.Query(ctx, "aws", "cloudtrailcc_region", []string{"region"}, []inproc.Qual{{Column: "region", Operator: "=", Value: []string{"us-east-1", "eu-west-1", "xx-none-1"}}})
	if err != nil || len(rows) != 2 {
		t.Errorf("region in (...) = %v, %v; want 2 rows", rows, err)
	}
	rows, err = c.Query(ctx, "aws", "cloudtrailcc_finding", []string{"rule_id"}, []inproc.Qual{{Column: "status", Operator: "=", Value: "alarm"}, {Column: "severity", Operator: "=", Value: "medium"}})
	if err != nil || len(rows) == 0 {
		t.Fatalf("alarms = %v, %v; want some", rows, err)
	}
	all, err := c.Query(ctx, "aws", "cloudtrailcc_finding", []string{"rule_id", "status", "severity"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, r := range all {
		if r["status"] == "alarm" && r["severity"] == "medium" {
			want++
		}
	}
	if len(rows) != want {
		t.Errorf("status = 'alarm' and severity = 'medium' gave %d rows; want %d", len(rows), want)
	}
	rows, err = c.Query(ctx, "aws", "cloudtrailcc_trail", []string{"name"}, []inproc.Qual{{Column: "name", Operator: "=", Value: "no-such-trail"}})
	if err != nil || len(rows) != 0 {
		t.Errorf("name = 'no-such-trail' = %v, %v; want no rows", rows, err)
	}
}

func TestQueryRejectsUnknownNames(t *testing.T) {
	c := newClient(t, []inproc.Connection{{Name: "aws"}})
	ctx := context.Background()
	for _, tc := range []struct{ conn, table, col, want string }{
		{"nope", "cloudtrailcc_rule", "rule_id", `connection "nope"`},
		{"aws", "cloudtrailcc_rules", "rule_id", `table "cloudtrailcc_rules"`},
		{"aws", "cloudtrailcc_rule", "id", `column "id"`},
	} {
		_, err := c.Query(ctx, tc.conn, tc.table, []string{tc.col}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Query(%s, %s, %s) error = %v; want it to name %s", tc.conn, tc.table, tc.col, err, tc.want)
		}
	}
}

func TestScanWireGivesTheRowsScanDecodes(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	c := newClient(t, []inproc.Connection{{Name: "aws", Config: f.Config()}})
	ctx := context.Background()
	cols := []string{"rule_id", "status", "evidence"}
	decoded, err := c.Query(ctx, "aws", "cloudtrailcc_finding", cols, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, r := range decoded {
		want[r["rule_id"].(string)+" "+r["status"].(string)]++
	}
	got := map[string]int{}
	err = c.ScanWire(ctx, "aws", "cloudtrailcc_finding", cols, func(r *proto.Row) error {
		got[r.Columns["rule_id"].GetStringValue()+" "+r.Columns["status"].GetStringValue()]++
		if len(r.Columns["evidence"].GetJsonValue()) == 0 {
			t.Errorf("finding %s: evidence = %v; want its JSON as sent", r.Columns["rule_id"].GetStringValue(), r.Columns["evidence"])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(decoded) == 0 || !maps.Equal(got, want) {
		t.Errorf("ScanWire rows by rule and status = %v; want Query's %v", got, want)
	}
	if err := c.ScanWire(ctx, "aws", "cloudtrailcc_finding", []string{"id"}, func(*proto.Row) error { return nil }); err == nil || !strings.Contains(err.Error(), `column "id"`) {
		t.Errorf("ScanWire of an unknown column: error = %v; want it to name the column", err)
	}
}

// capture runs fn with os.Stdout and os.Stderr redirected and returns what
// was written to them.
func capture(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, r)
		done <- b.String()
	}()
	defer func() { os.Stdout, os.Stderr = stdout, stderr }()
	fn()
	_ = w.Close()
	return <-done
}

func TestSuccessfulQueriesPrintNothing(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	t.Setenv(inproc.LogLevelEnv, "")
	out := capture(t, func() {
		c, err := inproc.New(context.Background(), []inproc.Connection{{Name: "aws", Config: f.Config()}})
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		if _, err := c.Query(context.Background(), "aws", "cloudtrailcc_finding", nil, nil); err != nil {
			t.Error(err)
		}
	})
	if out != "" {
		t.Errorf("New and Query wrote to stdout/stderr:\n%s", out)
	}
}

func TestWithLoggerReceivesTheSDKsLogs(t *testing.T) {
	var buf bytes.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: &buf})
	c := newClient(t, []inproc.Connection{{Name: "aws"}}, inproc.WithLogger(logger))
	if _, err := c.Query(context.Background(), "aws", "cloudtrailcc_rule", []string{"rule_id"}, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "cloudtrailcc_rule") {
		t.Errorf("the logger saw no SDK output about the query:\n%s", buf.String())
	}
}

func TestFailedQueryReturnsTheErrorWithoutLogNoise(t *testing.T) {
	t.Setenv(inproc.LogLevelEnv, "")
	var err error
	out := capture(t, func() {
		c, nerr := inproc.New(context.Background(), []inproc.Connection{{Name: "aws"}})
		if nerr != nil {
			t.Error(nerr)
			return
		}
		_, err = c.Query(context.Background(), "aws", "cloudtrailcc_finding", []string{"rule_id"}, []inproc.Qual{{Column: "status", Operator: "=", Value: "failed"}})
	})
	if err == nil || !strings.Contains(err.Error(), `"failed"`) || !strings.Contains(err.Error(), "alarm") {
		t.Errorf("error = %v; want one naming the bad status and the valid ones", err)
	}
	if out != "" {
		t.Errorf("a failed query wrote to stdout/stderr:\n%s", out)
	}
}
