// Command genoptions writes what the connection options table
// (cloudtrailcc/options) renders: the README's configuration table, the
// configuration example of docs/index.md and config/cloudtrailcc.spc. Run
// it from the repository root after changing the table.
package main

import (
	"fmt"
	"os"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/options"
)

func main() {
	changed, err := options.Sync(".", true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genoptions:", err)
		os.Exit(1)
	}
	for _, f := range changed {
		fmt.Println("wrote", f)
	}
}
