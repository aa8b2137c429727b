package scenario

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// seedOrganization seeds the organization layout (clean or bad) into a
// fresh emulator and returns it with the connection option naming its role.
func seedOrganization(t *testing.T, bad bool) (*env, *seed.Organization, string) {
	t.Helper()
	e := newEnvWith(t, awsemu.Options{Regions: emulatorRegions, LookupEventsRate: -1})
	e.needControl()
	scenario := seed.OrganizationClean
	if bad {
		scenario = seed.OrganizationBad
	}
	o, err := scenario(e.ctx, e.target)
	if err != nil {
		t.Fatal(err)
	}
	return e, o, fmt.Sprintf("organization_role_name = %q", o.RoleName)
}

func TestOrganizationJudgesTheCentralBucketOnceInTheLogArchiveAccount(t *testing.T) {
	for _, bad := range []bool{false, true} {
		t.Run(map[bool]string{false: "clean", true: "bad"}[bad], func(t *testing.T) {
			e, o, role := seedOrganization(t, bad)
			fs := e.findings(role)
			bucketARN := "arn:aws:s3:::" + o.Bucket
			want := map[string]string{"bucket_access_logging": "ok", "bucket_mfa_delete": "ok", "bucket_not_public": "ok"}
			if bad {
				want = map[string]string{"bucket_access_logging": "alarm", "bucket_mfa_delete": "alarm", "bucket_not_public": "alarm"}
			}
			for rule, status := range want {
				got := fs.rule(rule).about(bucketARN)
				if len(got) != 1 || got[0].Status != status || got[0].AccountID != o.LogArchive.AccountID ||
					!strings.Contains(fmt.Sprint(got[0].Evidence["trails"]), o.Trail.ARN) {
					t.Errorf("%s of the central bucket: want one %s under %s naming %s, got %v", rule, status, o.LogArchive.AccountID, o.Trail.ARN, got)
				}
				for _, f := range fs.rule(rule).withStatus("skip") {
					if f.Resource == bucketARN || strings.Contains(f.Reason, "another account") {
						t.Errorf("%s: skip about the central bucket: %v", rule, f)
					}
				}
			}
			// The organization trail's per-trail findings appear once, in the
			// management account.
			for _, rule := range []string{"log_file_validation", "cloudwatch_integration", "data_events", "delivery_failing", "sns_topic_exists", "kms_encryption", "management_events"} {
				got := fs.rule(rule).about(o.Trail.ARN)
				if len(got) != 1 || got[0].AccountID != o.Management.AccountID {
					t.Errorf("%s of the organization trail: %v", rule, got)
				}
			}
			kms := fs.rule("kms_encryption").about(o.Trail.ARN)
			if wantKMS := map[bool]string{false: "ok", true: "alarm"}[bad]; len(kms) == 1 && kms[0].Status != wantKMS {
				t.Errorf("kms_encryption judged with the security account's key: want %s, got %v", wantKMS, kms)
			}
			// Members count the organization trail for coverage.
			for _, m := range o.Members {
				got := fs.rule("multi_region").about("arn:aws:::" + m)
				if len(got) != 1 || got[0].Status != "ok" {
					t.Errorf("multi_region of member %s: %v", m, got)
				}
			}
			// The member without the role: one account-level error per rule.
			missing := "arn:aws:::" + o.RoleMissing
			for _, rule := range allRules {
				got := fs.rule(rule).about(missing)
				if len(got) != 1 || got[0].Status != "error" ||
					!strings.Contains(got[0].Reason, "sts:AssumeRole into "+o.RoleMissing+" failed: AccessDenied") {
					t.Errorf("%s of the account without the role: %v", rule, got)
				}
			}
			// The suspended account: one skip.
			var suspended findings
			for _, f := range fs {
				if f.AccountID == o.Suspended {
					suspended = append(suspended, f)
				}
			}
			if len(suspended) != 1 || suspended[0].Status != "skip" || suspended[0].RuleID != "multi_region" ||
				suspended[0].Resource != "arn:aws:::"+o.Suspended || !strings.Contains(suspended[0].Reason, "suspended in the organization") ||
				!strings.Contains(suspended[0].Reason, "no rule is evaluated for it") {
				t.Errorf("suspended account: %v", suspended)
			}
			if ok := fs.withStatus("ok"); !bad && len(fs.withStatus("alarm")) > 0 {
				t.Errorf("clean organization alarms: %v (ok: %d)", fs.withStatus("alarm"), len(ok))
			}
		})
	}
}

// A deny matrix over the organization calls: whatever is denied, no
// finding about an account that could not be read is ok.
func TestOrganizationDenyMatrixNeverReportsOK(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault awsemu.Fault
		setup bool // the whole audit fails with a set-up error
	}{
		{"ListAccounts", awsemu.Fault{Action: "organizations:ListAccounts", ErrorCode: "AccessDenied"}, true},
		{"AssumeRole everywhere", awsemu.Fault{Action: "sts:AssumeRole", ErrorCode: "AccessDenied"}, false},
		{"AssumeRole into the log archive", awsemu.Fault{Action: "sts:AssumeRole", Resource: seed.LogArchiveAccountID, ErrorCode: "AccessDenied"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, o, role := seedOrganization(t, false)
			e.emu.AddFault(c.fault)
			fs, err := e.query(role)
			if c.setup {
				if err == nil || !strings.Contains(err.Error(), "organizations:ListAccounts") {
					t.Fatalf("want a set-up error naming organizations:ListAccounts, got %v (%d findings)", err, len(fs))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			failed := map[string]bool{}
			for _, f := range fs {
				if f.Status == "error" && strings.Contains(f.Reason, "sts:AssumeRole into") {
					failed[f.AccountID] = true
				}
			}
			if !failed[seed.LogArchiveAccountID] {
				t.Fatalf("the log archive account is not reported as failed: %v", fs)
			}
			bucketARN := "arn:aws:s3:::" + o.Bucket
			for _, f := range fs {
				if f.Status == "ok" && (failed[f.AccountID] || f.Resource == bucketARN) {
					t.Errorf("ok for what could not be read: %v", f)
				}
			}
		})
	}
}
