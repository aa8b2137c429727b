package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/harness"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/organization"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

// result is the measurement of one workload.
type result struct {
	Spec    harness.Spec
	Latency time.Duration
	// Calls and Bound are the first run's calls by IAM action (from the
	// emulator's request log) and the least calls.
	Calls, Bound map[string]int
	// Failed counts the first run's calls the emulator answered with an
	// error (throttling included): each is a retry or an error finding.
	Failed int
	// Wall is the first run's wall time; Critical the critical path.
	// WallMin and WallMax span the wall times of all runs.
	Wall, WallMin, WallMax time.Duration
	Critical               bound.Path
	// PeakRSS is the measuring process's peak resident set (bytes): the
	// highest of all runs; RunPeakRSS each run's, fastest run first.
	PeakRSS    int64
	RunPeakRSS []int64
	// CachedCalls is the number of calls of the second run.
	CachedCalls int
	// RunCalls and RunCachedCalls are every run's first-run and
	// second-run call totals, fastest run first.
	RunCalls, RunCachedCalls []int
	// CachedWall is the second run's wall time.
	CachedWall time.Duration
	// First is the first run's report (findings by status).
	First runReport
	// CPU is the user+system CPU time of the measuring process (both runs).
	CPU time.Duration
	// PeakInFlight is the most first-run calls that were in flight at once
	// to one service in one region, and which one ("s3 us-east-1").
	PeakInFlight      int
	PeakInFlightWhere string
	// Floor is the median wall time of the same least calls made in the
	// same order by bare SDK clients in a fresh process (harness.Replay);
	// zero when not measured (an organization).
	Floor time.Duration
}

// FloorRatio is the wall time over the floor (0 when not measured).
func (r result) FloorRatio() float64 {
	if r.Floor > 0 {
		return float64(r.Wall) / float64(r.Floor)
	}
	return 0
}

// FloorCriticalRatio is the floor over the critical path (0 when not
// measured).
func (r result) FloorCriticalRatio() float64 {
	if r.Floor > 0 && r.Critical.Duration > 0 {
		return float64(r.Floor) / float64(r.Critical.Duration)
	}
	return 0
}

// Ratio is calls over the least calls.
func (r result) Ratio() float64 {
	if b := bound.Total(r.Bound); b > 0 {
		return float64(bound.Total(r.Calls)) / float64(b)
	}
	return 0
}

// WallRatio is the wall time over the critical path.
func (r result) WallRatio() float64 {
	if r.Critical.Duration > 0 {
		return float64(r.Wall) / float64(r.Critical.Duration)
	}
	return 0
}

// measure seeds spec into a fresh emulator at zero latency, sets latency,
// and runs the plugin against it runs times, each in a fresh process (empty
// caches): the first query reads everything, the second runs within the
// cache TTL. The result is the run with the median wall time; WallMin and
// WallMax span all runs, and Runs holds every run's calls.
func measure(ctx context.Context, spec harness.Spec, latency time.Duration, runs int) (result, error) {
	env, conns, least, critical, err := start(ctx, spec, latency)
	if err != nil {
		return result{}, err
	}
	defer env.Close()
	env.Server.SetLatency(latency)
	var replay *replayJob
	if !spec.Organization {
		replay = &replayJob{URL: env.URL, Keys: env.Keys(), Calls: env.Graph(bound.RulesNeed).Calls()}
	}

	if spec.Runs > 0 {
		runs = spec.Runs
	}
	var all []result
	var floors []time.Duration
	for i := range runs {
		if i > 0 {
			// let CloudTrail's 2-per-second LookupEvents quota refill
			time.Sleep(time.Second)
		}
		r := result{Spec: spec, Latency: latency, Bound: least, Critical: critical}
		if err := measureOnce(ctx, env, conns, &r); err != nil {
			return r, fmt.Errorf("%s run %d: %w", spec.Name, i+1, err)
		}
		all = append(all, r)
		if replay != nil {
			// each floor run right after a plugin run, so that both see
			// the machine as it was then
			floor, err := measureReplay(ctx, replay)
			if err != nil {
				return r, fmt.Errorf("%s floor run %d: %w", spec.Name, i+1, err)
			}
			floors = append(floors, floor)
		}
	}
	slices.SortFunc(all, func(a, b result) int { return cmp.Compare(a.Wall, b.Wall) })
	med := all[len(all)/2]
	med.WallMin, med.WallMax = all[0].Wall, all[len(all)-1].Wall
	if len(floors) > 0 {
		slices.Sort(floors)
		med.Floor = floors[len(floors)/2]
	}
	for _, r := range all {
		med.RunCalls = append(med.RunCalls, bound.Total(r.Calls))
		med.RunCachedCalls = append(med.RunCachedCalls, r.CachedCalls)
		med.PeakRSS = max(med.PeakRSS, r.PeakRSS)
		med.RunPeakRSS = append(med.RunPeakRSS, r.PeakRSS)
	}
	return med, nil
}

// start seeds spec and returns the emulator, the connections that read it
// (one per account, or one for an organization), the least calls and the
// critical path.
func start(ctx context.Context, spec harness.Spec, latency time.Duration) (*harness.Env, []inproc.Connection, map[string]int, bound.Path, error) {
	if spec.Organization {
		org, err := harness.StartOrganization(ctx, spec, harness.Options{})
		if err != nil {
			return nil, nil, nil, bound.Path{}, err
		}
		return org.Env, []inproc.Connection{org.Connection()}, org.Bound(bound.RulesNeed),
			org.CriticalPath(latency, bound.LookupEventsInterval, organization.DefaultMaxConcurrentAccounts), nil
	}
	env, err := harness.Start(ctx, spec, harness.Options{})
	if err != nil {
		return nil, nil, nil, bound.Path{}, err
	}
	return env, env.Connections(""), env.Bound(bound.RulesNeed),
		env.Graph(bound.RulesNeed).CriticalPath(latency, bound.LookupEventsInterval), nil
}

// childProfile is the -cpuprofile file passed on to each measuring child
// (empty: none); each run overwrites it, so it holds the last run's.
var childProfile string

// childMemProfile is the -memprofile file passed on to each measuring child.
var childMemProfile string

// emulatorProfile is the -emulator-cpuprofile file: a CPU profile of this
// process (the emulator) during each run's first query (empty: none); each
// run overwrites it.
var emulatorProfile string

// measureOnce has a child process run the plugin against env twice and
// fills r from the emulator's request log and the child's resource usage.
func measureOnce(ctx context.Context, env *harness.Env, conns []inproc.Connection, r *result) error {
	env.Server.ResetCalls()
	cmd, err := measuringCommand(ctx, "-cpuprofile", childProfile, "-memprofile", childMemProfile)
	if err != nil {
		return err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the measuring process: %w", err)
	}
	fail := func(err error) error {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return err
	}
	if err := json.NewEncoder(stdin).Encode(job{Connections: conns}); err != nil {
		return fail(fmt.Errorf("sending the job: %w", err))
	}
	reports := json.NewDecoder(bufio.NewReader(stdout))
	stopProfile, err := startCPUProfile(emulatorProfile, true)
	if err != nil {
		return fail(err)
	}
	err = reports.Decode(&r.First)
	stopProfile()
	if err != nil {
		return fail(fmt.Errorf("first run: %w", err))
	}
	r.Wall = time.Duration(r.First.WallNanos)
	calls := env.Server.Calls()
	r.Calls = awsemu.CountCalls(calls)
	r.PeakInFlight, r.PeakInFlightWhere = peakInFlight(calls, r.Latency)
	for _, c := range calls {
		if c.Status >= 300 {
			r.Failed++
		}
	}
	env.Server.ResetCalls()
	if _, err := stdin.Write([]byte("next\n")); err != nil {
		return fail(err)
	}
	var second runReport
	if err := reports.Decode(&second); err != nil {
		return fail(fmt.Errorf("second run: %w", err))
	}
	r.CachedWall = time.Duration(second.WallNanos)
	r.CachedCalls = len(env.Server.Calls())
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("measuring process: %w", err)
	}
	// not the rusage's Maxrss: it starts at the parent's (the emulator's)
	// high-water mark
	r.PeakRSS, r.CPU = second.PeakRSS, cpuTime(cmd.ProcessState)
	return nil
}

// measuringCommand is a fresh measuring process of this binary (-child,
// then args), with the measuring environment and this process's stderr.
func measuringCommand(ctx context.Context, args ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the benchmark binary: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, append([]string{"-child"}, args...)...)
	cmd.Env = childEnv()
	cmd.Stderr = os.Stderr
	return cmd, nil
}

// cpuTime is the user and system CPU time of an ended process (0 where
// the system does not say).
func cpuTime(ps *os.ProcessState) time.Duration {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return 0
}

// measureReplay has a fresh child process make the replay's bare SDK calls
// and returns their wall time.
func measureReplay(ctx context.Context, replay *replayJob) (time.Duration, error) {
	var rep runReport
	if _, err := runJob(ctx, job{Replay: replay}, "replaying process", "replay report", &rep); err != nil {
		return 0, err
	}
	return time.Duration(rep.WallNanos), nil
}

// runJob has a fresh measuring process run j, decodes its one report into
// rep and returns the process's CPU time (user and system); process and
// report name them in errors.
func runJob(ctx context.Context, j job, process, report string, rep any) (time.Duration, error) {
	in, err := json.Marshal(j)
	if err != nil {
		return 0, err
	}
	cmd, err := measuringCommand(ctx)
	if err != nil {
		return 0, err
	}
	cmd.Stdin = strings.NewReader(string(in) + "\n")
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", process, err)
	}
	if err := json.Unmarshal(out, rep); err != nil {
		return 0, fmt.Errorf("%s %q: %w", report, out, err)
	}
	return cpuTime(cmd.ProcessState), nil
}

// peakInFlight returns the most calls in flight at once to one service in
// one region, taking each call to last latency from its arrival (the
// emulator logs arrivals; the injected latency dominates a call's time).
func peakInFlight(calls []awsemu.Call, latency time.Duration) (int, string) {
	if latency <= 0 {
		return 0, ""
	}
	type event struct {
		at    time.Time
		delta int
	}
	byKey := map[string][]event{}
	for _, c := range calls {
		service, _, _ := strings.Cut(c.Action, ":")
		k := service + " " + c.Region
		byKey[k] = append(byKey[k], event{c.Time, 1}, event{c.Time.Add(latency), -1})
	}
	best, where := 0, ""
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		evs := byKey[k]
		slices.SortFunc(evs, func(a, b event) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return a.delta - b.delta // an end before a start at the same instant
		})
		n := 0
		for _, e := range evs {
			n += e.delta
			if n > best {
				best, where = n, k
			}
		}
	}
	return best, where
}
