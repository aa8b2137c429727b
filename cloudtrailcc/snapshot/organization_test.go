package snapshot

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// packTestOrganization is three accounts whose snapshots use every kind of
// fact: trails, owned and foreign buckets, keys, topics, config changes
// with request parameters, and read errors.
func packTestOrganization() *Organization {
	o := &Organization{Multi: true, BucketOwners: map[string]string{"central": "222222222222"}, CallerAccountID: "111111111111",
		Suspended: []string{"999999999999"}, Failed: []AccountFailure{{AccountID: "444444444444", Err: NewReadError("sts:AssumeRole", "AccessDenied", "no")}}}
	for i, id := range []string{"333333333333", "111111111111", "222222222222"} { // unsorted: Pack sorts
		trail := fmt.Sprintf("arn:aws:cloudtrail:us-east-1:%s:trail/t%d", id, i)
		a := &Account{AccountID: id, Partition: "aws", CallerARN: "arn:aws:iam::" + id + ":role/audit", ReadAt: time.Unix(1700000000, 0).UTC(),
			Regions: []string{"us-east-1", "eu-west-1"},
			Trails: []*Trail{{ARN: trail, Name: fmt.Sprintf("t%d", i), HomeRegion: "us-east-1", OwnerAccountID: id, S3BucketName: "central",
				IsMultiRegionTrail: true, KmsKeyID: "arn:aws:kms:us-east-1:" + id + ":key/k", SnsTopicARN: "arn:aws:sns:us-east-1:" + id + ":t"}},
			TrailListErrors: map[string]*ReadError{"eu-west-1": NewReadError("cloudtrail:DescribeTrails", "Throttling", "slow down")},
			Buckets: map[string]*Bucket{"own-" + id: {Name: "own-" + id, Owned: true, OwnedKnown: true, Region: "us-east-1"},
				"central": {Name: "central", OwnedKnown: true, Owned: id == "222222222222"}},
			Keys:   map[string]*Key{"arn:aws:kms:us-east-1:" + id + ":key/k": {ID: "arn:aws:kms:us-east-1:" + id + ":key/k", State: "Enabled"}},
			Topics: map[string]*Topic{"arn:aws:sns:us-east-1:" + id + ":t": {ARN: "arn:aws:sns:us-east-1:" + id + ":t", Exists: true}},
			ConfigChanges: []*ConfigChangeEvent{{EventID: "e" + id, EventName: "StopLogging", EventTime: time.Unix(1700000100, 0).UTC(),
				RequestParameters: json.RawMessage(`{"name":"t"}`), Trail: "t"}},
			Loaded: NeedAll}
		o.Add(a)
	}
	return o
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPackedOrganizationReadsBackEveryAccount: once packed, every account
// reads back as it was, by Each, Account and First, and the organization
// writes the same JSON as before packing.
func TestPackedOrganizationReadsBackEveryAccount(t *testing.T) {
	t.Run("in memory", func(t *testing.T) { testPackedReadsBack(t, false) })
	t.Run("spilled to a file", func(t *testing.T) { testPackedReadsBack(t, true) })
}

func testPackedReadsBack(t *testing.T, spill bool) {
	plain, packed := packTestOrganization(), packTestOrganization()
	plain.Sort()
	if spill {
		dir := t.TempDir()
		if err := packed.SpillTo(dir); err != nil {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 || !packed.Spilled() {
			t.Fatalf("the spill file is left in %s for others to open: %v", dir, left)
		}
	}
	want := map[string]string{}
	for a := range plain.Each() {
		want[a.AccountID] = jsonOf(t, a)
	}
	if err := packed.Pack(); err != nil {
		t.Fatal(err)
	}
	var order []string
	for a := range packed.Each() {
		order = append(order, a.AccountID)
		if got := jsonOf(t, a); got != want[a.AccountID] {
			t.Errorf("account %s after packing:\n%s\nwant\n%s", a.AccountID, got, want[a.AccountID])
		}
	}
	if !slices.Equal(order, []string{"111111111111", "222222222222", "333333333333"}) || packed.Len() != 3 {
		t.Fatalf("packed accounts %v (len %d), want the three by id", order, packed.Len())
	}
	for id, w := range want {
		if a := packed.Account(id); a == nil || jsonOf(t, a) != w || !packed.Has(id) {
			t.Errorf("Account(%s) of the packed organization: %v", id, a)
		}
	}
	if packed.Account("444444444444") != nil || packed.Has("444444444444") || packed.First().AccountID != "111111111111" {
		t.Error("a failed account reads as read, or First is not the first by id")
	}
	if packed.BucketOwner("own-333333333333") != "333333333333" || packed.BucketOwner("nobody's") != "" || packed.BucketOwner("central") != "222222222222" {
		t.Error("bucket owners of the packed organization differ")
	}
	if got, w := jsonOf(t, packed), jsonOf(t, plain); got != w {
		t.Errorf("packed organization's JSON:\n%s\nwant\n%s", got, w)
	}
	var back Organization
	if err := json.Unmarshal([]byte(jsonOf(t, packed)), &back); err != nil || back.Len() != 3 || jsonOf(t, &back) != jsonOf(t, plain) {
		t.Errorf("the JSON of a packed organization does not read back: %v", err)
	}
	// the partition of each account without decoding it, "" for one not read
	for id, w := range want {
		var a Account
		if err := json.Unmarshal([]byte(w), &a); err != nil || packed.Partition(id) != a.Partition || a.Partition == "" {
			t.Errorf("Partition(%s) = %q, want %q (%v)", id, packed.Partition(id), a.Partition, err)
		}
	}
	if packed.Partition("444444444444") != "" {
		t.Error("a failed account has a partition")
	}

	// the owners of listed buckets, until pruned to the trail buckets
	packed.NoteOwned("333333333333", []string{"listed-only", "also-listed"})
	if packed.BucketOwner("listed-only") != "333333333333" {
		t.Error("NoteOwned did not record the owner of a listed bucket")
	}
	packed.KeepOwners(func(name string) bool { return name != "listed-only" })
	if packed.BucketOwner("listed-only") != "" || packed.BucketOwner("also-listed") != "333333333333" || packed.BucketOwner("own-333333333333") != "333333333333" {
		t.Error("KeepOwners kept a pruned owner or dropped a kept one")
	}
	// an update (resolution) is what later reads see, the others unchanged
	if err := packed.Update("222222222222", func(a *Account) error { a.CallerARN = "updated"; return nil }); err != nil {
		t.Fatal(err)
	}
	for a := range packed.Each() {
		if a.AccountID == "222222222222" {
			if a.CallerARN != "updated" {
				t.Errorf("account 222222222222 after Update: CallerARN %q", a.CallerARN)
			}
		} else if jsonOf(t, a) != want[a.AccountID] {
			t.Errorf("account %s changed by another account's Update", a.AccountID)
		}
	}
}

func TestPartitionOfAPackedAccountFollowsItsSnapshot(t *testing.T) {
	org := packTestOrganization()
	if err := org.Pack(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"aws-cn", "aws-new-partition", ""} {
		if err := org.Update("333333333333", func(a *Account) error { a.Partition = p; return nil }); err != nil {
			t.Fatal(err)
		}
		if got := org.Partition("333333333333"); got != p {
			t.Errorf("Partition after an update to %q: %q", p, got)
		}
	}
}

// TestPackedAccountsKeepTheirIDsNotTheARNsTheyCameFrom: an account id
// parsed out of a caller ARN shares the ARN's bytes; what a packed account
// keeps in memory is its id alone, not the whole ARN (here 1 KiB, so that
// keeping it would show).
func TestPackedAccountsKeepTheirIDsNotTheARNsTheyCameFrom(t *testing.T) {
	const n = 20000
	org := &Organization{Multi: true}
	if err := org.SpillTo(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		arn := fmt.Sprintf("arn:aws:sts::%012d:assumed-role/%s/audit", 100000000000+i, strings.Repeat("r", 1024))
		id := strings.Split(arn, ":")[4] // shares arn's bytes, as arn.Parse's AccountID does
		a := &Account{AccountID: id, Partition: "aws", Buckets: map[string]*Bucket{fmt.Sprintf("b%d", i): {Owned: true, OwnedKnown: true}}}
		if err := org.AddPacked(a); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perAccount := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("heap kept per packed account: %d bytes", perAccount)
	if perAccount > 400 {
		t.Errorf("each packed account keeps %d bytes of heap: its id keeps the ARN it was parsed from", perAccount)
	}
	if org.Len() != n || org.BucketOwner("b7") != fmt.Sprintf("%012d", 100000000007) {
		t.Fatalf("packed %d accounts, owner of b7 %q", org.Len(), org.BucketOwner("b7"))
	}
	runtime.KeepAlive(org)
}
