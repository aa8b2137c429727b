package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/cloudtrailcc/cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/cloudtrailcc/bench/harness"
	"github.com/cloudtrailcc/cloudtrailcc/cloudtrailcc/awsemu"
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
	Wall     time.Duration
	Critical bound.Path
	// PeakRSS is the measuring process's peak resident set (bytes).
	PeakRSS int64
	// CachedCalls is the number of calls of the second run.
	CachedCalls int
	// CachedWall is the second run's wall time.
	CachedWall time.Duration
	// First is the first run's report (findings by status).
	First runReport
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
// and has a child process run the plugin against it twice: the first run
// reads everything, the second runs within the cache TTL.
func measure(ctx context.Context, spec harness.Spec, latency time.Duration) (result, error) {
	r := result{Spec: spec, Latency: latency}
	env, err := harness.Start(ctx, spec, harness.Options{})
	if err != nil {
		return r, err
	}
	defer env.Close()
	r.Bound = env.Bound(bound.RulesNeed)
	r.Critical = env.Graph(bound.RulesNeed).CriticalPath(latency, bound.LookupEventsInterval)
	env.Server.SetLatency(latency)

	exe, err := os.Executable()
	if err != nil {
		return r, fmt.Errorf("finding the benchmark binary: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, "-child")
	cmd.Env = childEnv()
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return r, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return r, err
	}
	if err := cmd.Start(); err != nil {
		return r, fmt.Errorf("starting the measuring process: %w", err)
	}
	fail := func(err error) (result, error) {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return r, err
	}
	if err := json.NewEncoder(stdin).Encode(job{Connections: env.Connections("")}); err != nil {
		return fail(fmt.Errorf("sending the job: %w", err))
	}
	reports := json.NewDecoder(bufio.NewReader(stdout))
	if err := reports.Decode(&r.First); err != nil {
		return fail(fmt.Errorf("%s: first run: %w", spec.Name, err))
	}
	r.Wall = time.Duration(r.First.WallNanos)
	calls := env.Server.Calls()
	r.Calls = awsemu.CountCalls(calls)
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
		return fail(fmt.Errorf("%s: second run: %w", spec.Name, err))
	}
	r.CachedWall = time.Duration(second.WallNanos)
	r.CachedCalls = len(env.Server.Calls())
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		return r, fmt.Errorf("%s: measuring process: %w", spec.Name, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSS = ru.Maxrss * 1024 // Linux reports KiB
	}
	return r, nil
}
