// Package inproc runs the cloudtrailcc plugin inside the calling process
// through the Steampipe SDK's own plugin server: the same
// SetAllConnectionConfigs, GetSchema and Execute handlers Steampipe drives
// over gRPC, minus the process boundary. The standalone CLI and the tests
// query the tables through it without Steampipe or PostgreSQL.
package inproc

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	sdkgrpc "github.com/turbot/steampipe-plugin-sdk/v5/grpc"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"

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

// Close ends the client. The in-process plugin holds memory only (the SDK's
// query cache keeps a cleanup goroutine for the life of the process), so
// there is nothing else to release; Close exists so callers need not know.
func (c *Client) Close() {}
