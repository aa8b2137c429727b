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
		{"bucket owners are read through the trails", NeedBucketOwner, NeedBucketOwner | NeedTrails | NeedRegions},
		{"regions alone stay alone", NeedRegions, NeedRegions},
		{"nothing stays nothing", 0, 0},
	} {
		if got := c.in.WithDependencies(); got != c.want {
			t.Errorf("%s: %b.WithDependencies() = %b, want %b", c.name, c.in, got, c.want)
		}
	}
}

func TestCloneSharesNothing(t *testing.T) {
	a := &Account{AccountID: "123456789012", Regions: []string{"us-east-1"}, Loaded: NeedTrails | NeedTrailTags,
		Trails:  []*Trail{{ARN: "arn:aws:cloudtrail:us-east-1:123456789012:trail/t", Tags: map[string]string{"k": "v"}}},
		Buckets: map[string]*Bucket{"b": {Name: "b", Owned: true}}}
	c, err := a.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if c.Trails[0].Tags["k"] != "v" || c.Buckets["b"].Name != "b" || c.Loaded != a.Loaded || c.Regions[0] != "us-east-1" {
		t.Fatalf("clone lost facts: %+v", c)
	}
	c.Trails[0].Tags["k"] = "changed"
	c.Buckets["b"].Owned = false
	c.Regions[0] = "eu-west-1"
	if a.Trails[0].Tags["k"] != "v" || !a.Buckets["b"].Owned || a.Regions[0] != "us-east-1" {
		t.Error("changing the clone changed the original")
	}
}
