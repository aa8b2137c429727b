package docs_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// module is the module path every package of the repository starts with.
const module = "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc"

// goPackage is what `go list -json` says of one package.
type goPackage struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// goList runs `go list -json args...` at the repository root.
func goList(t *testing.T, args ...string) []goPackage {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	var pkgs []goPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// rel is a package path inside the module ("." for the root), or "" for
// a package of another module.
func rel(importPath string) string {
	if importPath == module {
		return "."
	}
	r, ok := strings.CutPrefix(importPath, module+"/")
	if !ok {
		return ""
	}
	return r
}

// mappedPackages are the packages ARCHITECTURE.md's package table names.
func mappedPackages(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\|")
	var out []string
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		t.Fatal("ARCHITECTURE.md has no package table (rows \"| `path` | ...\")")
	}
	return out
}

// ARCHITECTURE.md maps every package of the module, and no package that is
// gone.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	mapped := mappedPackages(t)
	var all []string
	for _, p := range goList(t, "./...") {
		all = append(all, rel(p.ImportPath))
		if !slices.Contains(mapped, rel(p.ImportPath)) {
			t.Errorf("package %s is not in ARCHITECTURE.md's package table; add a row saying what ships it and its job", rel(p.ImportPath))
		}
	}
	for _, m := range mapped {
		if !slices.Contains(all, m) {
			t.Errorf("ARCHITECTURE.md names package %s, which `go list ./...` does not list", m)
		}
	}
}

// The plugin binary links only the plugin's packages: cloudtrailcc and
// cloudtrailcc/<pkg>, the version and main.go's root package. Nothing of
// the CLI, the emulator or the tests ships in it.
func TestPluginBinaryLinksOnlyPluginPackages(t *testing.T) {
	n := 0
	for _, p := range goList(t, "-deps", ".") {
		r := rel(p.ImportPath)
		if r == "" {
			continue
		}
		n++
		if r != "." && r != "version" && r != "cloudtrailcc" && !strings.HasPrefix(r, "cloudtrailcc/") {
			t.Errorf("the plugin binary links %s; only ., version, cloudtrailcc and cloudtrailcc/<pkg> may ship in it", r)
		}
	}
	if n < 3 {
		t.Fatalf("go list -deps . named %d module packages; want the plugin's", n)
	}
}

// The CLI links no test rig.
func TestCLILinksNoTestkit(t *testing.T) {
	deps := goList(t, "-deps", "./cmd/cloudtrailcc")
	var inproc bool
	for _, p := range deps {
		r := rel(p.ImportPath)
		inproc = inproc || r == "internal/cli/inproc"
		if strings.HasPrefix(r, "internal/testkit/") {
			t.Errorf("the CLI links %s, a test-only package", r)
		}
	}
	if !inproc {
		t.Fatal("go list -deps ./cmd/cloudtrailcc does not name internal/cli/inproc; the listing is not the CLI's")
	}
}

// A testkit package is imported by tests only: from _test.go files, or from
// another testkit package.
func TestTestkitIsImportedOnlyByTests(t *testing.T) {
	users := 0
	for _, p := range goList(t, "./...") {
		r := rel(p.ImportPath)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(rel(imp), "internal/testkit/") {
				continue
			}
			if !strings.HasPrefix(r, "internal/testkit/") {
				t.Errorf("%s imports %s outside its _test.go files", r, rel(imp))
			}
		}
		for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
			if strings.HasPrefix(rel(imp), "internal/testkit/") {
				users++
			}
		}
	}
	if users == 0 {
		t.Fatal("no test imports an internal/testkit package; the listing is missing the test imports")
	}
}
