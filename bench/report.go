package main

import (
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/harness"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// summary builds the results table, one row per workload.
func summary(results []result) table.Writer {
	t := table.NewWriter()
	t.AppendHeader(table.Row{"workload", "shape", "API calls", "least calls", "calls / least",
		"wall time (min–max)", "critical path", "wall / critical", "SDK floor", "wall / floor", "peak in flight", "peak RSS", "peak RSS / connection", "CPU time", "cached run calls", "findings"})
	for _, r := range results {
		t.AppendRow(table.Row{
			r.Spec.Name, r.Spec.String(),
			ints(r.RunCalls), bound.Total(r.Bound), fmt.Sprintf("%.2f", r.Ratio()),
			fmt.Sprintf("%s (%s–%s)", ms(r.Wall), ms(r.WallMin), ms(r.WallMax)), fmt.Sprintf("%s (%d round trips)", ms(r.Critical.Duration), r.Critical.RoundTrips),
			fmt.Sprintf("%.2f", r.WallRatio()), floor(r), floorRatio(r), inFlight(r),
			mib(r.PeakRSS), mib(r.PeakRSS / int64(connections(r.Spec))), ms(r.CPU), ints(r.RunCachedCalls), findings(r.First),
		})
	}
	return t
}

// floor is the SDK floor cell ("–" when not measured).
func floor(r result) string {
	if r.Floor == 0 {
		return "–"
	}
	return fmt.Sprintf("%s (%.2f × critical)", ms(r.Floor), r.FloorCriticalRatio())
}

// floorRatio is the wall / floor cell ("–" when not measured).
func floorRatio(r result) string {
	if r.Floor == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", r.FloorRatio())
}

// withinTwice says whether r's wall time is within twice its critical path.
func withinTwice(r result) string {
	if r.WallRatio() > 2 {
		return "NOT within"
	}
	return "within"
}

// summaryTable renders the results for a terminal.
func summaryTable(results []result) string { return summary(results).Render() + "\n" }

// diffLines lists the actions whose calls differ from the bound ("" when none).
func diffLines(r result) string {
	d := bound.Diff(r.Calls, r.Bound)
	var b strings.Builder
	for _, action := range slices.Sorted(maps.Keys(d)) {
		fmt.Fprintf(&b, "  %s: %d / %d\n", action, d[action][0], d[action][1])
	}
	return b.String()
}

// perAction builds the calls-by-action table: got and least per workload.
func perAction(results []result) table.Writer {
	t := table.NewWriter()
	head := table.Row{"IAM action"}
	actions := map[string]bool{}
	for _, r := range results {
		head = append(head, r.Spec.Name+" calls", r.Spec.Name+" least")
		for a := range r.Calls {
			actions[a] = true
		}
		for a := range r.Bound {
			actions[a] = true
		}
	}
	t.AppendHeader(head)
	for _, a := range slices.Sorted(maps.Keys(actions)) {
		row := table.Row{a}
		for _, r := range results {
			row = append(row, r.Calls[a], r.Bound[a])
		}
		t.AppendRow(row)
	}
	return t
}

// document is the Markdown page with the measured numbers.
func document(results []result, integrity []integrityResult, latency time.Duration, runs int, args []string) (string, error) {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Benchmarks\n\n")
	p("API calls, wall time and memory of a full evaluation of the fourteen rules (`select * from cloudtrailcc_finding`) ")
	p("on reference workloads, against the bundled AWS emulator with %s of latency added to every AWS call. ", ms(latency))
	if len(integrity) > 0 {
		p("The log integrity workload verifies CloudTrail's digest chains through `cloudtrailcc_log_integrity` instead, beside aws-cli's `validate-logs`; its section says how. ")
	}
	p("This page is written by the benchmark program itself (`go run ./bench %s`) on %s; ", strings.Join(args, " "), time.Now().UTC().Format("2006-01-02 15:04 MST"))
	p("every number below is measured, none is edited by hand. Each workload ran %d times%s, each in a fresh process; ", runs, ownRuns(results))
	p("the run with the median wall time is shown, with the fastest and slowest wall times beside it.\n\n")
	p("## Results\n\n%s\n\n", summary(results).RenderMarkdown())
	for _, r := range results {
		if r.Spec.Name == "W1" {
			p("W1: %s API calls for a least of %d (%.2f); median wall time %s, %s twice the critical path of %s.\n\n",
				ints(r.RunCalls), bound.Total(r.Bound), r.Ratio(), ms(r.Wall), withinTwice(r), ms(r.Critical.Duration))
			p("W1's critical path: %s.\n\n", strings.Join(r.Critical.Calls, " → "))
		}
		if r.Spec.Name == "W3" && r.Floor > 0 {
			p("W3: median wall time %s, %s twice the critical path of %s (%.2f times) on %d CPUs; the same %d calls made in the same order by bare SDK clients in a fresh process take %s (%.2f times the critical path), so the plugin takes %.2f times what the SDK alone takes; peak RSS %s, %s per connection.\n\n",
				ms(r.Wall), withinTwice(r), ms(r.Critical.Duration), r.WallRatio(), runtime.NumCPU(), bound.Total(r.Bound), ms(r.Floor),
				r.FloorCriticalRatio(), r.FloorRatio(), mib(r.PeakRSS), mib(r.PeakRSS/int64(connections(r.Spec))))
		}
		if r.Spec.Organization {
			p("%s: %s API calls for a least of %d (%.2f); %s %s, %.2f times the critical path of %s (%s); peak RSS %s (%s), %s 512 MiB; after its first query the process holds %s of heap.\n\n",
				r.Spec.Name, ints(r.RunCalls), bound.Total(r.Bound), r.Ratio(), map[bool]string{true: "wall time of its one run", false: "median wall time"}[r.Spec.Runs == 1],
				ms(r.Wall), r.WallRatio(), ms(r.Critical.Duration),
				strings.Join(r.Critical.Calls, " → "), mib(r.PeakRSS), runPeaks(r), map[bool]string{true: "under", false: "NOT under"}[r.PeakRSS < 512<<20],
				mib(r.First.HeldBytes))
		}
	}
	if w4, w5, ok := organizations(results); ok {
		more := w5.Spec.Accounts - w4.Spec.Accounts
		p("W5 against W4: %d times the accounts, %.2f times the peak RSS (%s against %s, the highest of W4's runs: %s W4's); wall time %.2f times its critical path (%s 1.5). After the first query W5 holds %s of heap and W4 %s: %s for each of the %d accounts more, what an account keeps once judged (its compressed snapshot is in the spill file, not the heap). W5 runs once: one run of 10,000 accounts takes minutes; its calls do not vary between runs; W4's runs show how much a peak RSS varies from run to run.\n\n",
			w5.Spec.Accounts/max(w4.Spec.Accounts, 1), float64(w5.PeakRSS)/float64(max(w4.PeakRSS, 1)), mib(w5.PeakRSS), mib(w4.PeakRSS),
			map[bool]string{true: "no higher than", false: "HIGHER than"}[w5.PeakRSS <= w4.PeakRSS],
			w5.WallRatio(), map[bool]string{true: "within", false: "NOT within"}[w5.WallRatio() <= 1.5],
			mib(w5.First.HeldBytes), mib(w4.First.HeldBytes), perAccount(w5.First.HeldBytes-w4.First.HeldBytes, more), more)
	}
	p("## Calls by IAM action\n\nFirst query of the median run, from the emulator's request log, beside the least calls computed from what was seeded.\n\n%s\n\n",
		perAction(results).RenderMarkdown())
	p("%s", integritySection(integrity, args))
	p("%s", strings.NewReplacer(
		"`inventory.DefaultMaxConcurrency`", fmt.Sprintf("%d, connection option `max_concurrency`", inventory.DefaultMaxConcurrency),
		"`inventory.DefaultMaxS3Concurrency`", fmt.Sprintf("%d, connection option `max_s3_concurrency`", inventory.DefaultMaxS3Concurrency),
		"THP_NOTE", thpNote(),
	).Replace(measuredText))
	p("## Machine\n\n")
	p("- CPUs (`nproc`): %d\n- Go: %s %s/%s\n- CPU: %s\n- Load average when the page was written (`/proc/loadavg`, 1, 5 and 15 minutes): %s\n\n",
		runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, cpuModel(), loadAverage())
	p("A load average above the number of CPUs means other work shared the machine during the runs: wall and CPU times\n")
	p("are then noisy (the fastest and slowest runs show how much); API calls and the least calls are not affected.\n\n")
	p("## How to reproduce\n\n```sh\nmake bench                               # = go run ./bench -out docs/benchmarks.md\n")
	p("go run ./bench -workloads W1 -latency 100ms  # one workload, another latency; prints the table only\n")
	p("go run ./bench -workloads W3 -runs 1 -cpuprofile w3.prof && go tool pprof -top w3.prof  # where the plugin spends CPU\n")
	p("go run ./bench -workloads W4 -runs 1 -emulator-cpuprofile emu.prof  # where the emulator spends CPU\n")
	p("go test ./cloudtrailcc/inventory -run - -bench AccountSnapshot -count 5  # CPU and allocations of one account, no latency\n")
	p("go run ./bench -workloads I1 -awscli-accounts 20  # log integrity, aws-cli run for all 20 accounts (about an hour)\n```\n\n")
	p("No AWS account is needed: the emulator runs on loopback inside the benchmark process.\n")
	return b.String(), nil
}

// ownRuns names the workloads of results that take their own number of
// runs (harness.Spec.Runs), e.g. " (W3 9 times, W5 once)"; "" when none.
func ownRuns(results []result) string {
	var parts []string
	for _, r := range results {
		switch {
		case r.Spec.Runs == 1:
			parts = append(parts, r.Spec.Name+" once")
		case r.Spec.Runs > 1:
			parts = append(parts, fmt.Sprintf("%s %d times", r.Spec.Name, r.Spec.Runs))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// measuredText explains what each column is and how it is obtained.
const measuredText = `## What was measured

- **Workloads.** Each workload is seeded into a fresh emulator through AWS APIs (` + "`seed.Workload`" + `: trails
  spread over the enabled regions, the first multi-region, every trail logging with a healthy status; private,
  versioned trail buckets shared round-robin; topics shared round-robin), at zero latency. Then the latency is set and
  a fresh process runs the plugin in-process (the Steampipe SDK's plugin server, as the CLI does) with one connection
  per account; it queries ` + "`cloudtrailcc_finding`" + ` (every column) on every connection at once and takes the rows off
  the plugin's stream as Steampipe's foreign data wrapper does, counting them by status without keeping them or
  decoding their other values (in Steampipe, PostgreSQL does that in its own process).
- **W4** is an organization: its first account is the management account (a logging multi-region trail delivering
  to a central, private, versioned bucket of the second, log-archive account), every other account has the audit
  role, and one connection with ` + "`organization_role_name`" + ` reads them all, at most
  ` + "`max_concurrent_accounts`" + ` (16) at once. Its least calls add organizations:ListAccounts per page of 20, one
  sts:AssumeRole per member (whose identity comes with the role's credentials, so sts:GetCallerIdentity once for the
  whole organization) and the central bucket's facts once, in its owner. Its critical path is the identity and the
  ListAccounts pages one after the other, then the accounts in waves of ` + "`max_concurrent_accounts`" + `, each taking
  its AssumeRole and an account's own critical path, then one round trip for the central bucket.
- **W5** is W4's organization with 10,000 accounts, measured in one run. Once read, an organization's account
  snapshots are kept compressed and decoded one account at a time, and its findings are judged and streamed account
  by account, so the audit's memory follows ` + "`max_concurrent_accounts`" + `, not the number of accounts.
- **API calls** are counted by the emulator's request log, per IAM action, retries included; nothing is counted
  by the plugin itself.
- **Least calls** is computed from what was seeded (package ` + "`bench/bound`" + `), not from the plugin's code:
  1 sts:GetCallerIdentity, 1 ec2:DescribeRegions, 1 cloudtrail:DescribeTrails per enabled region, 1 GetTrailStatus and
  1 GetEventSelectors per distinct trail (no GetInsightSelectors, ListTags or GetBucketTagging: no rule reads them), s3:ListAllMyBuckets
  once per page, GetBucketLocation per distinct trail bucket (for a bucket ListBuckets does not list, the one call that
  tells another account's from a deleted one), per own trail bucket GetBucketLogging, GetBucketVersioning,
  GetBucketAcl, GetBucketPolicyStatus, GetBucketPublicAccessBlock and GetBucketOwnershipControls,
  s3:GetAccountPublicAccessBlock once,
  sns:GetTopicAttributes per distinct topic, kms:DescribeKey per distinct key, and cloudtrail:LookupEvents once per page
  per region (the pages are counted through the API before the run: 50 events a page, EventSource
  cloudtrail.amazonaws.com, the default 24-hour window).
- **Critical path** is the longest chain of the dependency graph of those least calls, each call taking the injected
  latency and independent calls running in parallel: sts:GetCallerIdentity → ec2:DescribeRegions → DescribeTrails and
  LookupEvents in each region → the per-trail calls (GetTrailStatus, GetEventSelectors), GetTopicAttributes,
  DescribeKey and GetBucketLocation (which also waits for ListBuckets, itself after the identity) → the per-bucket
  reads in the bucket's region. A page waits for the previous page (its NextToken), and LookupEvents pages of one
  region start at least 500 ms apart (CloudTrail's 2 requests per second). Round trips is the number of calls on
  that chain; with one LookupEvents page per region it is 5 (identity, regions, trails, bucket location, bucket facts).
- **SDK floor** is the wall time of the same least calls made by bare AWS SDK clients, with nothing else: a fresh
  process (the emulator stays in the parent, as for the plugin) walks the dependency graph of the critical path and
  makes each call as soon as the calls it depends on have returned, all calls of the graph at once where the graph
  allows, over one connection pool; each call is a parameterless read of the action's service standing in for it
  (cloudtrail:DescribeTrails for every CloudTrail action, s3:ListBuckets for S3's, sts:GetCallerIdentity,
  ec2:DescribeRegions, sns:ListTopics, kms:ListKeys), with no retries, no checks of the replies and no rules. It is
  the median of as many runs as the plugin's, each run right after a run of the plugin. **Wall / floor** is what the plugin adds to what the SDK, net/http and
  the emulator cost on this machine: where the floor itself is above twice the critical path, the machine, not the
  plugin, keeps the wall time above it. Organizations (W4) are not replayed.
- **Wall time** is measured in the plugin's process from the first query's start to the last query's end; it
  includes the SDK's query machinery, the rules, and the emulator's own work besides the injected latency. The
  emulator runs in the benchmark's own process, on the same CPUs, with GOGC=400 (its state and request log reach
  hundreds of MiB for an organization; collecting them less often leaves more CPU to the plugin); the measuring
  processes keep Go's default GOGC.
- **Peak in flight** is the most first-run calls in flight at once to one service in one region (from the request
  log: each call counted from its arrival for the injected latency). The inventory bounds in-flight calls per service
  and region (` + "`inventory.DefaultMaxConcurrency`" + ` by default; for S3, which has no account-wide rate quota on
  bucket-configuration reads and serves thousands of requests per second, ` + "`inventory.DefaultMaxS3Concurrency`" + `),
  so a workload whose reads pile up on one service and region (W2: every bucket read goes to S3 in us-east-1) takes
  waves of that many calls.
- **CPU time** is the user and system CPU time of the plugin's process over both runs; set beside the wall time and
  the number of CPUs it shows when the machine, not the latency, is the limit.
- **Peak RSS** is the peak resident set of that process (VmHWM of /proc/self/status, read by the process after its
  last query), which holds only the plugin and its queries: the emulator and the seeding run in the parent. Pages
  written before 2026-12-07 used the child's getrusage ru_maxrss, which starts at the parent's high-water mark (Go
  starts children with vfork semantics), so their W4 figure was the emulator's as much as the plugin's. **Peak RSS / connection** divides it by
  the connections (one per account), the measure Steampipe users compare when they configure one connection per
  account; it includes the process's fixed share (the binary, the SDK), so it falls as connections are added.
  The benchmark turns transparent huge pages off for itself and the measuring processes (prctl
  PR_SET_THP_DISABLE, inherited across exec)THP_NOTE: otherwise the kernel folds more of the executable
  into 2 MiB pages the longer the binary is in use, and a process's resident set counts each 2 MiB page it touches,
  so that a workload measured later or for longer (W5 after W4) shows megabytes it did not use. Pages written
  before 2026-12-08 kept them on; their peaks are higher by up to some 10 MiB, more for the later workloads.
- The measuring process runs without the shared AWS configuration files, instance metadata and ` + "`AWS_CA_BUNDLE`" + `
  (the emulator speaks plain HTTP), and with the plugin's defaults: ` + "`STEAMPIPE_FREE_MEM_INTERVAL`" + ` unset, so the
  SDK's forced garbage collection per query is off. Like the plugin's binary, it samples no allocations for heap
  profiles (` + "`STEAMPIPE_PPROF`" + ` unset; ` + "`-memprofile`" + ` turns the sampling on): the runtime's records of
  sampled call stacks grow with the length of a run. Pages written before 2026-12-08 sampled them; the records
  took 1.6 MiB of W4's peak and 4.5 MiB of W5's.
- **Cached run calls** is the number of AWS calls of the same queries run again in the same process right after,
  within the cache TTL (default 300 s): every fact is served from the cache.

`

// inFlight formats the peak in-flight calls ("-" without latency: unknown).
func inFlight(r result) string {
	if r.PeakInFlightWhere == "" {
		return "-"
	}
	return fmt.Sprintf("%d (%s)", r.PeakInFlight, r.PeakInFlightWhere)
}

// ints formats per-run numbers: one number when every run agrees, else all.
func ints(v []int) string {
	if len(v) == 0 {
		return ""
	}
	if slices.Min(v) == slices.Max(v) {
		return fmt.Sprint(v[0])
	}
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, " / ")
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%d ms", d.Round(time.Millisecond).Milliseconds())
}

// mib formats bytes in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// findings summarises the first run's findings by status.
func findings(r runReport) string {
	var parts []string
	for _, s := range rules.Statuses {
		if n := r.Statuses[string(s)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return fmt.Sprintf("%d (%s)", r.Findings, strings.Join(parts, ", "))
}

// cpuModel is the first "model name" of /proc/cpuinfo ("unknown" elsewhere).
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// loadAverage is the 1, 5 and 15-minute load averages ("unknown" off Linux).
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], ", ")
	}
	return "unknown"
}

// organizations returns the W4 and W5 results when both were measured.
func organizations(results []result) (w4, w5 result, ok bool) {
	var has4, has5 bool
	for _, r := range results {
		switch r.Spec.Name {
		case "W4":
			w4, has4 = r, true
		case "W5":
			w5, has5 = r, true
		}
	}
	return w4, w5, has4 && has5
}

// connections is the number of plugin connections of a workload's run.
func connections(s harness.Spec) int {
	if s.Organization {
		return 1
	}
	return max(s.Accounts, 1)
}

// runPeaks lists the peak RSS of each run ("its one run" for one).
func runPeaks(r result) string {
	if len(r.RunPeakRSS) < 2 {
		return "its one run"
	}
	parts := make([]string, len(r.RunPeakRSS))
	for i, b := range r.RunPeakRSS {
		parts[i] = mib(b)
	}
	return "runs: " + strings.Join(parts, ", ")
}

// perAccount is bytes shared out over n accounts, in bytes.
func perAccount(bytes int64, n int) string {
	if n <= 0 {
		return "–"
	}
	return fmt.Sprintf("%d bytes", bytes/int64(n))
}

// thpNote says whether transparent huge pages were off on this run.
func thpNote() string {
	if basePages {
		return ""
	}
	return " (on this run the kernel refused it, so the peaks include huge pages)"
}
