// Package cloudtrailcc is the Steampipe plugin that audits AWS CloudTrail
// against the fourteen Cloud Conformity CloudTrail best practices: the
// plugin definition, the connection config and the tables. Every table
// reads through one per-connection source (see sources) so each AWS fact is
// read once per cache period, and only the facts the query's columns and
// quals need.
package cloudtrailcc

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"
)

// PluginName is the plugin's name: table prefix and go-plugin name.
const PluginName = "cloudtrailcc"

// Plugin returns the cloudtrailcc Steampipe plugin.
//
// The schema is static: every connection has the same tables, so the SDK
// builds the table map and schema once and shares them, instead of a table
// map, schema and connection cache per connection (about half a MiB each
// when hundreds of accounts are configured). The SDK then builds the table
// map, and so validates the connection config, for the first connection of
// a configuration batch only; every connection's config is validated again
// when it is first queried (sources.get), so a bad one still fails with an
// error naming the field before any AWS call.
//
// account_id is a key column of every table that reads AWS: with
// account_id = '...' (on one connection or on an aggregator) a connection
// to another account reads its identity and nothing else, and an
// organization connection returns the rows of that account. The SDK's
// ConnectionKeyColumns are not used: they give each connection one value,
// compared with "=", and leave out a connection whose value cannot be had,
// so an organization connection, which holds many accounts, would be left
// out of every query filtered on account_id.
func Plugin(ctx context.Context) *plugin.Plugin { return NewPlugin(ctx, Options{}) }

// Options are settings of a plugin run in-process that a connection config
// cannot carry.
type Options struct {
	// AccountProgress, when set, is called as the accounts of an
	// organization connection are read: done of total, from 0 of total
	// when the account list is known. It may be called from several
	// goroutines, one call at a time.
	AccountProgress func(connection string, done, total int)
}

// NewPlugin returns the cloudtrailcc Steampipe plugin with opts (see Plugin).
func NewPlugin(ctx context.Context, opts Options) *plugin.Plugin {
	keepSDKFromFreeingMemoryPerQuery()
	srcs := newSources()
	srcs.progress = opts.AccountProgress
	return &plugin.Plugin{
		Name:                   PluginName,
		ConnectionConfigSchema: configSchema(),
		SchemaMode:             plugin.SchemaModeStatic,
		TableMapFunc: func(ctx context.Context, d *plugin.TableMapData) (map[string]*plugin.Table, error) {
			if _, err := settingsOf(d.Connection.Config); err != nil {
				// named: over gRPC the SDK joins every failed connection's error into one
				return nil, fmt.Errorf("connection %s: %w", d.Connection.Name, err)
			}
			return tables(srcs), nil
		},
	}
}

// ValidateConnectionConfig parses and validates the HCL body of a
// connection config (as in a .spc file) the way the plugin does; the error
// names the field and the allowed values. A caller that configures several
// connections at once uses it to reject a bad one before any query, since
// with a static schema the SDK checks only the first of a batch.
func ValidateConnectionConfig(body string) error {
	c, err := decodeConnectionConfig(body)
	if err != nil {
		return err
	}
	_, err = c.settings()
	return err
}

// decodeConnectionConfig parses the HCL body of a connection config; an
// argument it does not know is an error naming it, on one line.
func decodeConnectionConfig(body string) (connectionConfig, error) {
	var c connectionConfig
	if strings.TrimSpace(body) != "" {
		f, diags := hclsyntax.ParseConfig([]byte(body), "", hcl.Pos{Line: 1, Column: 1})
		if !diags.HasErrors() {
			diags = gohcl.DecodeBody(f.Body, nil, &c)
		}
		if diags.HasErrors() {
			return connectionConfig{}, fmt.Errorf("invalid connection config: %s", strings.ReplaceAll(diags.Error(), "\n", "; "))
		}
	}
	return c, nil
}

// freeMemIntervalEnv is the SDK's setting for how often (in rows) a query
// forces a garbage collection and returns all free memory to the OS.
const freeMemIntervalEnv = "STEAMPIPE_FREE_MEM_INTERVAL"

// keepSDKFromFreeingMemoryPerQuery turns off, unless the user set it, the
// SDK's forced collection every 100 rows streamed, which also fires on the
// first row of every query: with many connections queried at once that is
// a full collection and scavenge per connection, about a quarter of the
// plugin's CPU time, for tables of at most a few thousand small rows. The
// Go runtime's own collector and scavenger still run.
func keepSDKFromFreeingMemoryPerQuery() {
	if _, set := os.LookupEnv(freeMemIntervalEnv); !set {
		_ = os.Setenv(freeMemIntervalEnv, "0")
	}
}

// accountIDColumn is the column, in every table that reads AWS, holding the
// account the row belongs to.
const accountIDColumn = "account_id"

// tables returns every table of the plugin, reading through srcs.
func tables(srcs *sources) map[string]*plugin.Table {
	list := []*plugin.Table{
		trailTable().build(srcs),
		trailBucketTable().build(srcs),
		regionTable().build(srcs),
		ruleTable().build(srcs),
		findingTable().build(srcs),
		configChangeTable().build(srcs),
		exceptionTable().build(srcs),
		logIntegrityTableOf(srcs),
	}
	m := make(map[string]*plugin.Table, len(list))
	for _, t := range list {
		m[t.Name] = t
	}
	return m
}
