// Package installtest proves the two ways the plugin installs from a
// release:
//
//   - TestGoInstallFromModuleProxy: `go install
//     github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc@VERSION` through
//     a module proxy (a file:// proxy directory holding the module built
//     from this repository's HEAD, before the real proxy for the
//     dependencies), and the installed binary speaks the plugin protocol.
//   - TestSteampipeInstallsPluginImage: the image `make image` builds,
//     pushed to an OCI registry (go-containerregistry's, in process) as the
//     release workflow pushes it (ORAS copy from the layout), installed with
//     Steampipe's installer (pipe-fittings ociinstaller, as `steampipe
//     plugin install` calls it), then the installed binary launched over the
//     plugin protocol and queried.
//
// This is its own Go module (go.mod here), run by make test: the
// installer's dependency tree never touches the plugin's go.mod.
package installtest
