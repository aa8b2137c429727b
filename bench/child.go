package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/harness"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
)

// job is what the parent sends the measuring child on its stdin: the
// connections to configure, or a replay of bare SDK calls.
type job struct {
	Connections []inproc.Connection `json:"connections"`
	// Replay, when set, has the child make these calls with bare SDK
	// clients instead (harness.Replay), report the wall time and exit.
	Replay *replayJob `json:"replay,omitempty"`
	// Integrity, when set, has the child verify a trail's log files
	// instead (runIntegrityChild), report and exit.
	Integrity *integrityJob `json:"integrity,omitempty"`
}

// replayJob is a harness.Replay to run.
type replayJob struct {
	URL   string               `json:"url"`
	Keys  map[string][2]string `json:"keys"`
	Calls []bound.Call         `json:"calls"`
}

// runReport is what the child prints on stdout after each full run.
type runReport struct {
	WallNanos int64 `json:"wall_ns"`
	Findings  int   `json:"findings"`
	// Statuses counts the findings by status.
	Statuses map[string]int `json:"statuses"`
	// PeakRSS is the process's own peak resident set so far (VmHWM), in
	// bytes: the rusage of a child started by a large parent reports the
	// parent's high-water mark at the start.
	PeakRSS int64 `json:"peak_rss"`
	// HeldBytes is the heap still in use after the first run, once
	// collected: the cached facts and the process's own, what outlives a
	// query (0 for the second run).
	HeldBytes int64 `json:"held_bytes,omitempty"`
}

// runChild is the measured side: it runs the plugin in-process, queries the
// finding table on every connection at once, reports, waits for the parent
// to read the emulator's request log, and does it again (the cached run).
// Only the plugin lives in this process, so its peak RSS is the plugin's.
func runChild(ctx context.Context, stdin io.Reader, stdout io.Writer, cpuProfile, memProfile string) error {
	in := bufio.NewReader(stdin)
	line, err := in.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("reading the job: %w", err)
	}
	var j job
	if err := json.Unmarshal(line, &j); err != nil {
		return fmt.Errorf("decoding the job: %w", err)
	}
	if j.Replay != nil {
		wall, err := harness.Replay(ctx, j.Replay.URL, j.Replay.Keys, j.Replay.Calls)
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(runReport{WallNanos: wall.Nanoseconds()})
	}
	if j.Integrity != nil {
		return runIntegrityChild(ctx, j.Connections, j.Integrity, stdout)
	}
	client, err := inproc.New(ctx, j.Connections)
	if err != nil {
		return err
	}
	defer client.Close()
	out := json.NewEncoder(stdout)
	for run := 0; run < 2; run++ {
		if run > 0 {
			if _, err := in.ReadBytes('\n'); err != nil {
				return fmt.Errorf("waiting for the parent: %w", err)
			}
		}
		stopProfile, err := startCPUProfile(cpuProfile, run == 0)
		if err != nil {
			return err
		}
		// every column a run of the rules reads, as select * would but for
		// the tags, is read but only counted: the process's memory is the
		// plugin's, not the rows'
		columns, err := harness.FindingColumns(ctx, client)
		if err != nil {
			return err
		}
		rep := runReport{Statuses: map[string]int{}}
		wall, err := harness.CountAll(ctx, client, harness.FindingTable, columns, func(r *proto.Row) {
			rep.Findings++
			rep.Statuses[r.Columns["status"].GetStringValue()]++
		})
		stopProfile()
		if err != nil {
			return err
		}
		if run == 0 {
			rep.HeldBytes = heldHeap()
			if err := writeHeapProfile(memProfile); err != nil {
				return err
			}
		}
		rep.WallNanos = wall.Nanoseconds()
		if rep.PeakRSS, err = peakRSS(); err != nil {
			return err
		}
		if err := out.Encode(rep); err != nil {
			return err
		}
	}
	return nil
}

// startCPUProfile profiles the process into path when path is set and on
// is true; the returned function stops it.
func startCPUProfile(path string, on bool) (func(), error) {
	if path == "" || !on {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting the CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeHeapProfile writes the heap profile of what the process still holds
// after the first run (after a collection: the caches) to path, when set.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating the heap profile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		return fmt.Errorf("writing the heap profile: %w", err)
	}
	return nil
}

// childEnv is the environment of the measuring child: the parent's, without
// any shared AWS configuration or instance metadata lookups that could
// change what the plugin does.
func childEnv() []string {
	// AWS_CA_BUNDLE too: the emulator speaks plain HTTP, and the AWS SDK
	// would parse the whole bundle again for every connection.
	return append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PROFILE=", "AWS_REGION=", "AWS_DEFAULT_REGION=", "AWS_ENDPOINT_URL=",
		"AWS_CA_BUNDLE=")
}

// heldHeap collects garbage and returns the heap still in use: what the
// process holds between queries. The collection cannot raise the peak RSS
// already reached.
func heldHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
