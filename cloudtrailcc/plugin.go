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

	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"
)

// PluginName is the plugin's name: table prefix and go-plugin name.
const PluginName = "cloudtrailcc"

// Plugin returns the cloudtrailcc Steampipe plugin.
//
// The schema mode is dynamic only so that the SDK builds the table map (and
// so validates the connection config) for every connection: with a static
// schema it validates the first connection of a batch only. The tables are
// the same for every connection.
func Plugin(ctx context.Context) *plugin.Plugin {
	srcs := newSources()
	return &plugin.Plugin{
		Name:                   PluginName,
		ConnectionConfigSchema: configSchema(),
		SchemaMode:             plugin.SchemaModeDynamic,
		TableMapFunc: func(ctx context.Context, d *plugin.TableMapData) (map[string]*plugin.Table, error) {
			if _, err := settingsOf(d.Connection.Config); err != nil {
				// named: over gRPC the SDK joins every failed connection's error into one
				return nil, fmt.Errorf("connection %s: %w", d.Connection.Name, err)
			}
			return tables(srcs), nil
		},
	}
}

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
	}
	m := make(map[string]*plugin.Table, len(list))
	for _, t := range list {
		m[t.Name] = t
	}
	return m
}
