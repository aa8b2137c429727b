package scenario

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// managementAccount is the other account used for organization trails and foreign resources.
const managementAccount = "210987654321"

func TestMultiRegionOKNamesLoggingMultiRegionTrail(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("multi", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true, Logging: true})
	})
	f := e.expect(e.findings(), "multi_region", acct.ARN(), "ok", acct.Trail("main").Name)
	if f.Evidence["read_write_type"] != "All" {
		e.failf("multi_region/read_write_type", "multi_region evidence should carry the trail's ReadWriteType: %v", f.Evidence)
	}
}

func TestMultiRegionAlarmsWhenOnlyMultiRegionTrailStopped(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("stopped", func(b *seed.Builder) {
		b.StopLogging(trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true, Logging: true}))
	})
	e.expect(e.findings(), "multi_region", acct.ARN(), "alarm", "us-east-1")
}

func TestMultiRegionAlarmListsOnlyRegionsWithoutLoggingTrail(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("partial", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "eu", Region: "eu-west-1", Logging: true})
	})
	f := e.expect(e.findings(), "multi_region", acct.ARN(), "alarm", "us-east-1", "us-west-2")
	if strings.Contains(f.Reason, "eu-west-1") && !strings.Contains(f.Reason, acct.Trail("eu").Name) {
		t.Errorf("eu-west-1 has a logging regional trail and must not be listed as uncovered: %s", f.Reason)
	}
	ev := mustJSON(t, f.Evidence)
	for _, r := range []string{"us-east-1", "us-west-2"} {
		if !strings.Contains(ev, r) {
			t.Errorf("evidence does not list uncovered region %s: %s", r, ev)
		}
	}
}

func TestMultiRegionAlarmsWithNoTrailAtAll(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("none", func(*seed.Builder) {})
	e.expect(e.findings(), "multi_region", acct.ARN(), "alarm", "no CloudTrail trail")
}

func TestMultiRegionInfoWhenOnlyMultiRegionTrailIsAnotherAccountsUnreadable(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	acct := e.build("orgonly", func(b *seed.Builder) {
		b.OrganizationTrail(seed.OrganizationTrailSpec{Role: "org", Owner: managementAccount,
			Bucket: b.ForeignBucket("org-logs", managementAccount, "us-east-1"), MultiRegion: true, GlobalEvents: true, Logging: true})
	})
	e.expect(e.findings(), "multi_region", acct.ARN(), "info", managementAccount)
}

func TestMultiRegionOKForOrganizationTrailWithReadableStatus(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	acct := e.build("orgread", func(b *seed.Builder) {
		b.OrganizationTrail(seed.OrganizationTrailSpec{Role: "org", Owner: managementAccount,
			Bucket: b.ForeignBucket("org-logs", managementAccount, "us-east-1"), MultiRegion: true, GlobalEvents: true,
			Logging: true, MemberCanReadStatus: true})
	})
	e.expect(e.findings(), "multi_region", acct.ARN(), "ok", acct.Trail("org").Name)
}

func TestGlobalServicesOKForLoggingMultiRegionTrail(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("global", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true, Logging: true})
	})
	e.expect(e.findings(), "global_services", acct.ARN(), "ok", acct.Trail("main").Name)
}

func TestGlobalServicesOKForUSEast1RegionalTrail(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("east", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "east", Region: "us-east-1", GlobalEvents: true, Logging: true})
	})
	e.expect(e.findings(), "global_services", acct.ARN(), "ok", acct.Trail("east").Name)
}

func TestGlobalServicesAlarmsForRegionalTrailOutsideUSEast1(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("euglobal", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "eu", Region: "eu-west-1", GlobalEvents: true, Logging: true})
	})
	e.expect(e.findings(), "global_services", acct.ARN(), "alarm", acct.Trail("eu").Name, "eu-west-1", "2021")
}

func TestGlobalServicesAlarmsWhenGlobalTrailNotLogging(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("globalstop", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true})
	})
	e.expect(e.findings(), "global_services", acct.ARN(), "alarm")
}

func TestDuplicateGlobalEventsOKWithOneReceiver(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("single", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true, Logging: true})
		trail(b, seed.TrailSpec{Role: "eu", Region: "eu-west-1", GlobalEvents: true, Logging: true})
		trail(b, seed.TrailSpec{Role: "west", Region: "us-west-2", Logging: true})
	})
	e.expect(e.findings(), "duplicate_global_events", acct.ARN(), "ok")
}

func TestDuplicateGlobalEventsAlarmsListingBothReceivers(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("dup", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true, Logging: true})
		trail(b, seed.TrailSpec{Role: "east", Region: "us-east-1", GlobalEvents: true})
	})
	e.expect(e.findings(), "duplicate_global_events", acct.ARN(), "alarm",
		acct.Trail("main").Name, acct.Trail("east").Name, "(not logging)")
}

func TestDuplicateGlobalEventsCountsOrganizationTrail(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	acct := e.build("orgdup", func(b *seed.Builder) {
		b.OrganizationTrail(seed.OrganizationTrailSpec{Role: "org", Owner: managementAccount,
			Bucket: b.ForeignBucket("org-logs", managementAccount, "us-east-1"), MultiRegion: true, GlobalEvents: true,
			Logging: true, MemberCanReadStatus: true})
		trail(b, seed.TrailSpec{Role: "main", MultiRegion: true, GlobalEvents: true, Logging: true})
	})
	e.expect(e.findings(), "duplicate_global_events", acct.ARN(), "alarm", acct.Trail("org").Name, acct.Trail("main").Name)
}

// mustJSON renders v as JSON for substring checks.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
