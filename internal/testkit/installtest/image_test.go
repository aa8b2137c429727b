package installtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/turbot/pipe-fittings/v2/app_specific"
	"github.com/turbot/pipe-fittings/v2/filepaths"
	"github.com/turbot/pipe-fittings/v2/ociinstaller"
	pplugin "github.com/turbot/pipe-fittings/v2/plugin"
	"github.com/turbot/pipe-fittings/v2/versionfile"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content/oci"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// registryHost is the name the test registry answers to: one of the names
// in httptest's TLS certificate, dialled to the in-process server. (A
// host:port reference would not survive Steampipe's image reference
// parsing, which splits the tag at the first colon.)
const registryHost = "example.com"

// steampipeMediaTypes are the media types `steampipe plugin install` asks
// the installer for: the plugin binary for this platform, the sample
// connection file and the licence, and the image config.
type steampipeMediaTypes struct{}

func (steampipeMediaTypes) MediaTypeForPlatform(t ociinstaller.ImageType) ([]string, error) {
	if t != ociinstaller.ImageTypePlugin {
		return nil, nil
	}
	return []string{fmt.Sprintf("application/vnd.turbot.steampipe.%s.%s-%s.layer.v1+gzip", t, runtime.GOOS, runtime.GOARCH)}, nil
}

func (steampipeMediaTypes) SharedMediaTypes(t ociinstaller.ImageType) []string {
	if t != ociinstaller.ImageTypePlugin {
		return nil
	}
	return []string{ociinstaller.MediaTypePluginSpcLayer(), ociinstaller.MediaTypePluginLicenseLayer()}
}

func (steampipeMediaTypes) ConfigMediaTypes() []string {
	return []string{ociinstaller.MediaTypeConfig(), ociinstaller.MediaTypePluginConfig()}
}

// TestSteampipeInstallsPluginImage builds the image with make image (this
// platform only), pushes the layout to a registry as the release workflow
// does (ORAS copy, then the latest tag), installs it with pipe-fittings'
// ociinstaller exactly as `steampipe plugin install
// example.com/cloudtrailcc/cloudtrailcc` calls it, and queries the
// installed binary over the plugin protocol.
func TestSteampipeInstallsPluginImage(t *testing.T) {
	const version = "0.1.0-test.1"
	repo := registryHost + "/cloudtrailcc/cloudtrailcc"
	root := repoRoot(t)
	layout := filepath.Join(t.TempDir(), "image")
	run(t, root, nil, "make", "--no-print-directory", "image",
		"IMAGE_DIR="+layout, "IMAGE_VERSION="+version, "IMAGE_REF="+repo,
		"IMAGE_PLATFORMS="+runtime.GOOS+"/"+runtime.GOARCH)

	transport := serveRegistry(t)
	ctx := context.Background()
	push(ctx, t, layout, repo, version, transport)

	// Steampipe's set-up of the installer (its cmdconfig), in a fresh
	// install directory.
	install := t.TempDir()
	app_specific.AppName = "steampipe"
	app_specific.ConfigExtension = ".spc"
	app_specific.PluginHub = "hub.steampipe.io/"
	app_specific.InstallDir = install
	app_specific.DefaultInstallDir = install
	app_specific.DefaultImageRepoActualURL = "ghcr.io/turbot/steampipe"
	app_specific.DefaultImageRepoDisplayURL = "hub.steampipe.io"
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials of this machine's user

	// `steampipe plugin install REF`: a plugin from outside the hub is
	// installed by the constraint it names (latest), without a version check.
	ref := ociinstaller.NewImageRef(repo)
	if ref.IsFromTurbotHub() {
		t.Fatalf("%s taken for a hub plugin", repo)
	}
	org, name, constraint := ref.GetOrgNameAndStream()
	resolved := pplugin.NewResolvedPluginVersion(org+"/"+name, constraint, constraint)
	progress := make(chan struct{}, 16)
	go func() {
		for range progress {
		}
	}()
	image, err := ociinstaller.InstallPlugin(ctx, resolved.GetVersionTag(), resolved.Constraint, progress,
		"ghcr.io/turbot/steampipe", steampipeMediaTypes{})
	close(progress)
	if err != nil {
		t.Fatalf("installing %s: %v", resolved.GetVersionTag(), err)
	}
	if got := image.Config.Plugin.Version; got != version {
		t.Errorf("installed image version %q, want %q", got, version)
	}

	// Where Steampipe looks for the plugin of a connection naming repo.
	full := repo + "@latest"
	binary, err := filepaths.GetPluginPath(full, repo)
	if err != nil {
		t.Fatalf("Steampipe finds no installed plugin %s: %v", full, err)
	}
	if filepath.Base(binary) != "steampipe-plugin-cloudtrailcc.plugin" {
		t.Errorf("installed binary %s", binary)
	}
	for _, doc := range []string{"index.md", "tables/cloudtrailcc_finding.md", "tables/cloudtrailcc_rule.md"} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(binary), "docs", filepath.FromSlash(doc))); err != nil {
			t.Errorf("installed docs: %v", err)
		}
	}
	spc, err := os.ReadFile(filepath.Join(install, "config", "cloudtrailcc.spc"))
	if err != nil {
		t.Fatalf("installed sample connection: %v", err)
	}
	if want := fmt.Sprintf("plugin = %q", repo); !bytes.Contains(spc, []byte(want)) {
		t.Errorf("installed cloudtrailcc.spc does not name the installed plugin (%s):\n%s", want, spc)
	}
	versions, err := versionfile.LoadPluginVersionFile(ctx)
	if err != nil {
		t.Fatalf("plugin versions file: %v", err)
	}
	if v, ok := versions.Plugins[full]; !ok || v.Version != version || v.BinaryDigest == "" {
		t.Errorf("versions.json entry for %s: %+v, want version %s and the binary's digest", full, v, version)
	}

	out, err := exec.Command(binary, "--version").CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), " "+version) {
		t.Errorf("%s --version: %q, %v; want the image's version %s", binary, out, err, version)
	}
	wantRules(t, queryRules(t, binary))
}

// serveRegistry runs an OCI registry (go-containerregistry's) over TLS
// until the test ends, reachable as registryHost by every HTTP client of
// this process (the installer builds its own from http.DefaultTransport),
// and returns the transport that reaches it.
func serveRegistry(t *testing.T) *http.Transport {
	t.Helper()
	srv := httptest.NewUnstartedServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	addr := srv.Listener.Addr().String()
	dialer := &net.Dialer{}
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		t.Fatalf("http.DefaultTransport is a %T", http.DefaultTransport)
	}
	saved := dt.Clone()
	dt.TLSClientConfig = &tls.Config{RootCAs: pool}
	dt.DialContext = func(ctx context.Context, network, hostport string) (net.Conn, error) {
		if hostport != registryHost+":443" {
			return nil, fmt.Errorf("test: no network beyond the registry (%s)", hostport)
		}
		return dialer.DialContext(ctx, network, addr)
	}
	t.Cleanup(func() {
		dt.CloseIdleConnections()
		dt.TLSClientConfig, dt.DialContext = saved.TLSClientConfig, saved.DialContext
	})
	return dt
}

// push publishes the layout's version as repo:version and tags it latest,
// as the release workflow does with `oras cp --from-oci-layout` and `oras tag`.
func push(ctx context.Context, t *testing.T, layout, repo, version string, transport http.RoundTripper) {
	t.Helper()
	src, err := oci.New(layout)
	if err != nil {
		t.Fatalf("opening the image layout: %v", err)
	}
	dst, err := remote.NewRepository(repo)
	if err != nil {
		t.Fatal(err)
	}
	dst.Client = &auth.Client{Client: &http.Client{Transport: transport}}
	desc, err := oras.Copy(ctx, src, version, dst, version, oras.DefaultCopyOptions)
	if err != nil {
		t.Fatalf("pushing %s:%s: %v", repo, version, err)
	}
	if err := dst.Tag(ctx, desc, "latest"); err != nil {
		t.Fatalf("tagging %s:latest: %v", repo, err)
	}
}
