package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// demoExport is the file demo writes unless --export says otherwise.
const demoExport = "cloudtrailcc-findings.csv"

// Demo account credentials: the emulator's default account.
const (
	demoAccessKey = "test"
	demoSecretKey = "test"
)

func newDemoCmd(g *globals) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Check an emulated AWS account seeded with deliberate mistakes",
		Long: `Start the bundled AWS emulator on loopback, seed it through the AWS APIs with
a realistic account holding deliberate mistakes (a public trail bucket, a
deleted SNS topic, a stale CloudWatch Logs delivery, no MFA Delete, ...), run
check against it, print the findings and write ` + demoExport + `
(--export to change). No real AWS account is called.

demo exits 0 once the check ran: its alarms are the point.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out, exports, err := o.validate()
			if err != nil {
				return err
			}
			defer exports.discard()
			conn, err := g.connectionConfig()
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			srv := awsemu.New(awsemu.Options{})
			url, err := srv.Start("127.0.0.1:0")
			if err != nil {
				return fmt.Errorf("starting the AWS emulator: %w", err)
			}
			defer srv.Close()
			conn = conn.with(map[string]cty.Value{
				"endpoint_url":  cty.StringVal(url),
				"access_key":    cty.StringVal(demoAccessKey),
				"secret_key":    cty.StringVal(demoSecretKey),
				"session_token": cty.StringVal(""),
				"profile":       cty.StringVal(""),
			})
			// The plugin checks the connection (regions, exceptions file, ...)
			// before anything is seeded or announced.
			client, err := g.openClient(ctx, conn, stderr)
			if err != nil {
				return err
			}
			defer client.Close()
			var acct *seed.Account
			err = status(stderr, "seeding the emulated account", func() error {
				var err error
				acct, err = seed.Demo(ctx, seed.Target{EndpointURL: url, AccessKey: demoAccessKey, SecretKey: demoSecretKey,
					Control: emuclient.New(url)})
				return err
			})
			if err != nil {
				return fmt.Errorf("seeding the demo account: %w", err)
			}
			fmt.Fprintf(stderr, "demo: this is an EMULATED AWS account (%s, bundled emulator at %s) seeded with deliberate mistakes; no real AWS is called\n",
				acct.AccountID, url)
			r, err := g.checkWith(ctx, client, conn, o, stderr)
			if err != nil {
				return err
			}
			return o.write(r, out, exports, cmd.OutOrStdout(), stderr)
		},
	}
	o.register(cmd, []string{demoExport})
	return cmd
}
