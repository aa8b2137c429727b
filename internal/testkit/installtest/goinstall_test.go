package installtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// TestGoInstallFromModuleProxy installs the plugin with `go install
// MODULE@VERSION` from a module proxy, as a user would from a release: the
// file proxy holds this repository's HEAD as the module (zip, go.mod and
// info files per the GOPROXY protocol); the dependencies come from the real
// proxy (`go env GOPROXY`) or the module cache, checked against the
// module's go.sum. go install refuses a module whose go.mod has a replace
// directive, so this fails as soon as one comes back. The installed binary
// must then answer over the plugin protocol.
func TestGoInstallFromModuleProxy(t *testing.T) {
	root := repoRoot(t)
	rev := strings.TrimSpace(run(t, root, nil, "git", "rev-parse", "HEAD"))
	secs, err := strconv.ParseInt(strings.TrimSpace(run(t, root, nil, "git", "show", "-s", "--format=%ct", rev)), 10, 64)
	if err != nil {
		t.Fatalf("commit time: %v", err)
	}
	when := time.Unix(secs, 0).UTC()
	// The pseudo-version `go install MODULE@COMMIT` resolves HEAD to.
	version := module.PseudoVersion("v0", "", when, rev[:12])

	proxy := t.TempDir()
	dir := filepath.Join(proxy, filepath.FromSlash(modulePath), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The module zip of the commit's tree, as the module proxy would serve
	// it for a tag there (nested modules such as tools/ left out).
	src := filepath.Join(t.TempDir(), "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "src.tar")
	run(t, root, nil, "git", "archive", "--format=tar", "-o", archive, rev)
	run(t, src, nil, "tar", "-xf", archive)
	var zip bytes.Buffer
	if err := modzip.CreateFromDir(&zip, module.Version{Path: modulePath, Version: version}, src); err != nil {
		t.Fatalf("module zip of %s: %v", rev, err)
	}
	info, _ := json.Marshal(map[string]string{"Version": version, "Time": when.Format(time.RFC3339)})
	for name, data := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": info,
		version + ".mod":  []byte(run(t, root, nil, "git", "show", rev+":go.mod")),
		version + ".zip":  zip.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("module %s@%s: %d-byte zip", modulePath, version, zip.Len())

	realProxy := strings.TrimSpace(run(t, root, nil, "go", "env", "GOPROXY"))
	modCache := strings.TrimSpace(run(t, root, nil, "go", "env", "GOMODCACHE"))
	t.Cleanup(func() { forget(t, modCache, version) })
	gobin := t.TempDir()
	env := append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+","+realProxy,
		"GOBIN="+gobin,
		"GONOSUMDB="+modulePath, // this build is in no checksum database; its dependencies are in its go.sum
		"GOWORK=off",
		"GOTOOLCHAIN=local",
		"GOFLAGS=",
	)
	out := run(t, t.TempDir(), env, "go", "install", modulePath+"@"+version)
	t.Logf("go install %s@%s: ok %s", modulePath, version, out)

	binary := filepath.Join(gobin, "steampipe-plugin-cloudtrailcc")
	if fi, err := os.Stat(binary); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("go install left no executable %s: %v", binary, err)
	}
	wantRules(t, queryRules(t, binary))
}

// forget removes the version this test put in the module cache (its own
// pseudo-version of this module, never a real release), so that no copy
// of the repository is left behind per commit.
func forget(t *testing.T, modCache, version string) {
	extracted := filepath.Join(modCache, filepath.FromSlash(modulePath)+"@"+version)
	if _, err := os.Lstat(extracted); err == nil {
		// the module cache makes its directories read-only
		_ = exec.Command("chmod", "-R", "u+w", extracted).Run()
		if err := os.RemoveAll(extracted); err != nil {
			t.Logf("removing %s: %v", extracted, err)
		}
	}
	dl := filepath.Join(modCache, "cache", "download", filepath.FromSlash(modulePath), "@v")
	matches, _ := filepath.Glob(filepath.Join(dl, version+".*"))
	for _, m := range matches {
		_ = os.Remove(m)
	}
}
