package harness

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

// TestIntegrityWorkloadReadsEachObjectOfTheWindowOnce is I1 in small: the
// plugin verifies an organization trail's 2 accounts over 3 hours, then
// over the last hour, and reads exactly the window's objects, each once,
// every file valid.
func TestIntegrityWorkloadReadsEachObjectOfTheWindowOnce(t *testing.T) {
	isolateAWSEnv(t)
	ctx := context.Background()
	spec := IntegritySpec{Name: "I-small", Accounts: 2, Hours: 3}
	w, err := StartIntegrity(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	conn := w.Connection()
	client, err := inproc.New(ctx, []inproc.Connection{conn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	for _, hours := range []int{spec.Hours, 1} {
		start, end := w.Window(hours)
		objects, err := w.ObjectsIn(ctx, start, end)
		if err != nil {
			t.Fatal(err)
		}
		digests := 0
		var want []string
		for _, o := range objects {
			want = append(want, o.Key)
			if o.Digest != strings.Contains(o.Key, "/CloudTrail-Digest/") || o.Size == 0 {
				t.Fatalf("object %+v", o)
			}
			if o.Digest {
				digests++
			}
		}
		// the digest ending at a window's start is in the window
		wantDigests := spec.Accounts * hours
		if start.After(w.Start) {
			wantDigests += spec.Accounts
		}
		if digests != wantDigests || len(want) <= digests {
			t.Fatalf("%d hours: %d objects, %d digests; want %d digests and log files", hours, len(want), digests, wantDigests)
		}
		w.ResetReads()
		verdicts, _, err := Verify(ctx, client, conn.Name, w.TrailARN, start, end)
		if err != nil {
			t.Fatal(err)
		}
		// the log files of the hour before the window are read, but their
		// rows (period_end before the window) are not the query's
		if !verdicts.AllValid() || verdicts["digest valid"] != digests || verdicts["log valid"] > len(want)-digests ||
			verdicts["log valid"] == 0 || start.Equal(w.Start) && verdicts["log valid"] != len(want)-digests {
			t.Errorf("%d hours: verdicts %v; want %d valid digests and valid log files", hours, verdicts, digests)
		}
		gets := awsemu.CountCalls(w.Server.Calls())["s3:GetObject"]
		reads := w.Reads()
		var read []string
		for k, n := range reads {
			read = append(read, k)
			if n != 1 {
				t.Errorf("%d hours: %s read %d times", hours, k, n)
			}
		}
		slices.Sort(read)
		slices.Sort(want)
		if gets != len(want) || !slices.Equal(read, want) {
			t.Errorf("%d hours: %d GetObject calls, %d objects read; want the window's %d objects\nread: %v\nwant: %v", hours, gets, len(read), len(want), read, want)
		}
	}
}
