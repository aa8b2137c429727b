package scenario

import (
	"encoding/json"
	"fmt"

	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// tagsJSON renders a tags column value ("null" for NULL).
func tagsJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The tags put through the AWS API come back in the bucket's tags column and
// in each finding about the bucket or the trail; a bucket without tags (S3's
// NoSuchTagSet) has {}.
func TestTagsAreTheTagsPutThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	var tagged, untagged *seed.Trail
	acct := e.build("tags", func(b *seed.Builder) {
		r := b.HomeRegion()
		bucket := b.Bucket(seed.BucketSpec{Role: "tagged-bucket", CloudTrailFor: []string{b.TrailARN(r, "tagged")},
			BlockPublicAccess: true, Tags: map[string]string{"owner": "platform", "env": "prod"}})
		tagged = trail(b, seed.TrailSpec{Role: "tagged", Bucket: bucket, Tags: map[string]string{"owner": "audit"}})
		untagged = trail(b, seed.TrailSpec{Role: "untagged"})
	})
	if tagged == nil || untagged == nil {
		t.Fatalf("seeded trails %v", acct.Trails)
	}
	c, err := inproc.New(e.ctx, []inproc.Connection{{Name: "scenario", Config: e.connection()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buckets, err := c.Query(e.ctx, "scenario", "cloudtrailcc_trail_bucket", []string{"name", "tags", "read_errors"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{tagged.Bucket: `{"env":"prod","owner":"platform"}`, untagged.Bucket: `{}`}
	for _, r := range buckets {
		name := fmt.Sprint(r["name"])
		w, ok := want[name]
		if !ok {
			continue
		}
		delete(want, name)
		if got := tagsJSON(t, r["tags"]); got != w {
			t.Errorf("bucket %s: tags %s, want %s (read errors %v)", name, got, w, r["read_errors"])
		}
	}
	if len(want) > 0 {
		t.Errorf("buckets %v not listed", want)
	}

	rows, err := c.Query(e.ctx, "scenario", "cloudtrailcc_finding", []string{"rule_id", "resource", "tags"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	byResource := map[string]string{
		"arn:aws:s3:::" + tagged.Bucket: `{"env":"prod","owner":"platform"}`, tagged.ARN: `{"owner":"audit"}`,
		"arn:aws:s3:::" + untagged.Bucket: `{}`, untagged.ARN: `{}`,
	}
	seen := map[string]bool{}
	for _, r := range rows {
		res := fmt.Sprint(r["resource"])
		w, ok := byResource[res]
		if !ok {
			continue
		}
		seen[res] = true
		if got := tagsJSON(t, r["tags"]); got != w {
			t.Errorf("%s on %s: tags %s, want %s", r["rule_id"], res, got, w)
		}
	}
	if len(seen) != len(byResource) {
		t.Errorf("findings about %v, want every one of %v", seen, byResource)
	}
}
