package snapshot

import "testing"

func TestWithDependenciesAddsTrailsAndRegions(t *testing.T) {
	for _, c := range []struct {
		name     string
		in, want Need
	}{
		{"bucket facts are read through the trails", NeedBucketPublic, NeedBucketPublic | NeedTrails | NeedRegions},
		{"trail status needs the trails", NeedTrailStatus, NeedTrailStatus | NeedTrails | NeedRegions},
		{"changes need only the regions", NeedConfigChanges, NeedConfigChanges | NeedRegions},
		{"regions alone stay alone", NeedRegions, NeedRegions},
		{"nothing stays nothing", 0, 0},
	} {
		if got := c.in.WithDependencies(); got != c.want {
			t.Errorf("%s: %b.WithDependencies() = %b, want %b", c.name, c.in, got, c.want)
		}
	}
}
