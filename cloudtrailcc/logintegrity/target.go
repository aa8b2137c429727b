package logintegrity

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Target is what to verify: one trail's digests in one bucket for some
// accounts and regions over a time window.
type Target struct {
	TrailName  string
	HomeRegion string
	Bucket     string
	Prefix     string // the trail's S3KeyPrefix, "" for none
	// OrganizationID ("o-...") for an organization trail: its files are
	// under AWSLogs/o-ID/ACCOUNT/.
	OrganizationID string
	Accounts       []string
	Regions        []string
	// Start and End bound the window: digests whose period meets it are
	// verified (and, as CloudTrail delivers late, those ending up to an
	// hour after End).
	Start, End time.Time
	// LatestDigestDelivery, when known (GetTrailStatus), lets hours after
	// the newest surviving digest count as deleted rather than not found.
	LatestDigestDelivery time.Time
	// LoggingSince, when the trail is logging (GetTrailStatus
	// StartLoggingTime), marks hours without digests after it as hours
	// CloudTrail was logging through.
	LoggingSince time.Time
	// StatusUnread, when GetTrailStatus could not be read, says why: hours
	// after the newest digest are then an error, neither deleted nor
	// not found.
	StatusUnread string
}

// ParseTrailARN splits arn:PARTITION:cloudtrail:REGION:ACCOUNT:trail/NAME.
func ParseTrailARN(arn string) (region, account, name string, err error) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "cloudtrail" || !strings.HasPrefix(f[5], "trail/") || !accountRE.MatchString(f[4]) || f[3] == "" {
		return "", "", "", fmt.Errorf("not a trail ARN: %q", arn)
	}
	return f[3], f[4], strings.TrimPrefix(f[5], "trail/"), nil
}

var accountRE = regexp.MustCompile(`^\d{12}$`)

// CheckWindow refuses a window that cannot be verified: empty, reversed or
// starting in the future (now is the current time).
func CheckWindow(start, end, now time.Time) error {
	switch {
	case start.IsZero() || end.IsZero():
		return errors.New("the window needs a start and an end")
	case start.After(now):
		return fmt.Errorf("the window starts in the future (%s)", start.UTC().Format(time.RFC3339))
	case !end.After(start):
		return fmt.Errorf("the window is empty: end %s is not after start %s", end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
	}
	return nil
}

func (t Target) check() error {
	switch {
	case t.TrailName == "" || t.HomeRegion == "" || t.Bucket == "":
		return errors.New("logintegrity: target needs a trail name, home region and bucket")
	case len(t.Accounts) == 0 || len(t.Regions) == 0:
		return errors.New("logintegrity: target needs accounts and regions")
	case !t.End.After(t.Start):
		return errors.New("logintegrity: empty window")
	}
	for _, a := range t.Accounts {
		if !accountRE.MatchString(a) {
			return fmt.Errorf("logintegrity: invalid account id %q", a)
		}
	}
	return nil
}

// clamp is the part of [start, end) inside the window: a span reported
// about a day folder stays within the window a query bounds, so that the
// query's own bounds on period_start and period_end keep its row.
func (t Target) clamp(start, end time.Time) (time.Time, time.Time) {
	if start.Before(t.Start) {
		start = t.Start
	}
	if end.After(t.End) {
		end = t.End
	}
	return start, end
}

// root is "PREFIX/AWSLogs/[o-ORG/]".
func (t Target) root() string {
	p := ""
	if t.Prefix != "" {
		p = strings.TrimSuffix(t.Prefix, "/") + "/"
	}
	p += "AWSLogs/"
	if t.OrganizationID != "" {
		p += t.OrganizationID + "/"
	}
	return p
}

// accountPrefix is "PREFIX/AWSLogs/[o-ORG/]ACCOUNT/".
func (t Target) accountPrefix(account string) string { return t.root() + account + "/" }

// digestDayPrefix is the folder of one day's digests of account and region.
func (t Target) digestDayPrefix(account, region string, day time.Time) string {
	return t.accountPrefix(account) + "CloudTrail-Digest/" + region + "/" + day.UTC().Format("2006/01/02") + "/"
}

// logDayPrefix is the folder of one day's log files of account and region.
func (t Target) logDayPrefix(account, region string, day time.Time) string {
	return t.accountPrefix(account) + "CloudTrail/" + region + "/" + day.UTC().Format("2006/01/02") + "/"
}

// digestFileName is the start of this trail's digest file names in a day
// folder; the name goes on with YYYYMMDDTHHmmssZ.json.gz.
func (t Target) digestFileName(account, region string) string {
	return account + "_CloudTrail-Digest_" + region + "_" + t.TrailName + "_" + t.HomeRegion + "_"
}

// keyTime reads the time a digest key names (YYYYMMDDTHHmmssZ before
// ".json.gz").
func digestKeyTime(key string) (time.Time, bool) {
	name, ok := strings.CutSuffix(key, ".json.gz")
	if !ok || len(name) < 16 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102T150405Z", name[len(name)-16:])
	return t, err == nil
}

// logKeyTime reads the delivery time of a log file key
// (ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz).
func logKeyTime(key string) (time.Time, bool) {
	name := key[strings.LastIndexByte(key, '/')+1:]
	f := strings.Split(name, "_")
	if len(f) < 5 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102T1504Z", f[3])
	return t, err == nil
}
