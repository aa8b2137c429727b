package docs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/options"
)

// The README's configuration table, docs/index.md's example and the sample
// .spc are what the options table renders: a range or default changed in
// code cannot leave them stale.
func TestOptionDocsAreGenerated(t *testing.T) {
	stale, err := options.Sync("..", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range stale {
		t.Errorf("%s differs from what cloudtrailcc/options renders; run `go run ./docs/genoptions`", f)
	}
	spc, err := os.ReadFile(filepath.Join("..", "config", "cloudtrailcc.spc"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range options.All() {
		if !strings.Contains(string(spc), "# "+o.Name+" = ") {
			t.Errorf("config/cloudtrailcc.spc does not show %s", o.Name)
		}
	}
}
