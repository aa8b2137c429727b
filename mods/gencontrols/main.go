// Command gencontrols writes mods/cloudtrailcc/controls.pp from the rules
// catalogue, so each control's title, description and severity are the
// catalogue's. Run it with `go generate ./mods` from the repository root.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/mods"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gencontrols:", err)
		os.Exit(1)
	}
}

func run() error {
	src, err := mods.RenderControls(rules.Catalogue())
	if err != nil {
		return err
	}
	// go generate runs in the package directory (mods).
	path := filepath.Join(mods.ModDir, mods.ControlsFile)
	if err := os.WriteFile(path, src, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	fmt.Println("wrote", path)
	return nil
}
