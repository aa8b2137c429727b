// Command bench measures the plugin's AWS API calls and wall time on the
// reference workloads against the AWS emulator with injected per-call
// latency, and writes the results as a Markdown page.
//
//	go run ./bench -out docs/benchmarks.md            # all workloads (W4 and W5 take minutes), 50 ms a call
//	go run ./bench -workloads W1 -latency 100ms
//	go run ./bench -workloads I1 -awscli-accounts 20  # log integrity against aws-cli for every account
//
// For each workload it prints the API calls against the least calls the
// rules need (package bound), the wall time against the critical path of
// those calls, the peak RSS of the process running the plugin, and the
// calls of a second run within the cache TTL.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/harness"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// basePages is whether the measuring processes run with transparent huge
// pages off (basePagesOnly), as the page says.
var basePages bool

// emulatorGCPercent is the emulator's (this process's) GOGC.
const emulatorGCPercent = 400

func run() error {
	out := flag.String("out", "", "write the results as Markdown to this file (e.g. docs/benchmarks.md)")
	latency := flag.Duration("latency", 50*time.Millisecond, "latency the emulator adds to every AWS call during the measured runs")
	workloads := flag.String("workloads", "W1,W2,W3,W4,W5,I1", "comma-separated reference workloads to run: W1, W2, W3, W4, W5 (W4 and W5, organizations of 1,000 and 10,000 accounts, are long: W5 takes about 8 minutes, seeding included), I1 (log integrity verification against aws-cli)")
	cliAccounts := flag.Int("awscli-accounts", 2, "I1: how many of the organization's accounts aws-cli validate-logs validates, one after the other (its time for all of them is then estimated from their time per file); 0 skips aws-cli")
	runs := flag.Int("runs", 3, "measured runs per workload, each in a fresh process; the median run is reported")
	child := flag.Bool("child", false, "internal: run as the measuring process (reads its job on stdin)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the plugin's process during the first query of the last run to this file (go tool pprof)")
	memProfile := flag.String("memprofile", "", "write a heap profile of what the plugin's process holds after the first query of the last run to this file (go tool pprof)")
	emulatorCPUProfile := flag.String("emulator-cpuprofile", "", "write a CPU profile of the emulator (this process) during the first query of the last run to this file (go tool pprof)")
	accounts := flag.Int("accounts", 0, "audit this many accounts instead of the workload's own number (to try a smaller or larger organization; the page then names the count)")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; use flags only (see -h)", flag.Args())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *child {
		// the process settings of the plugin's binary; a heap profile
		// asked for needs the sampling
		if *memProfile == "" {
			cloudtrailcc.SampleAllocationsOnlyForProfiling()
		}
		return runChild(ctx, os.Stdin, os.Stdout, *cpuProfile, *memProfile)
	}
	childProfile, childMemProfile, emulatorProfile = *cpuProfile, *memProfile, *emulatorCPUProfile
	// This process is the emulator, whose state and request log grow to
	// hundreds of MiB with an organization: it collects garbage less often,
	// so that it takes less of the CPUs it shares with the measured plugin.
	// The measuring children keep Go's default.
	debug.SetGCPercent(emulatorGCPercent)
	var err error
	if basePages, err = basePagesOnly(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: warning:", err)
	}
	if *latency < 0 {
		return fmt.Errorf("-latency %s: must be 0 or more", *latency)
	}
	if *runs < 1 {
		return fmt.Errorf("-runs %d: must be 1 or more", *runs)
	}
	if *cliAccounts < 0 {
		return fmt.Errorf("-awscli-accounts %d: must be 0 or more", *cliAccounts)
	}
	var specs []harness.Spec
	var integritySpecs []harness.IntegritySpec
	for _, name := range strings.Split(*workloads, ",") {
		if spec, ok := harness.IntegritySpecs[strings.TrimSpace(name)]; ok {
			integritySpecs = append(integritySpecs, spec)
			continue
		}
		spec, ok := harness.Specs[strings.TrimSpace(name)]
		if !ok {
			return fmt.Errorf("-workloads: unknown workload %q; known: W1, W2, W3, W4, W5, I1", name)
		}
		if *accounts > 0 {
			spec.Accounts = *accounts
		}
		specs = append(specs, spec)
	}

	var results []result
	for _, spec := range specs {
		n := *runs
		if spec.Runs > 0 {
			n = spec.Runs
		}
		fmt.Fprintf(os.Stderr, "bench: %s (%s) at %s a call, %d runs...\n", spec.Name, spec, *latency, n)
		r, err := measure(ctx, spec, *latency, *runs)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	var integrity []integrityResult
	for _, spec := range integritySpecs {
		fmt.Fprintf(os.Stderr, "bench: %s (%s) at %s a call, %d runs...\n", spec.Name, spec, *latency, *runs)
		r, err := measureIntegrity(ctx, spec, *latency, *runs, *cliAccounts)
		if err != nil {
			return err
		}
		integrity = append(integrity, r)
	}
	if len(results) > 0 {
		fmt.Print(summaryTable(results))
	}
	if len(integrity) > 0 {
		fmt.Print(integritySummary(integrity).Render() + "\n")
		for _, r := range integrity {
			fmt.Println(comparison(r))
		}
	}
	for _, r := range results {
		if d := diffLines(r); d != "" {
			fmt.Printf("\n%s calls differing from the bound (action: got / least):\n%s", r.Spec.Name, d)
		}
	}
	if *out == "" {
		return nil
	}
	doc, err := document(results, integrity, *latency, *runs, os.Args[1:])
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, []byte(doc), 0o644); err != nil {
		return fmt.Errorf("writing the results: %w", err)
	}
	fmt.Fprintf(os.Stderr, "bench: wrote %s\n", *out)
	return nil
}
