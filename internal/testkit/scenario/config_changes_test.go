package scenario

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// ipAddress matches an IPv4 or IPv6 source address.
var ipAddress = regexp.MustCompile(`\b\d{1,3}(\.\d{1,3}){3}\b|[0-9a-f]*:[0-9a-f:]+:[0-9a-f]+`)

// changeFindings returns config_changes' alarms that mention name.
func changeFindings(fs findings, name string) findings {
	var out findings
	for _, f := range fs.rule("config_changes").withStatus("alarm") {
		if strings.Contains(f.Resource, name) || strings.Contains(f.Reason, name) {
			out = append(out, f)
		}
	}
	return out
}

func TestConfigChangesAlarmsOnEachChangeEvent(t *testing.T) {
	e := newEnv(t)
	acct := e.build("changes", func(b *seed.Builder) {
		tr := trail(b, seed.TrailSpec{Role: "main", Logging: true, Classic: seed.ManagementOnly()})
		b.StopLogging(tr)
	})
	tr := acct.Trail("main")
	got := changeFindings(e.findings(), tr.Name)
	for _, event := range []string{"CreateTrail", "PutEventSelectors", "StartLogging", "StopLogging"} {
		var hit *finding
		for i := range got {
			if strings.Contains(got[i].Reason, event) {
				hit = &got[i]
			}
		}
		if hit == nil {
			t.Errorf("no config_changes alarm for %s on %s:%s", event, tr.Name, got)
			continue
		}
		if !strings.Contains(hit.Resource, tr.Name) {
			t.Errorf("%s alarm: resource %q does not name trail %s", event, hit.Resource, tr.Name)
		}
		if !strings.Contains(hit.Reason, "arn:") || !strings.Contains(hit.Reason, acct.AccountID) {
			t.Errorf("%s alarm: reason %q does not say who (user identity ARN)", event, hit.Reason)
		}
		if !ipAddress.MatchString(hit.Reason) {
			t.Errorf("%s alarm: reason %q does not give the source IP", event, hit.Reason)
		}
		if !timestamps.MatchString(hit.Reason) {
			t.Errorf("%s alarm: reason %q does not say when", event, hit.Reason)
		}
	}
}

func TestConfigChangesOKPerRegionWithoutChanges(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("quiet", func(*seed.Builder) {})
	fs := e.findings()
	for _, r := range e.evaluatedRegions() {
		e.expect(fs, "config_changes", acct.RegionARN(r), "ok", r)
	}
}

func TestConfigChangesIgnoresEventsOlderThanLookback(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	e.exclusive()
	e.build("old", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", Logging: true})
		b.BackdateEvents(2 * time.Hour)
	})
	if len(e.findings(`config_change_lookback = "1h"`).rule("config_changes").withStatus("alarm")) != 0 {
		t.Errorf("changes made 2h ago reported with a 1h lookback")
	}
	if len(e.findings(`config_change_lookback = "3h"`).rule("config_changes").withStatus("alarm")) == 0 {
		t.Errorf("changes made 2h ago not reported with a 3h lookback")
	}
}

func TestConfigChangesHonoursConfiguredEventNames(t *testing.T) {
	e := newEnv(t)
	acct := e.build("names", func(b *seed.Builder) {
		trail(b, seed.TrailSpec{Role: "main", Logging: true})
	})
	fs := e.findings(`config_change_events = ["DeleteTrail"]`)
	if got := changeFindings(fs, acct.Trail("main").Name); len(got) != 0 {
		t.Errorf("with config_change_events = [DeleteTrail], CreateTrail/StartLogging still alarm:%s", got)
	}
}

func TestConfigChangesSaysAttemptedForFailedCall(t *testing.T) {
	e := newEnv(t)
	acct := e.build("failed", func(*seed.Builder) {})
	c, err := seed.NewClients(e.target, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	name := seed.NamePrefix + "failed-nobucket"
	if _, err := c.CloudTrail.CreateTrail(e.ctx, &cloudtrail.CreateTrailInput{Name: aws.String(name),
		S3BucketName: aws.String(seed.NamePrefix + "no-such-bucket-" + acct.AccountID)}); err == nil {
		t.Fatal("CreateTrail with a missing bucket succeeded; the endpoint must refuse it")
	}
	got := changeFindings(e.findings(), name)
	if len(got) != 1 {
		t.Fatalf("want one alarm for the failed CreateTrail, got:%s", got)
	}
	if r := strings.ToLower(got[0].Reason); !strings.Contains(r, "attempted") || !strings.Contains(r, "bucket") {
		t.Errorf("reason %q should say the call was attempted and give its error code", got[0].Reason)
	}
}

func TestConfigChangesErrorWhenLookupEventsDenied(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	acct := e.build("denied", func(*seed.Builder) {})
	e.deny("cloudtrail:LookupEvents", "eu-west-1")
	fs := e.findings()
	e.expect(fs, "config_changes", acct.RegionARN("eu-west-1"), "error", "LookupEvents")
	e.expect(fs, "config_changes", acct.RegionARN("us-east-1"), "ok")
}
