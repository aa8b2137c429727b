// Command cloudtrailcc audits AWS CloudTrail against the fourteen Cloud
// Conformity CloudTrail best-practice rules without Steampipe or a database:
// it runs the cloudtrailcc Steampipe plugin in-process and prints or exports
// its findings.
//
//	cloudtrailcc check             evaluate the rules (table, csv, json, asff, ocsf)
//	cloudtrailcc export TABLE      any plugin table as CSV or JSON
//	cloudtrailcc rules             the rules catalogue
//	cloudtrailcc demo              check an emulated account seeded with mistakes
//	cloudtrailcc diff OLD NEW      new, resolved and changed findings between two JSON exports
//	cloudtrailcc remediate         a fix plan for the alarms (AWS CLI script or Terraform), never applied
//	cloudtrailcc verify            log file integrity: digest chains, signatures, log hashes (like validate-logs)
//
// Exit codes: 0 nothing failing; 1 alarms at or above --fail-on; 2 usage,
// configuration or credential error (one line on stderr); 3 a rule could not
// be evaluated (a finding with status error) and no alarm failed the run.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/version"
)

// Exit codes of the CLI.
const (
	// exitOK: no failing alarm and no rule error.
	exitOK = 0
	// exitAlarm: at least one alarm at or above --fail-on.
	exitAlarm = 1
	// exitUsage: bad flags or arguments, bad configuration, no or invalid
	// AWS credentials, unreachable endpoint.
	exitUsage = 2
	// exitRuleError: no failing alarm, but a rule could not be evaluated.
	exitRuleError = 3
)

// exitError carries an exit code; err (if any) is printed as one line.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError is a user mistake or a setup problem: exit code 2.
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// asUsage marks err as a usage/setup error (exit code 2).
func asUsage(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: exitUsage, err: err}
}

func main() {
	cloudtrailcc.SampleAllocationsOnlyForProfiling()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the CLI with args and returns the exit code. Errors are
// printed to stderr as a single "error: ..." line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			printError(stderr, ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown command, bad flag, wrong arguments
	printError(stderr, err)
	return exitUsage
}

// printError prints err as one line, its control characters shown
// escaped: an error may quote what AWS or a file said.
func printError(w io.Writer, err error) {
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
	fmt.Fprintln(w, "error: "+escape.Line(msg))
}

// newRootCmd builds the command tree.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "cloudtrailcc",
		Short: "Audit AWS CloudTrail against the fourteen Cloud Conformity best-practice rules",
		Long: `cloudtrailcc audits AWS CloudTrail against the fourteen Cloud Conformity
CloudTrail best-practice rules. It runs the cloudtrailcc Steampipe plugin
in-process: no Steampipe, Powerpipe or database needed.

Credentials and region come from the connection flags, a Steampipe .spc file
(--config), or the AWS SDK's standard chain (AWS_* environment variables,
shared config and credentials files, SSO, instance roles).

Exit codes: 0 nothing failing, 1 alarms at or above --fail-on,
2 usage, configuration or credential error, 3 a rule could not be evaluated.`,
		Version:       version.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return asUsage(err) })
	g := &globals{}
	awsCommands := []*cobra.Command{newCheckCmd(g), newExportCmd(g), newDemoCmd(g), newRemediateCmd(g), newVerifyCmd(g)}
	for _, cmd := range awsCommands {
		g.register(cmd)
	}
	root.AddCommand(awsCommands...)
	root.AddCommand(newRulesCmd(), newPostgresCmd(g), newDiffCmd())
	return root
}
