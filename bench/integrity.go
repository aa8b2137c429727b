package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/harness"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/logintegrity"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/validatelogs"
)

// integrityJob has the measuring child verify one trail over a window.
type integrityJob struct {
	TrailARN string    `json:"trail_arn"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// integrityReport is what the child prints after verifying.
type integrityReport struct {
	WallNanos int64            `json:"wall_ns"`
	Verdicts  harness.Verdicts `json:"verdicts"`
	// PeakRSS is the child's own peak resident set (VmHWM), in bytes.
	PeakRSS int64 `json:"peak_rss"`
}

// runIntegrityChild runs the plugin in-process and queries
// cloudtrailcc_log_integrity once, as `cloudtrailcc verify` does.
func runIntegrityChild(ctx context.Context, conns []inproc.Connection, j *integrityJob, stdout io.Writer) error {
	client, err := inproc.New(ctx, conns)
	if err != nil {
		return err
	}
	defer client.Close()
	v, wall, err := harness.Verify(ctx, client, conns[0].Name, j.TrailARN, j.Start, j.End)
	if err != nil {
		return err
	}
	rss, err := peakRSS()
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(integrityReport{WallNanos: wall.Nanoseconds(), Verdicts: v, PeakRSS: rss})
}

// peakRSS is this process's peak resident set since its exec (VmHWM of
// /proc/self/status). getrusage's ru_maxrss of a child is no measure
// here: Go starts children with vfork semantics, so the child's maxrss
// starts at the parent's high-water mark, the emulator's memory.
func peakRSS() (int64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("reading the peak RSS: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kib int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kib); err != nil {
				return 0, fmt.Errorf("reading the peak RSS from %q: %w", line, err)
			}
			return kib * 1024, nil
		}
	}
	return 0, fmt.Errorf("reading the peak RSS: no VmHWM in /proc/self/status")
}

// windowResult is cloudtrailcc's verification of one window.
type windowResult struct {
	Hours int
	// Objects are the objects in the window; Gets the s3:GetObject calls
	// of the median run, and Distinct the objects it read.
	Objects, Gets, Distinct int
	// Digests and Logs count the window's objects by kind; LogBytes is
	// the log files' stored (gzipped) size.
	Digests, Logs int
	LogBytes      int64
	// Calls are the median run's calls by IAM action.
	Calls map[string]int
	// Wall is the median run's wall time; WallMin and WallMax span the
	// runs. PeakRSS is the highest peak resident set of the runs.
	Wall, WallMin, WallMax time.Duration
	PeakRSS                int64
	CPU                    time.Duration
	Verdicts               harness.Verdicts
}

// cliRun is aws-cli's validate-logs over one account's files.
type cliRun struct {
	Account     string
	Wall        time.Duration
	Files, Gets int
	ExitCode    int
}

// integrityResult is the measurement of a log integrity workload.
type integrityResult struct {
	Spec    harness.IntegritySpec
	Latency time.Duration
	// Delivery is how long the emulator took to deliver the workload;
	// Events how many events the accounts logged.
	Delivery time.Duration
	Events   int
	Windows  []windowResult
	// Load is the load average when the workload's last run ended.
	Load string
	// CLI are aws-cli's runs, one account after the other, over the whole
	// span; CLIAccounts how many of the accounts it was asked to run.
	CLI []cliRun
}

// CLIWall is aws-cli's total wall time over the accounts it validated.
func (r integrityResult) CLIWall() time.Duration {
	var d time.Duration
	for _, c := range r.CLI {
		d += c.Wall
	}
	return d
}

// CLIAllAccounts is aws-cli's wall time for every account one after the
// other: measured when it ran for every account, else estimated
// (estimated says so) at the measured accounts' time per file over every
// account's files: accounts differ in how many files they have.
func (r integrityResult) CLIAllAccounts() (d time.Duration, estimated bool) {
	if len(r.CLI) == 0 {
		return 0, false
	}
	if len(r.CLI) == r.Spec.Accounts {
		return r.CLIWall(), false
	}
	return time.Duration(float64(r.CLIWall()) / float64(max(r.CLIFiles(), 1)) * float64(r.Full().Objects)), true
}

// CLIFiles is the number of files aws-cli reported over its runs.
func (r integrityResult) CLIFiles() int {
	n := 0
	for _, c := range r.CLI {
		n += c.Files
	}
	return n
}

// Full is cloudtrailcc's result for the whole span.
func (r integrityResult) Full() windowResult { return r.Windows[len(r.Windows)-1] }

// measureIntegrity delivers spec at zero latency, then, with latency set,
// has a fresh process verify the last day and the whole span (runs times
// each; every run must read each object of its window exactly once and
// find every file valid), then runs aws-cli's validate-logs for the first
// cliAccounts accounts one after the other over the whole span.
func measureIntegrity(ctx context.Context, spec harness.IntegritySpec, latency time.Duration, runs, cliAccounts int) (integrityResult, error) {
	res := integrityResult{Spec: spec, Latency: latency}
	began := time.Now()
	w, err := harness.StartIntegrity(ctx, spec)
	if err != nil {
		return res, err
	}
	defer w.Close()
	res.Delivery, res.Events = time.Since(began), w.Events
	windows := []int{spec.Hours}
	if spec.Hours > 24 {
		windows = []int{24, spec.Hours}
	}
	for _, hours := range windows {
		start, end := w.Window(hours)
		objects, err := w.ObjectsIn(ctx, start, end)
		if err != nil {
			return res, err
		}
		want := map[string]bool{}
		var kinds windowResult
		for _, o := range objects {
			want[o.Key] = true
			if o.Digest {
				kinds.Digests++
			} else {
				kinds.Logs++
				kinds.LogBytes += o.Size
			}
		}
		w.Server.SetLatency(latency)
		var all []windowResult
		for i := range runs {
			fmt.Fprintf(os.Stderr, "bench: %s: cloudtrailcc verifies %d hours (%d objects), run %d...\n", spec.Name, hours, len(objects), i+1)
			r, err := measureIntegrityOnce(ctx, w, start, end, want)
			if err != nil {
				return res, fmt.Errorf("%s, %d hours, run %d: %w", spec.Name, hours, i+1, err)
			}
			r.Hours, r.Objects, r.Digests, r.Logs, r.LogBytes = hours, len(objects), kinds.Digests, kinds.Logs, kinds.LogBytes
			if r.Gets != len(objects) || r.Distinct != len(objects) || !r.Verdicts.AllValid() {
				return res, fmt.Errorf("%s, %d hours, run %d: %d GetObject calls reading %d distinct objects, verdicts %v; want each of the window's %d objects, and no other, read once, every file valid",
					spec.Name, hours, i+1, r.Gets, r.Distinct, r.Verdicts, len(objects))
			}
			all = append(all, r)
		}
		w.Server.SetLatency(0)
		slices.SortFunc(all, func(a, b windowResult) int { return cmp.Compare(a.Wall, b.Wall) })
		med := all[len(all)/2]
		med.WallMin, med.WallMax = all[0].Wall, all[len(all)-1].Wall
		for _, r := range all {
			med.PeakRSS = max(med.PeakRSS, r.PeakRSS)
		}
		res.Windows = append(res.Windows, med)
	}
	res.Load = loadAverage()
	if cliAccounts == 0 {
		return res, nil
	}
	if err := validatelogs.Available(); err != nil {
		return res, fmt.Errorf("%s: %w; or run with -awscli-accounts 0", spec.Name, err)
	}
	w.Server.SetLatency(latency)
	defer w.Server.SetLatency(0)
	for _, account := range w.AccountIDs[:min(cliAccounts, len(w.AccountIDs))] {
		fmt.Fprintf(os.Stderr, "bench: %s: aws-cli validate-logs for %s...\n", spec.Name, account)
		w.ResetReads()
		out, err := validatelogs.Run{Endpoint: w.URL, Region: harness.IntegrityHome, TrailARN: w.TrailARN,
			Start: w.Start, End: w.End, Account: account}.Do(ctx)
		if err != nil {
			return res, fmt.Errorf("%s: aws-cli for %s: %w", spec.Name, account, err)
		}
		if out.ExitCode != 0 {
			return res, fmt.Errorf("%s: aws-cli for %s exited %d; want every file valid: %s", spec.Name, account, out.ExitCode, out.Stderr)
		}
		res.CLI = append(res.CLI, cliRun{Account: account, Wall: out.Wall, Files: len(out.Verdicts), ExitCode: out.ExitCode,
			Gets: awsemu.CountCalls(w.Server.Calls())["s3:GetObject"]})
	}
	res.Load = loadAverage()
	return res, nil
}

// measureIntegrityOnce has a fresh process verify [start, end] and reads
// its calls from the request log and its resource usage; Distinct counts
// the objects of want read exactly once.
func measureIntegrityOnce(ctx context.Context, w *harness.Integrity, start, end time.Time, want map[string]bool) (windowResult, error) {
	w.ResetReads()
	var rep integrityReport
	cpu, err := runJob(ctx, job{Connections: []inproc.Connection{w.Connection()},
		Integrity: &integrityJob{TrailARN: w.TrailARN, Start: start, End: end}}, "measuring process", "integrity report", &rep)
	if err != nil {
		return windowResult{}, err
	}
	r := windowResult{Wall: time.Duration(rep.WallNanos), Verdicts: rep.Verdicts, Calls: awsemu.CountCalls(w.Server.Calls())}
	r.Gets = r.Calls["s3:GetObject"]
	for k, n := range w.Reads() {
		if n == 1 && want[k] {
			r.Distinct++
		}
	}
	r.PeakRSS, r.CPU = rep.PeakRSS, cpu
	return r, nil
}

// integritySummary is the terminal and page table of the log integrity
// workloads: one row per window verified.
func integritySummary(results []integrityResult) table.Writer {
	t := table.NewWriter()
	t.AppendHeader(table.Row{"workload", "window", "objects in the window", "S3 GetObject", "objects read once",
		"cloudtrailcc wall time (min–max)", "peak RSS", "CPU time", "verdicts"})
	for _, r := range results {
		for _, win := range r.Windows {
			t.AppendRow(table.Row{r.Spec.Name, plural(win.Hours, "hour"), win.Objects, win.Gets, win.Distinct,
				fmt.Sprintf("%s (%s–%s)", ms(win.Wall), ms(win.WallMin), ms(win.WallMax)), mib(win.PeakRSS), ms(win.CPU), verdictText(win.Verdicts)})
		}
	}
	return t
}

// cliTable is aws-cli's runs, one row per account.
func cliTable(r integrityResult) table.Writer {
	t := table.NewWriter()
	t.AppendHeader(table.Row{"account", "aws-cli wall time", "files reported valid", "S3 GetObject", "exit code"})
	for _, c := range r.CLI {
		t.AppendRow(table.Row{c.Account, ms(c.Wall), c.Files, c.Gets, c.ExitCode})
	}
	return t
}

// verdictText lists verdict counts, e.g. "168 digest valid, 2016 log valid".
func verdictText(v harness.Verdicts) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(v)) {
		parts = append(parts, fmt.Sprintf("%d %s", v[k], k))
	}
	return strings.Join(parts, ", ")
}

// comparison is the side-by-side sentence of a workload.
func comparison(r integrityResult) string {
	full := r.Full()
	if len(r.CLI) == 0 {
		return fmt.Sprintf("%s: cloudtrailcc verified %d objects in %s; aws-cli was not run (-awscli-accounts 0).", r.Spec.Name, full.Objects, ms(full.Wall))
	}
	all, est := r.CLIAllAccounts()
	how := "measured"
	if est {
		how = fmt.Sprintf("estimated: the %s measured took %s for %d files, %.1f ms a file, times the %d files of all accounts",
			plural(len(r.CLI), "account"), ms(r.CLIWall()), r.CLIFiles(), float64(r.CLIWall())/float64(max(r.CLIFiles(), 1))/1e6, full.Objects)
	}
	floor := time.Duration((full.Objects+logintegrity.DefaultParallel-1)/logintegrity.DefaultParallel) * r.Latency
	return fmt.Sprintf("%s, %s: cloudtrailcc verified all %d accounts (%d objects) in **%s** (reading at most %d objects at once, the least time those reads take at %s each is %s);",
		r.Spec.Name, plural(full.Hours, "hour"), r.Spec.Accounts, full.Objects, ms(full.Wall), logintegrity.DefaultParallel, ms(r.Latency), ms(floor)) + fmt.Sprintf(" aws-cli validate-logs, one account after the other, takes **%s** for the %d accounts (%s): cloudtrailcc is **%.1f times faster**%s.",
		ms(all), r.Spec.Accounts, how,
		float64(all)/float64(full.Wall), map[bool]string{true: " (goal: 10 times)", false: ", NOT the 10 times of the goal"}[float64(all) >= 10*float64(full.Wall)])
}

// integritySection is the page's log integrity section ("" without
// integrity workloads); args are the benchmark's arguments.
func integritySection(results []integrityResult, args []string) string {
	if len(results) == 0 {
		return ""
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("## Log integrity verification\n\n")
	p("Measured by `go run ./bench %s`, finished %s.\n\n", strings.Join(args, " "), time.Now().UTC().Format("2006-01-02 15:04 MST"))
	for _, r := range results {
		p("**%s**: %s, delivered by the emulator as CloudTrail delivers them (gzipped log files of each 5-minute slot with events, ", r.Spec.Name, r.Spec)
		p("an hourly digest per account signed with the emulator's key, each linked to the previous one) into one bucket of the management account; ")
		p("delivering took %s. With %s of latency added to every AWS call, a fresh process runs the plugin in-process and queries ", ms(r.Delivery), ms(r.Latency))
		p("`cloudtrailcc_log_integrity` with the quals `cloudtrailcc verify` sends (the trail's ARN, `period_end >= start`, `period_start <= end`), ")
		p("in one connection with the management account's credentials, over the last day and over the whole span; rows are counted as they arrive. ")
		full := r.Full()
		p("The whole span holds %d digest files and %d log files (%d events, %.0f a log file; %s gzipped, %.1f KiB a log file).\n\n",
			full.Digests, full.Logs, r.Events, float64(r.Events)/float64(max(full.Logs, 1)), mib(full.LogBytes), float64(full.LogBytes)/float64(max(full.Logs, 1))/1024)
	}
	p("%s\n\n", integritySummary(results).RenderMarkdown())
	for _, r := range results {
		p("%s\n\n", comparison(r))
		if len(r.Windows) > 1 {
			day, full := r.Windows[0], r.Full()
			growth := float64(full.PeakRSS) / float64(max(day.PeakRSS, 1))
			verdict := "memory does not grow with the window"
			if growth > 1.25 {
				verdict = "memory GROWS with the window"
			}
			p("%s peak RSS: %s for %s, %s for %s (%.2f times, for %.1f times the objects): %s.\n\n",
				r.Spec.Name, mib(day.PeakRSS), plural(day.Hours, "hour"), mib(full.PeakRSS), plural(full.Hours, "hour"),
				growth, float64(full.Objects)/float64(max(day.Objects, 1)), verdict)
		}
		if len(r.CLI) > 0 {
			p("aws-cli `validate-logs` (Debian's awscli package, its own validation code; `%s` builds its clients with the emulator's endpoint) ", "internal/emulator/validatelogs")
			p("validates one trail for one account per run, reading one object at a time: a user verifying an organization runs it once per account, ")
			p("one after the other. Each run below is that, over the same %s, at the same latency:\n\n%s\n\n", plural(r.Full().Hours, "hour"), cliTable(r).RenderMarkdown())
		}
		full := r.Full()
		calls := table.NewWriter()
		calls.AppendHeader(table.Row{"IAM action", fmt.Sprintf("%s calls (%s)", r.Spec.Name, plural(full.Hours, "hour"))})
		for _, a := range slices.Sorted(maps.Keys(full.Calls)) {
			calls.AppendRow(table.Row{a, full.Calls[a]})
		}
		p("%s's calls by IAM action, whole span, from the emulator's request log:\n\n%s\n\n", r.Spec.Name, calls.RenderMarkdown())
	}
	for _, r := range results {
		p("%s finished with a load average (1, 5, 15 minutes) of %s on %d CPUs.\n\n", r.Spec.Name, r.Load, runtime.NumCPU())
	}
	p("**Objects in the window** are listed from the bucket: the digest files whose digestEndTime lies in the window, bounds included ")
	p("(a window starting after logging started thus includes the digest ending at its start, the hour before it, and that digest's log files), ")
	p("and the log files they list. Every run must issue exactly one s3:GetObject per object in the window, read each of them ")
	p("(the emulator's handler records the key of every GET) and report every file valid, or the benchmark fails. ")
	p("**Peak RSS** is the measuring process's own high-water mark (VmHWM, read by that process when it is done), which holds only the plugin; the emulator runs in the parent. **CPU time** is that process's user and system time (getrusage).\n\n")
	return b.String()
}

// plural is "1 hour", "24 hours".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
