// Command cloudtrailcc is the Steampipe plugin binary: Steampipe launches it
// and talks to it over the SDK's gRPC plugin protocol.
//
// The SDK's protocol carries no plugin version (Steampipe shows the version
// it installed), so the binary states its own: `cloudtrailcc.plugin
// --version` prints it, and the plugin logs it when Steampipe starts it.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/version"
)

func main() {
	cloudtrailcc.SampleAllocationsOnlyForProfiling()
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println(cloudtrailcc.PluginName, version.Version)
		return
	}
	plugin.Serve(&plugin.ServeOpts{PluginName: cloudtrailcc.PluginName, PluginFunc: withVersionLog})
}

// withVersionLog builds the plugin, logging its version to Steampipe's
// plugin log first.
func withVersionLog(ctx context.Context) *plugin.Plugin {
	plugin.Logger(ctx).Info("cloudtrailcc plugin starting", "version", version.Version)
	return cloudtrailcc.Plugin(ctx)
}
