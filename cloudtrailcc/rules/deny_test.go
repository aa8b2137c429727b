package rules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// denyAction records, on the clean account, the failure of every read of
// one IAM action, as the inventory records an AccessDenied answer.
var denyAction = map[string]func(a *snapshot.Account){
	"ec2:DescribeRegions": func(a *snapshot.Account) {
		a.Regions, a.RegionsErr = []string{"us-east-1"}, denied("ec2:DescribeRegions")
	},
	"cloudtrail:DescribeTrails": func(a *snapshot.Account) {
		a.Trails, a.Buckets, a.Topics, a.Keys = nil, nil, nil, nil
		a.TrailListErrors = map[string]*snapshot.ReadError{}
		for _, r := range a.Regions {
			a.TrailListErrors[r] = denied("cloudtrail:DescribeTrails")
		}
	},
	"cloudtrail:GetTrailStatus": func(a *snapshot.Account) { failStatus(trail0(a), denied("cloudtrail:GetTrailStatus")) },
	"cloudtrail:GetEventSelectors": func(a *snapshot.Account) {
		failSelectors(trail0(a), denied("cloudtrail:GetEventSelectors"))
	},
	"cloudtrail:LookupEvents": func(a *snapshot.Account) {
		a.ConfigChangeErrors = map[string]*snapshot.ReadError{}
		for _, r := range a.Regions {
			a.ConfigChangeErrors[r] = denied("cloudtrail:LookupEvents")
		}
	},
	"s3:ListAllMyBuckets": func(a *snapshot.Account) {
		a.OwnBucketsErr = denied("s3:ListAllMyBuckets")
		bucket0(a).Owned, bucket0(a).OwnedKnown = false, false
	},
	"s3:GetBucketLocation": func(a *snapshot.Account) {
		err := denied("s3:GetBucketLocation")
		*bucket0(a) = snapshot.Bucket{Name: mainBucket, Owned: true, OwnedKnown: true, RegionErr: err,
			LoggingErr: err, VersioningErr: err, ACLErr: err, PolicyErr: err, PublicAccessBlockErr: err, OwnershipErr: err}
	},
	"s3:GetBucketLogging": func(a *snapshot.Account) {
		bucket0(a).Logging, bucket0(a).LoggingErr = nil, denied("s3:GetBucketLogging")
	},
	"s3:GetBucketVersioning": func(a *snapshot.Account) {
		bucket0(a).Versioning, bucket0(a).VersioningErr = nil, denied("s3:GetBucketVersioning")
	},
	"s3:GetBucketAcl": func(a *snapshot.Account) { bucket0(a).ACL, bucket0(a).ACLErr = nil, denied("s3:GetBucketAcl") },
	"s3:GetBucketPolicyStatus": func(a *snapshot.Account) {
		bucket0(a).Policy, bucket0(a).PolicyErr = nil, denied("s3:GetBucketPolicyStatus")
	},
	"s3:GetBucketPublicAccessBlock": func(a *snapshot.Account) {
		b := bucket0(a)
		b.PublicAccessBlock, b.PublicAccessBlockRead, b.PublicAccessBlockErr = nil, false, denied("s3:GetBucketPublicAccessBlock")
	},
	"s3:GetAccountPublicAccessBlock": func(a *snapshot.Account) {
		a.AccountPublicAccessBlock, a.AccountPublicAccessBlockErr = nil, denied("s3:GetAccountPublicAccessBlock")
	},
	"s3:GetBucketOwnershipControls": func(a *snapshot.Account) {
		b := bucket0(a)
		b.ObjectOwnership, b.OwnershipRead, b.OwnershipErr = "", false, denied("s3:GetBucketOwnershipControls")
	},
	"sns:GetTopicAttributes": func(a *snapshot.Account) {
		a.Topics[mainTopic].Exists = false
		a.Topics[mainTopic].Err = &snapshot.ReadError{Action: "sns:GetTopicAttributes", Code: "AuthorizationError", Class: snapshot.ClassAccessDenied}
	},
	"kms:DescribeKey": func(a *snapshot.Account) {
		k := a.Keys[mainKey]
		k.State, k.Enabled = "", false
		k.Err = &snapshot.ReadError{Action: "kms:DescribeKey", Code: "AccessDeniedException", Class: snapshot.ClassAccessDenied}
	},
}

// narrowsSearch are the actions that only decide where resources are
// looked for: denied, a rule keeps its findings on what it could still
// read, and says with an error what it could not look at.
var narrowsSearch = map[string]bool{"ec2:DescribeRegions": true}

// TestDenyingAnActionOfTheCatalogue denies, one at a time, each IAM action
// the catalogue lists. A rule that lists the action gives no ok and no
// alarm, and each of its findings names the action — or, for an action in
// narrowsSearch, gives no finding that is not in the clean run unless it is
// an error, skip or info naming the action, and a per-trail or per-bucket
// rule names it at least once; a rule that does not list it gives the same
// findings as on the clean account.
func TestDenyingAnActionOfTheCatalogue(t *testing.T) {
	clean := Evaluate(cleanAccount())
	for _, r := range Catalogue() {
		for _, action := range r.IAMActions {
			if denyAction[action] == nil {
				t.Errorf("%s lists %s, which this test cannot deny", r.ID, action)
			}
		}
	}
	for action, deny := range denyAction {
		t.Run(action, func(t *testing.T) {
			got := Evaluate(with(deny))
			for _, r := range Catalogue() {
				mine, base := ofRule(got, r.ID), ofRule(clean, r.ID)
				if !containsString(r.IAMActions, action) {
					if dump(mine) != dump(base) {
						t.Errorf("%s does not list %s but its findings changed:%s\nwas:%s", r.ID, action, dump(mine), dump(base))
					}
					continue
				}
				if len(mine) == 0 {
					t.Errorf("%s: no finding", r.ID)
				}
				named := false
				for _, f := range mine {
					ev, _ := json.Marshal(f.Evidence)
					names := strings.Contains(f.Reason+string(ev), action)
					named = named || names
					switch {
					case narrowsSearch[action] && hasFinding(base, f):
						// a finding on what could still be read
					case f.Status == StatusOK || f.Status == StatusAlarm:
						t.Errorf("%s denied, yet %s %s: %s", action, f.RuleID, f.Status, f.Reason)
					case !names:
						t.Errorf("%s denied; %s %s does not name it: %s", action, f.RuleID, f.Status, f.Reason)
					}
				}
				if narrowsSearch[action] && (r.Scope == ScopeTrail || r.Scope == ScopeBucket) && !named {
					t.Errorf("%s denied; %s lists trails or buckets, yet no finding says where it could not look:%s", action, r.ID, dump(mine))
				}
			}
		})
	}
}

// ofRule returns the findings of one rule.
func ofRule(fs []Finding, id string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.RuleID == id {
			out = append(out, f)
		}
	}
	return out
}

// containsString reports whether list holds s.
func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
