package cloudtrailcc

import (
	"os"
	"runtime"
	"testing"
)

func TestAllocationsAreSampledOnlyWhenProfilingIsAsked(t *testing.T) {
	rate := runtime.MemProfileRate
	t.Cleanup(func() { runtime.MemProfileRate = rate })
	const sampling = 512 << 10

	t.Setenv(ProfilingEnv, "")
	runtime.MemProfileRate = sampling
	SampleAllocationsOnlyForProfiling()
	if runtime.MemProfileRate != sampling {
		t.Fatalf("with %s set, allocations are sampled every %d bytes; want the profile's %d", ProfilingEnv, runtime.MemProfileRate, sampling)
	}

	os.Unsetenv(ProfilingEnv)
	SampleAllocationsOnlyForProfiling()
	if runtime.MemProfileRate != 0 {
		t.Fatalf("without %s, allocations are sampled every %d bytes; want none sampled", ProfilingEnv, runtime.MemProfileRate)
	}
}
