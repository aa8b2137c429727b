// Package inproc runs the cloudtrailcc plugin inside the calling process
// through the Steampipe SDK's own plugin server: the same
// SetAllConnectionConfigs, GetSchema and Execute handlers Steampipe drives
// over gRPC, minus the process boundary. The standalone CLI and the tests
// query the tables through it without Steampipe or PostgreSQL.
package inproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/turbot/steampipe-plugin-sdk/v5/anywhere"
	sdkgrpc "github.com/turbot/steampipe-plugin-sdk/v5/grpc"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc"
)

// LogLevelEnv names the environment variable that sets the log level of the
// plugin and SDK (trace, debug, info, warn, error, off; default warn).
const LogLevelEnv = "CLOUDTRAILCC_LOG_LEVEL"

// Connection is one plugin connection: a name and the HCL body of its
// config, as in a Steampipe .spc file (e.g. `regions = ["us-east-1"]`).
type Connection struct {
	Name   string
	Config string
}

// Column describes one column of a table.
type Column struct {
	// Name is the column name.
	Name string
	// Type is the Steampipe column type: STRING, INT, DOUBLE, BOOL, JSON,
	// TIMESTAMP, IPADDR, CIDR, INET or LTREE.
	Type string
	// Description is the column's description.
	Description string
}

// Qual is one condition of a query: Column Operator Value. Operators are
// SQL's: "=", "<>", "<", "<=", ">", ">=". Value is a string, int, int64,
// float64, bool or time.Time; a []string or []any with "=" is SQL's IN.
type Qual struct {
	Column   string
	Operator string
	Value    any
}

// Row is one result row: column name -> value, with the Go types string,
// int64, float64, bool, time.Time, the decoded JSON value (map[string]any,
// []any, string, float64, bool) for JSON columns, or nil for SQL NULL.
type Row map[string]any

// Option configures New.
type Option func(*options)

type options struct {
	logger   hclog.Logger
	progress func(connection string, done, total int)
}

// WithLogger sends the plugin's and the SDK's log output to l instead of a
// stderr logger at CLOUDTRAILCC_LOG_LEVEL (default warn).
func WithLogger(l hclog.Logger) Option { return func(o *options) { o.logger = l } }

// WithAccountProgress makes the plugin call fn as the accounts of an
// organization connection are read (done of total).
func WithAccountProgress(fn func(connection string, done, total int)) Option {
	return func(o *options) { o.progress = fn }
}

// Client is an in-process plugin with its connections configured. It is
// safe for concurrent queries.
type Client struct {
	server *sdkgrpc.PluginServer
	conns  []string
	schema map[string]*proto.TableSchema
	callID atomic.Int64
}

// serverMu serialises plugin.Server, which rewires the process-wide log package.
var serverMu sync.Mutex

// New starts the plugin in-process and configures conns, as Steampipe's
// SetAllConnectionConfigs does. A connection whose config is invalid fails
// New with an error naming the connection and the field.
//
// The SDK points the standard library's log package at its logger; New
// points it at the client's logger (see WithLogger), so SDK output stays
// off stdout and below the chosen level.
func New(ctx context.Context, conns []Connection, opts ...Option) (*Client, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = defaultLogger(os.Stderr)
	}
	if len(conns) == 0 {
		return nil, errors.New("inproc: at least one connection is needed")
	}
	seen := map[string]bool{}
	for _, c := range conns {
		if c.Name == "" {
			return nil, errors.New("inproc: a connection has no name")
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("inproc: connection %q is given twice", c.Name)
		}
		seen[c.Name] = true
	}
	var bad []error
	for _, c := range conns {
		if err := cloudtrailcc.ValidateConnectionConfig(c.Config); err != nil {
			bad = append(bad, fmt.Errorf("connection %s: %w", c.Name, err))
		}
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}

	server, err := startServer(o.logger, cloudtrailcc.Options{AccountProgress: o.progress})
	if err != nil {
		return nil, err
	}
	c := &Client{server: server}
	// The SDK always creates its query cache here; queries never use it
	// (CacheEnabled is false), and 0 MiB would mean two shards sized for
	// 300 MB, allocated and cleared at every start.
	req := &proto.SetAllConnectionConfigsRequest{MaxCacheSizeMb: 1}
	for _, conn := range conns {
		req.Configs = append(req.Configs, &proto.ConnectionConfig{
			Connection:      conn.Name,
			Plugin:          "local/" + cloudtrailcc.PluginName,
			PluginShortName: cloudtrailcc.PluginName,
			Config:          conn.Config,
		})
		c.conns = append(c.conns, conn.Name)
	}
	resp, err := server.SetAllConnectionConfigs(req)
	if err := connectionErrors(resp, err); err != nil {
		return nil, err
	}
	schema, err := server.GetSchema(&proto.GetSchemaRequest{Connection: conns[0].Name})
	if err != nil {
		return nil, fmt.Errorf("inproc: reading the plugin schema: %w", err)
	}
	c.schema = schema.GetSchema().GetSchema()
	return c, nil
}

// startServer builds the SDK's plugin server around the cloudtrailcc plugin
// and routes the SDK's logging to logger.
func startServer(logger hclog.Logger, opts cloudtrailcc.Options) (*sdkgrpc.PluginServer, error) {
	serverMu.Lock()
	defer serverMu.Unlock()
	var p *plugin.Plugin
	server := plugin.Server(&plugin.ServeOpts{
		PluginName: cloudtrailcc.PluginName,
		PluginFunc: func(ctx context.Context) *plugin.Plugin {
			p = cloudtrailcc.NewPlugin(ctx, opts)
			return p
		},
	})
	if p == nil {
		return nil, errors.New("inproc: the plugin was not created")
	}
	// plugin.Server gave the plugin a stderr logger and pointed the log
	// package at it; every Execute points the log package at p.Logger again.
	p.Logger = logger
	log.SetOutput(logger.StandardWriter(&hclog.StandardLoggerOptions{InferLevels: true}))
	log.SetPrefix("")
	log.SetFlags(0)
	return server, nil
}

// defaultLogger logs to w at CLOUDTRAILCC_LOG_LEVEL (default warn). At
// levels above debug it drops the SDK's warnings that only echo a failed
// query's error, which Query returns anyway.
func defaultLogger(w io.Writer) hclog.Logger {
	level := hclog.Warn
	if v := os.Getenv(LogLevelEnv); v != "" {
		if l := hclog.LevelFromString(v); l != hclog.NoLevel {
			level = l
		}
	}
	opts := &hclog.LoggerOptions{Name: cloudtrailcc.PluginName, Level: level, Output: w}
	if level > hclog.Debug {
		opts.Exclude = func(_ hclog.Level, msg string, _ ...any) bool {
			msg = strings.TrimSpace(msg)
			for _, p := range queryErrorEchoes {
				if strings.HasPrefix(msg, p) {
					return true
				}
			}
			return false
		}
	}
	return hclog.New(opts)
}

// queryErrorEchoes start the SDK's log lines that repeat a query's error on
// its way to the caller (six lines per failed query).
var queryErrorEchoes = []string{
	"doList callHydrateWithRetries",
	"QueryData StreamError",
	"streamRows execution has failed",
	"queryData.streamRows returned error",
	"executeForConnection",
	"error channel received",
	"fetchItems returned an error",
}

// connectionErrors turns SetAllConnectionConfigs' failed connections into
// one error, one line per connection (the plugin's messages start with
// "connection NAME:"; the SDK's own ones are prefixed with it here).
func connectionErrors(resp *proto.SetConnectionConfigResponse, err error) error {
	failed := resp.GetFailedConnections()
	if len(failed) == 0 {
		if err != nil {
			return fmt.Errorf("inproc: configuring connections: %w", err)
		}
		return nil
	}
	names := make([]string, 0, len(failed))
	for name := range failed {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		msg := failed[name]
		if !strings.HasPrefix(msg, "connection "+name+":") {
			msg = "connection " + name + ": " + msg
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// Connections returns the connection names, in the order given to New.
func (c *Client) Connections() []string { return slices.Clone(c.conns) }

// Schema returns every table with its columns, in schema order.
func (c *Client) Schema(ctx context.Context) (map[string][]Column, error) {
	out := make(map[string][]Column, len(c.schema))
	for name, t := range c.schema {
		cols := make([]Column, 0, len(t.Columns))
		for _, col := range t.Columns {
			cols = append(cols, Column{Name: col.Name, Type: col.Type.String(), Description: col.Description})
		}
		out[name] = cols
	}
	return out, ctx.Err()
}

// Query runs `select columns from table where quals` on connection and
// returns the rows. No columns means every column. Quals on key columns are
// passed to the plugin as Steampipe passes them; every qual is then applied
// to the rows, as PostgreSQL would.
func (c *Client) Query(ctx context.Context, connection, table string, columns []string, quals []Qual) ([]Row, error) {
	if !slices.Contains(c.conns, connection) {
		return nil, fmt.Errorf("unknown connection %q; connections: %s", connection, strings.Join(c.conns, ", "))
	}
	ts, ok := c.schema[table]
	if !ok {
		return nil, fmt.Errorf("unknown table %q; tables: %s", table, strings.Join(slices.Sorted(maps.Keys(c.schema)), ", "))
	}
	types := map[string]proto.ColumnType{}
	var all []string
	for _, col := range ts.Columns {
		types[col.Name] = col.Type
		all = append(all, col.Name)
	}
	if len(columns) == 0 {
		columns = all
	}
	for _, col := range columns {
		if _, ok := types[col]; !ok {
			return nil, fmt.Errorf("table %s has no column %q; columns: %s", table, col, strings.Join(all, ", "))
		}
	}
	protoQuals, err := toProtoQuals(quals, types)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", table, err)
	}
	// the plugin needs the qual columns too, to filter afterwards
	fetch := slices.Clone(columns)
	for _, q := range quals {
		if !slices.Contains(fetch, q.Column) {
			fetch = append(fetch, q.Column)
		}
	}

	req := &proto.ExecuteRequest{
		Table:        table,
		QueryContext: &proto.QueryContext{Columns: fetch, Quals: protoQuals},
		Connection:   connection,
		CallId:       fmt.Sprintf("inproc-%d-%d", os.Getpid(), c.callID.Add(1)),
		ExecuteConnectionData: map[string]*proto.ExecuteConnectionData{
			connection: {CacheEnabled: false},
		},
	}
	rows, err := c.execute(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", table, err)
	}
	var out []Row
	for _, pr := range rows {
		row := Row{}
		for _, col := range fetch {
			v, err := fromColumn(pr.Columns[col])
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", table, col, err)
			}
			row[col] = v
		}
		if !matchAll(row, quals) {
			continue
		}
		for col := range row {
			if !slices.Contains(columns, col) {
				delete(row, col)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// Close ends the client. The in-process plugin holds memory only (the SDK's
// query cache keeps a cleanup goroutine for the life of the process), so
// there is nothing else to release; Close exists so callers need not know.
func (c *Client) Close() {}

// execute runs req through the SDK's in-process path (CallExecuteAsync with
// a LocalPluginStream) and collects the rows.
//
// The stream carries: the rows, a nil row when the scan is done, then
// either a second nil row (success) or the error. The second Recv after the
// end-of-scan nil can come back empty both because of a second nil row and
// because the stream was closed with an error not yet seen; a probe row
// (dropped by a closed stream, delivered by an open one) tells them apart.
func (c *Client) execute(ctx context.Context, req *proto.ExecuteRequest) ([]*proto.Row, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream := anywhere.NewLocalPluginStream(ctx)
	c.server.CallExecuteAsync(req, stream)

	var rows []*proto.Row
	ends := 0
	for {
		resp, err := stream.Recv()
		if err != nil {
			return nil, err
		}
		if resp != nil && resp != probe {
			if resp.Row != nil {
				rows = append(rows, resp.Row)
			}
			continue
		}
		if resp == probe {
			return rows, nil // the stream is open: the second nil was success
		}
		ends++
		if ends == 2 {
			if err := stream.Send(probe); err != nil {
				return nil, err
			}
		}
	}
}

// probe is the marker execute sends itself to learn whether the stream was
// closed by an error.
var probe = &proto.ExecuteResponse{}

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

// fromColumn converts a column value from the wire to Go.
func fromColumn(c *proto.Column) (any, error) {
	if c == nil {
		return nil, nil
	}
	switch v := c.Value.(type) {
	case nil, *proto.Column_NullValue:
		return nil, nil
	case *proto.Column_StringValue:
		return v.StringValue, nil
	case *proto.Column_IntValue:
		return v.IntValue, nil
	case *proto.Column_DoubleValue:
		return v.DoubleValue, nil
	case *proto.Column_BoolValue:
		return v.BoolValue, nil
	case *proto.Column_TimestampValue:
		return v.TimestampValue.AsTime(), nil
	case *proto.Column_JsonValue:
		var out any
		if err := json.Unmarshal(v.JsonValue, &out); err != nil {
			return nil, fmt.Errorf("decoding JSON value: %w", err)
		}
		return out, nil
	case *proto.Column_IpAddrValue:
		return v.IpAddrValue, nil
	case *proto.Column_CidrRangeValue:
		return v.CidrRangeValue, nil
	case *proto.Column_LtreeValue:
		return v.LtreeValue, nil
	}
	return nil, fmt.Errorf("unexpected column value %T", c.Value)
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
