package contracttest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	sdkgrpc "github.com/turbot/steampipe-plugin-sdk/v5/grpc"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/shared"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// The seven tables of the plugin.
var tables = []string{
	"cloudtrailcc_trail", "cloudtrailcc_trail_bucket", "cloudtrailcc_region",
	"cloudtrailcc_rule", "cloudtrailcc_finding", "cloudtrailcc_config_change",
	"cloudtrailcc_exception",
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// pluginBinary builds the plugin (the module's main package) once per test run.
func pluginBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "cloudtrailcc-contract-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "cloudtrailcc.plugin")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building the plugin: %v", buildErr)
	}
	return binPath
}

// launch starts the plugin binary as Steampipe does: go-plugin with the
// SDK's handshake, gRPC only, the WrapperPlugin under the plugin's name.
func launch(t *testing.T) *sdkgrpc.PluginClient {
	t.Helper()
	const name = "cloudtrailcc"
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  shared.Handshake,
		Plugins:          map[string]goplugin.Plugin{name: &shared.WrapperPlugin{}},
		Cmd:              exec.Command(pluginBinary(t)),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: io.Discard}),
	})
	t.Cleanup(client.Kill)
	pc, err := sdkgrpc.NewPluginClient(client, name)
	if err != nil {
		t.Fatalf("connecting to the plugin: %v", err)
	}
	return pc
}

// configure sets the connections (name -> HCL) and returns the error
// Steampipe would show: the call's error or the failed connections.
func configure(pc *sdkgrpc.PluginClient, conns map[string]string) error {
	req := &proto.SetAllConnectionConfigsRequest{MaxCacheSizeMb: 0}
	for name, cfg := range conns {
		req.Configs = append(req.Configs, &proto.ConnectionConfig{
			Connection: name, Plugin: "local/cloudtrailcc", PluginShortName: "cloudtrailcc", Config: cfg,
		})
	}
	resp, err := pc.SetAllConnectionConfigs(req)
	if err != nil {
		return err
	}
	var msgs []string
	for name, msg := range resp.FailedConnections {
		msgs = append(msgs, name+": "+msg)
	}
	if len(msgs) > 0 {
		sort.Strings(msgs)
		return errors.New(strings.Join(msgs, "\n"))
	}
	return nil
}

// execute runs a scan of table on connection and collects the rows.
func execute(t *testing.T, pc *sdkgrpc.PluginClient, connection, table string, columns []string, quals map[string]*proto.Quals) ([]map[string]*proto.Column, error) {
	t.Helper()
	return executeOver(t, pc, connection, []string{connection}, table, columns, quals)
}

// executeOver runs a scan of table on connection as Steampipe sends it: for
// an aggregator, connection is the aggregator and conns its children.
func executeOver(t *testing.T, pc *sdkgrpc.PluginClient, connection string, conns []string, table string, columns []string, quals map[string]*proto.Quals) ([]map[string]*proto.Column, error) {
	t.Helper()
	req := &proto.ExecuteRequest{
		Table:                 table,
		QueryContext:          &proto.QueryContext{Columns: columns, Quals: quals},
		Connection:            connection,
		CallId:                fmt.Sprintf("%s-%s-%d", t.Name(), table, len(columns)),
		ExecuteConnectionData: map[string]*proto.ExecuteConnectionData{},
	}
	for _, c := range conns {
		req.ExecuteConnectionData[c] = &proto.ExecuteConnectionData{CacheEnabled: false}
	}
	stream, _, cancel, err := pc.Execute(req)
	if err != nil {
		return nil, err
	}
	defer cancel()
	var rows []map[string]*proto.Column
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		if resp.Row != nil {
			rows = append(rows, resp.Row.Columns)
		}
	}
}

// columnsOf returns the column names of table in the schema.
func columnsOf(t *testing.T, pc *sdkgrpc.PluginClient, connection, table string) []string {
	t.Helper()
	schema, err := pc.GetSchema(connection)
	if err != nil {
		t.Fatalf("GetSchema: %v", err)
	}
	ts, ok := schema.Schema[table]
	if !ok {
		t.Fatalf("schema has no table %s", table)
	}
	var names []string
	for _, c := range ts.Columns {
		names = append(names, c.Name)
	}
	return names
}

// seededPlugin starts a seeded fixture and the plugin binary with one
// connection "aws" to it.
func seededPlugin(t *testing.T) (*Fixture, *sdkgrpc.PluginClient) {
	t.Helper()
	f := Start(t)
	f.Seed(t)
	pc := launch(t)
	if err := configure(pc, map[string]string{"aws": f.Config()}); err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}
	return f, pc
}

func eq(column, value string) map[string]*proto.Quals {
	return map[string]*proto.Quals{column: {Quals: []*proto.Qual{{
		FieldName: column,
		Operator:  &proto.Qual_StringValue{StringValue: "="},
		Value:     &proto.QualValue{Value: &proto.QualValue_StringValue{StringValue: value}},
	}}}}
}

func TestSchemaHasSevenTablesWithEveryColumnDescribed(t *testing.T) {
	f := Start(t)
	pc := launch(t)
	if err := configure(pc, map[string]string{"aws": f.Config()}); err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}
	schema, err := pc.GetSchema("aws")
	if err != nil {
		t.Fatalf("GetSchema: %v", err)
	}
	var got []string
	for name := range schema.Schema {
		got = append(got, name)
	}
	want := slices.Clone(tables)
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("tables = %v; want %v", got, want)
	}
	for name, ts := range schema.Schema {
		if ts.Description == "" {
			t.Errorf("table %s has no description", name)
		}
		if len(ts.Columns) < 5 {
			t.Errorf("table %s has only %d columns", name, len(ts.Columns))
		}
		for _, c := range ts.Columns {
			if strings.TrimSpace(c.Description) == "" {
				t.Errorf("%s.%s has no description", name, c.Name)
			}
		}
	}
}

func TestEveryTableReturnsRowsFromTheEmulator(t *testing.T) {
	f := Start(t)
	f.Seed(t)
	pc := launch(t)
	// an exceptions file, so that cloudtrailcc_exception has a row
	exc := writeExceptions(t, "exception {\n  rule = \"*\"\n  resource = \"*\"\n  reason = \"r\"\n  expires = \""+day(1)+"\"\n  allow_all = true\n}\n")
	if err := configure(pc, map[string]string{"aws": f.Config(`config_change_lookback = "1h"`, fmt.Sprintf("exceptions_file = %q", exc))}); err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}
	for _, table := range tables {
		rows, err := execute(t, pc, "aws", table, columnsOf(t, pc, "aws", table), nil)
		if err != nil {
			t.Errorf("%s: %v", table, err)
			continue
		}
		if len(rows) == 0 {
			t.Errorf("%s: no rows", table)
		}
	}

	rows, err := execute(t, pc, "aws", "cloudtrailcc_trail", []string{"name", "arn", "is_logging", "s3_bucket_name"}, eq("name", f.TrailName))
	if err != nil {
		t.Fatalf("trail by name: %v", err)
	}
	if len(rows) != 1 {
		t.Fatalf("trail by name: %d rows; want 1", len(rows))
	}
	r := rows[0]
	if r["arn"].GetStringValue() != f.TrailARN || !r["is_logging"].GetBoolValue() || r["s3_bucket_name"].GetStringValue() != f.Bucket {
		t.Errorf("trail row = %v; want arn %s, logging, bucket %s", r, f.TrailARN, f.Bucket)
	}

	rows, err = execute(t, pc, "aws", "cloudtrailcc_trail_bucket", []string{"name", "trails", "owned"}, nil)
	if err != nil || len(rows) != 1 || rows[0]["name"].GetStringValue() != f.Bucket || !rows[0]["owned"].GetBoolValue() {
		t.Errorf("trail_bucket rows = %v, %v; want the seeded bucket, owned", rows, err)
	}
}

func TestFindingsCoverAllFourteenRules(t *testing.T) {
	_, pc := seededPlugin(t)
	rows, err := execute(t, pc, "aws", "cloudtrailcc_finding", []string{"rule_id", "status"}, nil)
	if err != nil {
		t.Fatalf("findings: %v", err)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r["rule_id"].GetStringValue()] = true
		if s := r["status"].GetStringValue(); !slices.Contains([]string{"ok", "alarm", "info", "skip", "error"}, s) {
			t.Errorf("rule %s: status %q", r["rule_id"].GetStringValue(), s)
		}
	}
	for _, rule := range rules.Catalogue() {
		if !seen[rule.ID] {
			t.Errorf("no finding for rule %s", rule.ID)
		}
	}
	if len(seen) != 14 {
		t.Errorf("findings cover %d rules; want 14", len(seen))
	}
}

func TestBadConnectionConfigNamesTheField(t *testing.T) {
	f := Start(t)
	pc := launch(t)
	for field, line := range map[string]string{
		"regions":                  `regions = ["moon-1"]`,
		"max_error_retry_attempts": `max_error_retry_attempts = -3`,
		"config_change_lookback":   `config_change_lookback = "forever"`,
	} {
		cfg := strings.Replace(f.Config(line), `regions = ["*"]`+"\n", "", 1)
		err := configure(pc, map[string]string{"bad_" + field: cfg})
		if err == nil {
			t.Errorf("%s: config accepted: %s", field, line)
			continue
		}
		if !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %q does not name the field", field, err)
		}
		t.Logf("%s: %v", field, err)
	}
	// an unknown attribute is the SDK's HCL error, naming it
	if err := configure(pc, map[string]string{"typo": f.Config(`region = "us-east-1"`)}); err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("unknown attribute: error = %v", err)
	}
}

func TestPluginAndRemediateOnlyRead(t *testing.T) {
	f, pc := seededPlugin(t)
	for _, table := range tables {
		if _, err := execute(t, pc, "aws", table, columnsOf(t, pc, "aws", table), nil); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
	}
	assertOnlyReads(t, f, "the plugin")

	// cloudtrailcc remediate writes a fix plan and applies none of it
	cli := filepath.Join(t.TempDir(), "cloudtrailcc")
	if out, err := exec.Command("go", "build", "-o", cli, "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cmd/cloudtrailcc").CombinedOutput(); err != nil {
		t.Fatalf("building the CLI: %v\n%s", err, out)
	}
	for _, format := range []string{"bash", "terraform"} {
		f.Emu.ResetCalls()
		cmd := exec.Command(cli, "remediate", "--format", format, "--endpoint-url", f.URL, "--access-key", AccessKey, "--secret-key", SecretKey)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "AWS_EC2_METADATA_DISABLED=true")
		out, err := cmd.Output()
		if err != nil || !strings.Contains(string(out), f.TrailName) {
			t.Fatalf("remediate --format %s: %v; the plan does not name trail %s:\n%s", format, err, f.TrailName, out)
		}
		assertOnlyReads(t, f, "remediate --format "+format)
	}
}

// assertOnlyReads fails unless who made calls and all of them only read.
func assertOnlyReads(t *testing.T, f *Fixture, who string) {
	t.Helper()
	actions := f.Actions()
	if len(actions) == 0 {
		t.Fatalf("the emulator served %s no calls", who)
	}
	for _, a := range actions {
		if !IsReadOnly(a) {
			t.Errorf("%s called %s, which is not a Describe/Get/List/Lookup call", who, a)
		}
	}
}

func TestChangedConnectionConfigTakesEffect(t *testing.T) {
	f, pc := seededPlugin(t)
	rows, err := execute(t, pc, "aws", "cloudtrailcc_region", []string{"region"}, nil)
	if err != nil || len(rows) != len(Regions) {
		t.Fatalf("regions = %d rows, %v; want %d", len(rows), err, len(Regions))
	}
	changed := strings.Replace(f.Config(), `regions = ["*"]`, `regions = ["eu-*"]`, 1)
	err = pc.UpdateConnectionConfigs(&proto.UpdateConnectionConfigsRequest{Changed: []*proto.ConnectionConfig{{
		Connection: "aws", Plugin: "local/cloudtrailcc", PluginShortName: "cloudtrailcc", Config: changed,
	}}})
	if err != nil {
		t.Fatalf("UpdateConnectionConfigs: %v", err)
	}
	rows, err = execute(t, pc, "aws", "cloudtrailcc_region", []string{"region"}, nil)
	if err != nil || len(rows) != 1 || rows[0]["region"].GetStringValue() != "eu-west-1" {
		t.Errorf("after regions = [\"eu-*\"]: %v, %v; want only eu-west-1", rows, err)
	}
}

func TestBadChangedConfigFailsQueriesNamingTheField(t *testing.T) {
	f := Start(t)
	pc := launch(t)
	if err := configure(pc, map[string]string{"aws": f.Config()}); err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}
	// the SDK does not report failures of UpdateConnectionConfigs; the
	// connection's queries must then say what is wrong
	bad := strings.Replace(f.Config(), `regions = ["*"]`, `regions = ["moon-1"]`, 1)
	if err := pc.UpdateConnectionConfigs(&proto.UpdateConnectionConfigsRequest{Changed: []*proto.ConnectionConfig{{
		Connection: "aws", Plugin: "local/cloudtrailcc", PluginShortName: "cloudtrailcc", Config: bad,
	}}}); err != nil {
		t.Logf("UpdateConnectionConfigs: %v", err)
	}
	wantBadRegionsError(t, f, pc, "aws")
}

// wantBadRegionsError asserts that a query on connection, configured with
// regions = ["moon-1"], fails naming the field and the value, before any
// AWS call.
func wantBadRegionsError(t *testing.T, f *Fixture, pc *sdkgrpc.PluginClient, connection string) {
	t.Helper()
	_, err := execute(t, pc, connection, "cloudtrailcc_trail", []string{"name"}, nil)
	if err == nil || !strings.Contains(err.Error(), "moon-1") || !strings.Contains(err.Error(), "regions") {
		t.Errorf("query on connection %s with a bad config: error = %v; want one naming regions and moon-1", connection, err)
	}
	if n := len(f.Actions()); n != 0 {
		t.Errorf("a connection with a bad config called AWS %d times", n)
	}
}
