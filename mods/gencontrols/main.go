// Command gencontrols writes the mod's controls from the rules catalogue:
// mods/cloudtrailcc/controls.pp (each control's title, description,
// severity and tags are the catalogue's) and each control's documentation,
// mods/cloudtrailcc/docs/controls/RULE_ID.md. Markdown files there that no
// rule has any more are removed. Run it with `go generate ./mods` from the
// repository root.
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
	files, err := mods.Generated(rules.Catalogue())
	if err != nil {
		return err
	}
	// go generate runs in the package directory (mods).
	docs := filepath.Join(mods.ModDir, filepath.FromSlash(mods.ControlDocsDir))
	if err := os.MkdirAll(docs, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", docs, err)
	}
	stale, err := filepath.Glob(filepath.Join(docs, "*.md"))
	if err != nil {
		return fmt.Errorf("listing %s: %w", docs, err)
	}
	for _, path := range stale {
		rel, err := filepath.Rel(mods.ModDir, path)
		if err != nil {
			return err
		}
		if _, ok := files[filepath.ToSlash(rel)]; !ok {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("removing %s: %w", path, err)
			}
			fmt.Println("removed", path)
		}
	}
	for name, src := range files {
		path := filepath.Join(mods.ModDir, filepath.FromSlash(name))
		if err := os.WriteFile(path, src, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	fmt.Printf("wrote %s, %s and %d control docs in %s\n", mods.ControlsFile, mods.CISFile, len(files)-2, docs)
	return nil
}
