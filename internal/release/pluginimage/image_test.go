package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Bad options are refused before anything is built or written.
func TestBuildRefusesBadOptions(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "index.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	ok := options{Out: filepath.Join(t.TempDir(), "image"), Version: "0.1.0", Ref: defaultRef, Source: "../../..",
		Platforms: []string{"linux/amd64"}, Created: time.Now()}
	for name, tc := range map[string]struct {
		edit func(*options)
		want string
	}{
		"v prefix":      {func(o *options) { o.Version = "v0.1.0" }, "-version"},
		"not semver":    {func(o *options) { o.Version = "latest" }, "-version"},
		"bad platform":  {func(o *options) { o.Platforms = []string{"linux"} }, "-platforms"},
		"twice":         {func(o *options) { o.Platforms = []string{"linux/amd64", "linux/amd64"} }, "named twice"},
		"tagged ref":    {func(o *options) { o.Ref = defaultRef + ":1" }, "-ref"},
		"non-empty out": {func(o *options) { o.Out = full }, "not empty"},
	} {
		o := ok
		tc.edit(&o)
		if _, err := build(o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}

// The sample connection in the image names the image, not local/cloudtrailcc.
func TestSampleConnectionNamesTheImage(t *testing.T) {
	spc, err := os.ReadFile("../../../" + sampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	out, err := withPlugin(spc, "ghcr.io/example/cloudtrailcc")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `plugin = "ghcr.io/example/cloudtrailcc"`) || strings.Contains(string(out), "local/cloudtrailcc") {
		t.Errorf("sample connection not rewritten:\n%s", out)
	}
	if _, err := withPlugin([]byte("connection \"x\" {\n}\n"), defaultRef); err == nil {
		t.Error("a sample without the plugin line was accepted")
	}
}
