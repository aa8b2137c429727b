package rules

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// sharingOrganization is n accounts, each with a trail to its own bucket
// using its own key and topic, and a second trail to the bucket
// "central" of the first account; the second account's first trail uses
// the first account's key instead of its own. The first account's key is
// disabled (its own copy says so; nobody else holds it).
func sharingOrganization(n int, packed bool) *snapshot.Organization {
	org := &snapshot.Organization{Multi: true, BucketOwners: map[string]string{}}
	first := fmt.Sprintf("%012d", 100000000000)
	firstKey := "arn:aws:kms:us-east-1:" + first + ":key/k"
	for i := range n {
		id := fmt.Sprintf("%012d", 100000000000+i)
		key, topic := "arn:aws:kms:us-east-1:"+id+":key/k", "arn:aws:sns:us-east-1:"+id+":t"
		own := &snapshot.Trail{ARN: "arn:aws:cloudtrail:us-east-1:" + id + ":trail/own", Name: "own", HomeRegion: "us-east-1",
			OwnerAccountID: id, S3BucketName: "own-" + id, IsMultiRegionTrail: true, KmsKeyID: key, SnsTopicARN: topic}
		toCentral := &snapshot.Trail{ARN: "arn:aws:cloudtrail:us-east-1:" + id + ":trail/central", Name: "central", HomeRegion: "us-east-1",
			OwnerAccountID: id, S3BucketName: "central"}
		if i == 1 {
			own.KmsKeyID = firstKey
		}
		a := &snapshot.Account{AccountID: id, Partition: "aws", Regions: []string{"us-east-1"}, Loaded: snapshot.NeedAll,
			Trails: []*snapshot.Trail{own, toCentral},
			Buckets: map[string]*snapshot.Bucket{
				"own-" + id: {Name: "own-" + id, Owned: true, OwnedKnown: true, Region: "us-east-1"},
				"central":   {Name: "central", OwnedKnown: true, Owned: i == 0, Region: "us-east-1"}},
			Keys:   map[string]*snapshot.Key{key: {ID: key, State: "Enabled", Enabled: true}},
			Topics: map[string]*snapshot.Topic{topic: {ARN: topic, Exists: true}}}
		if i == 0 {
			a.Keys[key].State, a.Keys[key].Enabled = "Disabled", false
		}
		if i > 0 {
			org.BucketOwners["central"] = first
		}
		org.Add(a)
	}
	if packed {
		if err := org.Pack(); err != nil {
			panic(err)
		}
	}
	return org
}

// TestJudgingAnOrganizationKeepsOnlyWhatCrossesAccounts: what judging an
// organization keeps besides the account being judged is what its accounts
// share (the central bucket's trails from other accounts, the key one
// account uses of another), not every account's buckets, keys and topics:
// it is the same for 10 accounts as for 300. The findings still name every
// trail that delivers to a shared bucket and judge a shared key with its
// owner's facts.
func TestJudgingAnOrganizationKeepsOnlyWhatCrossesAccounts(t *testing.T) {
	for _, packed := range []bool{false, true} {
		t.Run(fmt.Sprintf("packed=%v", packed), func(t *testing.T) {
			kept := map[int][3]int{}
			for _, n := range []int{10, 300} {
				org := sharingOrganization(n, packed)
				ov := newOrgView(org)
				kept[n] = [3]int{len(ov.sharedTrails), len(ov.keys), len(ov.topics)}
				if got := len(ov.sharedTrails["central"]); got != n-1 {
					t.Errorf("%d accounts: the central bucket keeps %d trails of other accounts, want %d", n, got, n-1)
				}
				checkSharedFindings(t, org, n)
			}
			if kept[10] != kept[300] || kept[10] != [3]int{1, 1, 0} {
				t.Errorf("kept (shared buckets, keys, topics) = %v for 10 accounts and %v for 300, want [1 1 0] for both", kept[10], kept[300])
			}
		})
	}
}

func checkSharedFindings(t *testing.T, org *snapshot.Organization, n int) {
	t.Helper()
	first, second := fmt.Sprintf("%012d", 100000000000), fmt.Sprintf("%012d", 100000000001)
	var central, ownSecond *Finding
	var keySecond []Finding
	for f := range OrganizationFindings(org, "bucket_access_logging", "kms_encryption") {
		switch {
		case f.RuleID == "bucket_access_logging" && f.Resource == "arn:aws:s3:::central":
			central = &f
		case f.RuleID == "bucket_access_logging" && f.Resource == "arn:aws:s3:::own-"+second:
			ownSecond = &f
		case f.RuleID == "kms_encryption" && f.AccountID == second:
			keySecond = append(keySecond, f)
		}
	}
	if central == nil || central.AccountID != first {
		t.Fatalf("%d accounts: no bucket_access_logging finding for central in its owner %s: %+v", n, first, central)
	}
	if trails, _ := central.Evidence["trails"].([]string); len(trails) != n || !slices.IsSorted(trails) {
		t.Errorf("%d accounts: central's finding names %d trails (sorted: %v), want every account's %d", n, len(trails), slices.IsSorted(trails), n)
	}
	if ownSecond == nil {
		t.Fatalf("%d accounts: no finding for own-%s", n, second)
	}
	if trails, _ := ownSecond.Evidence["trails"].([]string); !slices.Equal(trails, []string{"arn:aws:cloudtrail:us-east-1:" + second + ":trail/own"}) {
		t.Errorf("%d accounts: own-%s's finding names %v, want its one trail", n, second, trails)
	}
	var sawDisabled bool
	for _, f := range keySecond {
		if f.Resource == "arn:aws:cloudtrail:us-east-1:"+second+":trail/own" {
			sawDisabled = f.Status == StatusAlarm && f.Evidence["key_state"] == "Disabled"
		}
	}
	if !sawDisabled {
		t.Errorf("%d accounts: the trail of %s using %s's disabled key is not judged with the owner's facts: %+v", n, second, first, keySecond)
	}
}
