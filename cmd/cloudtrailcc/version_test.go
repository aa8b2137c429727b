package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/version"
)

// TestReleaseBuildReportsItsVersion builds the CLI and the plugin with the
// -ldflags -X stamp the release build uses and runs each with --version.
func TestReleaseBuildReportsItsVersion(t *testing.T) {
	const stamp = "v9.8.7-test"
	dir := t.TempDir()
	for _, b := range []struct{ name, pkg, want string }{
		{"cloudtrailcc", ".", "cloudtrailcc version " + stamp},
		{"cloudtrailcc.plugin", "../..", "cloudtrailcc " + stamp},
	} {
		bin := filepath.Join(dir, b.name)
		build := exec.Command("go", "build", "-ldflags", "-X "+version.Package+".Version="+stamp, "-o", bin, b.pkg)
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.pkg, err, out)
		}
		out, err := exec.Command(bin, "--version").CombinedOutput()
		if err != nil {
			t.Fatalf("%s --version: %v\n%s", b.name, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != b.want {
			t.Errorf("%s --version printed %q, want %q", b.name, got, b.want)
		}
	}
}

func TestUnstampedBuildSaysDev(t *testing.T) {
	var out, errOut strings.Builder
	if code := run(t.Context(), []string{"--version"}, &out, &errOut); code != exitOK {
		t.Fatalf("--version: exit %d, %s", code, errOut.String())
	}
	if got := strings.TrimSpace(out.String()); got != "cloudtrailcc version dev" {
		t.Errorf("--version printed %q", got)
	}
}
