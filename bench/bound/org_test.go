package bound

import (
	"maps"
	"testing"
)

func TestOrganizationReadsTheCentralBucketOnceAndAssumesARolePerMember(t *testing.T) {
	central := "org-central-logs"
	trail := func(acct, bucket string) Trail {
		return Trail{ARN: "arn:aws:cloudtrail:us-east-1:" + acct + ":trail/t", HomeRegion: "us-east-1", OwnerAccountID: acct, Bucket: bucket}
	}
	regions := []string{"us-east-1", "eu-west-1"}
	mgmt := Account{AccountID: "111111111111", Regions: regions, Trails: []Trail{trail("111111111111", central)}, UnlistedBuckets: []string{central}}
	archive := Account{AccountID: "222222222222", Regions: regions}
	member := Account{AccountID: "333333333333", Regions: regions,
		Trails: []Trail{trail("333333333333", central), trail("333333333333", "member-own")}, UnlistedBuckets: []string{central}}
	got := OrganizationCalls(Organization{Accounts: []Account{mgmt, archive, member},
		BucketOwners: map[string]string{central: archive.AccountID, "member-own": member.AccountID}}, RulesNeed)

	want := map[string]int{
		GetCallerIdentity: 1, ListAccounts: 1, AssumeRole: 2,
		DescribeRegions: 3, DescribeTrails: 6, LookupEvents: 6,
		GetTrailStatus: 3, GetEventSelectors: 3,
		// the member lists its own bucket; the archive lists the central one
		ListBuckets: 2, GetBucketLocation: 2, GetAccountPublicAccess: 2,
	}
	for _, a := range bucketActions(RulesNeed) {
		want[a] = 2 // the member's own bucket and the central bucket, once each
	}
	if !maps.Equal(got, want) {
		t.Errorf("organization calls:\n got %v\nwant %v\ndiff %v", got, want, Diff(got, want))
	}

	// Alone (one connection per account), every trail account would also
	// ask where the central bucket is, and nobody would read its facts.
	alone := Sum(Calls(mgmt, RulesNeed), Calls(member, RulesNeed))
	if alone[GetBucketLocation] != 3 {
		t.Errorf("per-account GetBucketLocation = %d; want 3 (the central bucket twice, the member's own once)", alone[GetBucketLocation])
	}
}

func TestOrganizationPagesListAccountsByTwenty(t *testing.T) {
	accts := make([]Account, 41)
	for i := range accts {
		accts[i] = Account{AccountID: string(rune('a' + i%26))}
	}
	got := OrganizationCalls(Organization{Accounts: accts}, RulesNeed)
	if got[ListAccounts] != 3 || got[AssumeRole] != 40 || got[GetCallerIdentity] != 1 {
		t.Errorf("41 accounts: ListAccounts %d, AssumeRole %d, GetCallerIdentity %d; want 3, 40, 1",
			got[ListAccounts], got[AssumeRole], got[GetCallerIdentity])
	}
}
