//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// acceptedRisks is the exceptions file of the "accepted" account (a copy of
// the bad account): its public trail bucket accepted by secops, every
// alarm of its regional trail accepted without an owner, an exception of
// the stopped trail that expired yesterday, and one that matches nothing.
func acceptedRisks(a *seed.Account) string {
	day := func(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format("2006-01-02") }
	return fmt.Sprintf(`exception {
  rule     = "bucket_not_public"
  resource = "arn:aws:s3:::%s"
  reason   = "public dashboard bucket, reviewed"
  expires  = %q
  owner    = "secops"
}

exception {
  rule     = "*"
  resource = %q
  account  = %q
  reason   = "regional trail retired next sprint"
  expires  = %q
}

exception {
  rule     = "delivery_failing"
  resource = %q
  reason   = "stopped for the migration"
  expires  = %q
}

exception {
  rule     = "kms_encryption"
  resource = "arn:aws:cloudtrail:*:trail/decommissioned"
  reason   = "removed with the old VPC"
  expires  = %q
}
`, a.Bucket("trail").Name, day(60), a.Trail("regional").ARN, a.AccountID, day(14),
		a.Trail("global-stopped").ARN, day(-1), day(30))
}

// assertSuppressedControlsSkip checks what the exceptions did to the
// Powerpipe run: every alarm the bridge's cloudtrailcc_finding marks
// suppressed is a skip row of its control with the reason "suppressed
// until DATE [by OWNER]: REASON (was: ORIGINAL REASON)", the expired
// exception's alarm is still an alarm saying so, and the stale exception is
// an info row. (The CSV was compared with the CLI's already.)
func (e *env) assertSuppressedControlsSkip(t *testing.T, a account, controls map[string]exportedControl) {
	t.Helper()
	ctx := context.Background()
	rows, err := e.connect(t).Query(ctx, "SELECT rule_id, resource, reason, suppression_reason, suppression_expires, coalesce(suppression_owner, '') FROM "+
		pgx.Identifier{a.schema, "cloudtrailcc_finding"}.Sanitize()+" WHERE suppressed AND status = 'alarm'")
	if err != nil {
		t.Fatal(err)
	}
	type suppressed struct{ rule, resource, reason, why, expires, owner string }
	sup, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (suppressed, error) {
		var s suppressed
		err := row.Scan(&s.rule, &s.resource, &s.reason, &s.why, &s.expires, &s.owner)
		return s, err
	})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	for _, s := range sup {
		rules[s.rule] = true
		by := ""
		if s.owner != "" {
			by = " by " + s.owner
		}
		want := fmt.Sprintf("suppressed until %s%s: %s (was: %s)", s.expires, by, s.why, s.reason)
		if !hasResult(controls["control."+s.rule], s.resource, "skip", want) {
			t.Errorf("control.%s has no skip row for %s with reason %q", s.rule, s.resource, want)
		}
	}
	// the bucket (secops) and several rules of the regional trail
	if !rules["bucket_not_public"] || len(rules) < 3 {
		t.Errorf("suppressed alarms in %d rules (%v), want bucket_not_public and the regional trail's", len(rules), rules)
	}
	expired, stale := 0, 0
	for _, r := range controls["control.delivery_failing"].Results {
		if r.Status == "alarm" && strings.Contains(r.Reason, "-exceptions.hcl:17, expired on ") {
			expired++
		}
	}
	for _, r := range controls["control.kms_encryption"].Results {
		if r.Status == "info" && strings.HasPrefix(r.Reason, "stale exception "+a.schema+"-exceptions.hcl:24 ") {
			stale++
		}
	}
	if expired != 1 || stale != 1 {
		t.Errorf("delivery_failing alarms citing the expired exception: %d; kms_encryption stale exception rows: %d; want 1 each", expired, stale)
	}
	t.Logf("%d suppressed alarms in %d controls are skip rows in Powerpipe's run", len(sup), len(rules))
}

// hasResult reports whether the control has a row with that resource, status and reason.
func hasResult(c exportedControl, resource, status, reason string) bool {
	for _, r := range c.Results {
		if r.Resource == resource && r.Status == status && r.Reason == reason {
			return true
		}
	}
	return false
}
