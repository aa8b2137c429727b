// Package version holds the release version of the cloudtrailcc plugin and
// CLI. Release builds stamp it with
//
//	go build -ldflags "-X github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/version.Version=v1.2.3"
//
// (.goreleaser.yaml does); any other build reports "dev".
package version

// Version is the release version, "dev" when the build was not stamped.
var Version = "dev"

// Package is the import path of this package: the -X flag's prefix.
const Package = "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/version"
