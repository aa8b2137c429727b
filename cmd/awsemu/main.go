// Command awsemu runs the cloudtrailcc AWS emulator as a process: it prints
// its base URL on stdout and serves until SIGINT or SIGTERM.
//
//	awsemu --addr 127.0.0.1:4566 --regions us-east-1,eu-west-1 --latency 5ms
//
// Point the AWS SDK or CLI at the URL (AWS_ENDPOINT_URL, or the AWS CLI's
// --endpoint-url) with access key "test" and secret "test" (account
// 123456789012). The AWS CLI sends S3 Control calls to
// 123456789012.HOST, which does not resolve: run those with the URL as
// HTTP proxy (HTTP_PROXY=URL NO_PROXY= aws s3control ...). See package
// awsemu for the client options S3 and S3 Control need in the Go SDK and
// for the /_emulator/ control endpoint.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "awsemu:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("awsemu", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:4566", "listen address (host:port; port 0 picks a free one)")
	regions := fs.String("regions", "", "comma-separated enabled regions (default: the 17 standard regions)")
	latency := fs.Duration("latency", 0, "latency added to every AWS call, e.g. 5ms")
	lookupRate := fs.Float64("lookup-events-rate", 0, "LookupEvents requests/second per account and region (0 = AWS's 2; negative = unlimited)")
	maxTrails := fs.Int("max-trails-per-region", 0, "trail quota per account and region (0 = AWS's 5; negative = unlimited)")
	modern := fs.Bool("modern-bucket-defaults", false, "new buckets get Block Public Access and BucketOwnerEnforced, as on AWS since April 2023")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	opts := awsemu.Options{Latency: *latency, LookupEventsRate: *lookupRate, MaxTrailsPerRegion: *maxTrails, ModernBucketDefaults: *modern}
	if *regions != "" {
		for _, r := range strings.Split(*regions, ",") {
			if r = strings.TrimSpace(r); r != "" {
				opts.Regions = append(opts.Regions, r)
			}
		}
	}
	srv := awsemu.New(opts)
	url, err := srv.Start(*addr)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	fmt.Println(url)
	fmt.Fprint(os.Stderr, usageHint(url))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// usageHint tells how to point the AWS SDK and CLI at the emulator at url.
func usageHint(url string) string {
	return fmt.Sprintf(`awsemu: AWS APIs at %[1]s (access key %[2]q, secret %[3]q: account %[4]s)
  SDKs:    AWS_ENDPOINT_URL=%[1]s (S3 path-style)
  AWS CLI: aws --endpoint-url %[1]s ...
           S3 Control goes to ACCOUNT.HOST: HTTP_PROXY=%[1]s NO_PROXY= aws --endpoint-url %[1]s s3control ...
`, url, awsemu.DefaultAccessKeyID, awsemu.DefaultSecretAccessKey, awsemu.DefaultAccountID)
}
