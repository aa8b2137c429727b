package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The image's names and defaults.
const (
	pluginName       = "cloudtrailcc"
	pluginOrg        = "cloudtrailcc"
	defaultRef       = "ghcr.io/cloudtrailcc/cloudtrailcc"
	defaultSourceURL = "https://github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc"
	// binaryName is the file the installer writes into the plugin's folder
	// (Steampipe runs the one *.plugin file there).
	binaryName = "steampipe-plugin-" + pluginName + ".plugin"
	// configSchema is the config blob's schemaVersion Steampipe reads.
	configSchema = "2020-11-18"
	// versionPackage is the -X target that stamps the release version.
	versionPackage = "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/version.Version"
	// sampleConfig is the sample connection file, relative to the source.
	sampleConfig = "config/cloudtrailcc.spc"
)

// Media types of Steampipe plugin images (pipe-fittings ociinstaller,
// application name "steampipe").
const (
	mediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeIndex    = "application/vnd.oci.image.index.v1+json"
	mediaTypeConfig   = "application/vnd.turbot.steampipe.config.v1+json"
	mediaTypeDocs     = "application/vnd.turbot.steampipe.plugin.docs.layer.v1+tar"
	mediaTypeSpc      = "application/vnd.turbot.steampipe.plugin.spc.layer.v1+tar"
	mediaTypeLicense  = "application/vnd.turbot.steampipe.plugin.license.layer.v1+text"
)

// mediaTypeBinary is the media type of the plugin binary layer for goos/goarch.
func mediaTypeBinary(goos, goarch string) string {
	return fmt.Sprintf("application/vnd.turbot.steampipe.plugin.%s-%s.layer.v1+gzip", goos, goarch)
}

// Annotations: the file name a layer is saved under, and ORAS's marks of a
// directory packed as tar.gz (unpack it; the digest of the tar inside).
const (
	annotationTitle     = "org.opencontainers.image.title"
	annotationRefName   = "org.opencontainers.image.ref.name"
	annotationOrasUnzip = "io.deis.oras.content.unpack"
	annotationOrasTar   = "io.deis.oras.content.digest"
)

// defaultPlatforms are the platforms a release image carries, as Turbot's
// plugin images do.
var defaultPlatforms = []string{"darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64"}

// options say what to build.
type options struct {
	Out, Version, Ref, Source, Revision, SourceURL string
	Platforms                                      []string
	Created                                        time.Time
}

// descriptor is an OCI content descriptor.
type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// versionPattern is semver without a leading v, as Steampipe's tags are.
var versionPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// platformPattern is GOOS/GOARCH.
var platformPattern = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9]+$`)

// build writes the image layout and returns the manifest's digest.
func build(o options) (string, error) {
	if !versionPattern.MatchString(o.Version) {
		return "", fmt.Errorf("-version %q: want semver without a leading v, such as 0.1.0", o.Version)
	}
	if len(o.Platforms) == 0 {
		return "", errors.New("-platforms: none given")
	}
	for _, p := range o.Platforms {
		if !platformPattern.MatchString(p) {
			return "", fmt.Errorf("-platforms: %q is not GOOS/GOARCH", p)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(o.Platforms)))) != len(o.Platforms) {
		return "", errors.New("-platforms: a platform is named twice")
	}
	if o.Ref == "" || strings.ContainsAny(o.Ref, "@: \"\\\n") {
		return "", fmt.Errorf("-ref %q: want a registry reference without tag, such as %s", o.Ref, defaultRef)
	}
	if err := emptyDir(o.Out); err != nil {
		return "", err
	}
	w := &layout{dir: o.Out}
	var layers []descriptor
	for _, p := range o.Platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		d, err := w.binaryLayer(o, goos, goarch)
		if err != nil {
			return "", err
		}
		layers = append(layers, d)
	}
	docs, err := docsFiles(o.Source)
	if err != nil {
		return "", err
	}
	d, err := w.dirLayer("docs", mediaTypeDocs, docs)
	if err != nil {
		return "", err
	}
	layers = append(layers, d)
	spc, err := readRegular(filepath.Join(o.Source, sampleConfig))
	if err != nil {
		return "", err
	}
	spc, err = withPlugin(spc, o.Ref)
	if err != nil {
		return "", err
	}
	d, err = w.dirLayer("config", mediaTypeSpc, []file{{name: filepath.Base(sampleConfig), data: spc}})
	if err != nil {
		return "", err
	}
	layers = append(layers, d)
	license, err := readRegular(filepath.Join(o.Source, "LICENSE"))
	if err != nil {
		return "", err
	}
	d, err = w.blob(mediaTypeLicense, license)
	if err != nil {
		return "", err
	}
	d.Annotations = map[string]string{annotationTitle: "LICENSE"}
	layers = append(layers, d)

	cfg, err := json.Marshal(map[string]any{
		"schemaVersion": configSchema,
		"plugin":        map[string]string{"name": pluginName, "organization": pluginOrg, "version": o.Version},
	})
	if err != nil {
		return "", err
	}
	config, err := w.blob(mediaTypeConfig, cfg)
	if err != nil {
		return "", err
	}
	annotations := map[string]string{
		"org.opencontainers.image.title":       pluginName,
		"org.opencontainers.image.description": "Steampipe plugin auditing AWS CloudTrail",
		"org.opencontainers.image.version":     o.Version,
		"org.opencontainers.image.created":     o.Created.Format(time.RFC3339),
		"org.opencontainers.image.source":      o.SourceURL,
		"org.opencontainers.image.licenses":    "Apache-2.0",
	}
	if o.Revision != "" {
		annotations["org.opencontainers.image.revision"] = o.Revision
	}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaTypeManifest,
		"config":        config,
		"layers":        layers,
		"annotations":   annotations,
	})
	if err != nil {
		return "", err
	}
	m, err := w.blob(mediaTypeManifest, manifest)
	if err != nil {
		return "", err
	}
	m.Annotations = map[string]string{annotationRefName: o.Version}
	index, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaTypeIndex,
		"manifests":     []descriptor{m},
	})
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(o.Out, "index.json"), index, 0o644); err != nil {
		return "", fmt.Errorf("writing index.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(o.Out, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return "", fmt.Errorf("writing oci-layout: %w", err)
	}
	return m.Digest, nil
}

// emptyDir creates dir, or accepts it when it is an empty directory (not a
// symlink): the layout is never written over another one.
func emptyDir(dir string) error {
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("-out %s: not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("-out %s: not empty; remove it first", dir)
	}
	return nil
}

// layout writes blobs into an OCI image layout.
type layout struct{ dir string }

// blob stores data under its digest and describes it.
func (l *layout) blob(mediaType string, data []byte) (descriptor, error) {
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	dir := filepath.Join(l.dir, "blobs", "sha256")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return descriptor{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, hexSum), data, 0o644); err != nil {
		return descriptor{}, fmt.Errorf("writing blob: %w", err)
	}
	return descriptor{MediaType: mediaType, Digest: "sha256:" + hexSum, Size: int64(len(data))}, nil
}

// binaryLayer builds the plugin for goos/goarch as GoReleaser's release
// build does (static, trimmed, version stamped) and stores it gzipped, the
// gzip header naming the file the installer writes.
func (l *layout) binaryLayer(o options, goos, goarch string) (descriptor, error) {
	tmp, err := os.MkdirTemp("", "pluginimage-")
	if err != nil {
		return descriptor{}, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, binaryName)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X "+versionPackage+"="+o.Version, "-o", bin, ".")
	cmd.Dir = o.Source
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return descriptor{}, fmt.Errorf("building the plugin for %s/%s: %w\n%s", goos, goarch, err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return descriptor{}, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return descriptor{}, err
	}
	zw.Name = binaryName
	if _, err := zw.Write(data); err != nil {
		return descriptor{}, err
	}
	if err := zw.Close(); err != nil {
		return descriptor{}, err
	}
	d, err := l.blob(mediaTypeBinary(goos, goarch), buf.Bytes())
	if err != nil {
		return descriptor{}, err
	}
	d.Annotations = map[string]string{annotationTitle: fmt.Sprintf("steampipe-plugin-%s_%s_%s.gz", pluginName, goos, goarch)}
	return d, nil
}

// file is one file of a directory layer, its name relative to the directory.
type file struct {
	name string
	data []byte
}

// dirLayer stores files as the directory name, packed as ORAS packs a
// directory it pushes (tar.gz; the tar's entries start with name/; the
// annotations tell the puller to unpack it and the tar's digest), so that
// the installer's ORAS file store unpacks it into name/.
func (l *layout) dirLayer(name, mediaType string, files []file) (descriptor, error) {
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	epoch := time.Unix(0, 0).UTC()
	dirs := map[string]bool{}
	addDir := func(dir string) error {
		if dirs[dir] {
			return nil
		}
		dirs[dir] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: epoch})
	}
	if err := addDir(name); err != nil {
		return descriptor{}, err
	}
	for _, f := range files {
		full := name + "/" + f.name
		if sub := filepath.ToSlash(filepath.Dir(full)); sub != name {
			if err := addDir(sub); err != nil {
				return descriptor{}, err
			}
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: full, Mode: 0o644, Size: int64(len(f.data)), ModTime: epoch}); err != nil {
			return descriptor{}, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return descriptor{}, err
		}
	}
	if err := tw.Close(); err != nil {
		return descriptor{}, err
	}
	tarSum := sha256.Sum256(tarBuf.Bytes())
	var gzBuf bytes.Buffer
	zw := gzip.NewWriter(&gzBuf)
	if _, err := zw.Write(tarBuf.Bytes()); err != nil {
		return descriptor{}, err
	}
	if err := zw.Close(); err != nil {
		return descriptor{}, err
	}
	d, err := l.blob(mediaType, gzBuf.Bytes())
	if err != nil {
		return descriptor{}, err
	}
	d.Annotations = map[string]string{
		annotationTitle:     name,
		annotationOrasUnzip: "true",
		annotationOrasTar:   "sha256:" + hex.EncodeToString(tarSum[:]),
	}
	return d, nil
}

// docsFiles are the hub documentation pages: docs/index.md and
// docs/tables/*.md (what the release archive carries too).
func docsFiles(source string) ([]file, error) {
	names := []string{"index.md"}
	tables, err := filepath.Glob(filepath.Join(source, "docs", "tables", "*.md"))
	if err != nil {
		return nil, err
	}
	if len(tables) == 0 {
		return nil, fmt.Errorf("no table pages in %s", filepath.Join(source, "docs", "tables"))
	}
	for _, t := range tables {
		names = append(names, "tables/"+filepath.Base(t))
	}
	slices.Sort(names)
	var files []file
	for _, n := range names {
		data, err := readRegular(filepath.Join(source, "docs", filepath.FromSlash(n)))
		if err != nil {
			return nil, err
		}
		files = append(files, file{name: n, data: data})
	}
	return files, nil
}

// maxSourceFile bounds a documentation, config or licence file.
const maxSourceFile = 4 << 20

// readRegular reads a regular file (not a symlink, at most maxSourceFile bytes).
func readRegular(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if fi.Size() > maxSourceFile {
		return nil, fmt.Errorf("%s: %d bytes, more than %d", path, fi.Size(), maxSourceFile)
	}
	return os.ReadFile(path)
}

// pluginLine is the sample connection's plugin argument.
var pluginLine = regexp.MustCompile(`(?m)^(\s*plugin\s*=\s*)"local/cloudtrailcc"\s*$`)

// withPlugin returns the sample connection file with its connection naming
// the plugin by ref, as a connection of the installed image must (the file
// names "local/cloudtrailcc", what make install builds).
func withPlugin(spc []byte, ref string) ([]byte, error) {
	if n := len(pluginLine.FindAllIndex(spc, -1)); n != 1 {
		return nil, fmt.Errorf(`%s: want exactly one line plugin = "local/cloudtrailcc", found %d`, sampleConfig, n)
	}
	return pluginLine.ReplaceAll(spc, []byte(`${1}"`+ref+`"`)), nil
}
