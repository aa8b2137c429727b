// Command pluginimage builds the cloudtrailcc plugin as an OCI image layout
// (make image): the image `steampipe plugin install` pulls, with the media
// types and layers Steampipe's installer (pipe-fittings' ociinstaller)
// looks for:
//
//   - config application/vnd.turbot.steampipe.config.v1+json:
//     {"schemaVersion":"2020-11-18","plugin":{"name","organization","version"}}
//   - one layer per platform, application/vnd.turbot.steampipe.plugin.OS-ARCH.layer.v1+gzip:
//     the plugin binary gzipped, the gzip header naming the installed file
//     (steampipe-plugin-cloudtrailcc.plugin)
//   - docs, application/vnd.turbot.steampipe.plugin.docs.layer.v1+tar, and
//     the sample connection file, application/vnd.turbot.steampipe.plugin.spc.layer.v1+tar:
//     directories packed as ORAS packs them (tar.gz, unpacked on pull)
//   - the licence, application/vnd.turbot.steampipe.plugin.license.layer.v1+text
//
// The layout (oci-layout, index.json, blobs/sha256) is what
// `oras cp --from-oci-layout DIR:VERSION REGISTRY/REPO:VERSION` publishes.
//
//	pluginimage -out bin/image -version 0.1.0 [-platforms linux/amd64,darwin/arm64] [-ref ghcr.io/cloudtrailcc/cloudtrailcc]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	var o options
	var platforms, created string
	flag.StringVar(&o.Out, "out", "bin/image", "the OCI image layout directory to write (must not exist, or be empty)")
	flag.StringVar(&o.Version, "version", "", "the plugin version, semver without a leading v (required)")
	flag.StringVar(&platforms, "platforms", strings.Join(defaultPlatforms, ","), "comma-separated GOOS/GOARCH pairs to build the plugin for")
	flag.StringVar(&o.Ref, "ref", defaultRef, "the image's registry reference, without tag: the sample connection's plugin")
	flag.StringVar(&o.Source, "source", ".", "the plugin module's directory")
	flag.StringVar(&o.Revision, "revision", "", "the source revision recorded in the manifest (org.opencontainers.image.revision)")
	flag.StringVar(&o.SourceURL, "source-url", defaultSourceURL, "the source repository recorded in the manifest (org.opencontainers.image.source)")
	flag.StringVar(&created, "created", "", "the creation time recorded in the manifest, RFC 3339 (default: now)")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments: %s", strings.Join(flag.Args(), " ")))
	}
	o.Platforms = strings.Split(platforms, ",")
	o.Created = time.Now().UTC()
	if created != "" {
		t, err := time.Parse(time.RFC3339, created)
		if err != nil {
			fail(fmt.Errorf("-created: %w", err))
		}
		o.Created = t.UTC()
	}
	digest, err := build(o)
	if err != nil {
		fail(err)
	}
	fmt.Printf("wrote %s: %s:%s (manifest %s)\n", o.Out, o.Ref, o.Version, digest)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pluginimage:", err)
	os.Exit(1)
}
