// Command cloudtrailcc is the Steampipe plugin binary: Steampipe launches it
// and talks to it over the SDK's gRPC plugin protocol.
package main

import (
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc"
)

func main() {
	plugin.Serve(&plugin.ServeOpts{PluginName: cloudtrailcc.PluginName, PluginFunc: cloudtrailcc.Plugin})
}
